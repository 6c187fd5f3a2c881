"""Account emails, sent by the Celery worker."""

import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def send_password_reset_email(
    self, *, subject: str, body: str, html_body: str, from_email: str | None, to_email: str
) -> None:
    """Send an already rendered password-reset email (plain text + HTML).

    The web process renders the message (it knows the request and the user),
    so the task carries only strings. Transient SMTP trouble (connection
    errors, 4xx replies) is retried with exponential backoff; a permanent
    refusal (5xx) is logged and dropped, since retrying cannot change it.
    """
    message = EmailMultiAlternatives(subject, body, from_email, [to_email])
    message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        logger.warning("password reset email refused for its recipient; not retrying")
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            logger.warning(
                "password reset email refused permanently (%s); not retrying", error.smtp_code
            )
            return
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
    except OSError as error:  # smtplib's other errors, refused connections, timeouts
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=5, retries=retries, maximum=600, full_jitter=True
    )
