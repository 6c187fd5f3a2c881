"""Account emails (allauth's confirmation codes, resets, security notices), sent by the worker."""

import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.core.mail import EmailMultiAlternatives

from console.mail import send_reusing_connection

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def send_account_email(
    self,
    *,
    subject: str,
    body: str,
    html_body: str,
    from_email: str | None,
    to_email: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Send an already rendered account email (plain text, and HTML when there is one).

    The web process renders the message (allauth's context holds the request,
    the user and one-time codes, none of which belong in a queue message), so
    the task carries only strings. Transient SMTP trouble (connection errors,
    4xx replies) is retried with exponential backoff; a permanent refusal
    (5xx) is logged and dropped, since retrying cannot change it.
    """
    message = EmailMultiAlternatives(subject, body, from_email, [to_email], headers=headers)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        send_reusing_connection(message)
    except smtplib.SMTPRecipientsRefused:
        logger.warning("account email refused for its recipient; not retrying")
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            logger.warning("account email refused permanently (%s); not retrying", error.smtp_code)
            return
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
    except OSError as error:  # smtplib's other errors, refused connections, timeouts
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=5, retries=retries, maximum=600, full_jitter=True
    )
