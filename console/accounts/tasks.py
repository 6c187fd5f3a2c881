"""Account emails, sent by the Celery worker."""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from console.email_retry import (
    MAX_ATTEMPTS,
    PERMANENT,
    classify_send_error,
    describe,
    retry_countdown,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1, ignore_result=True)
def send_password_reset_email(
    self, *, subject: str, body: str, html_body: str, from_email: str | None, to_email: str
) -> None:
    """Send an already rendered password-reset email (plain text + HTML).

    The web process renders the message (it knows the request and the user),
    so the task carries only strings. The retry policy is the invitations'
    (``console.email_retry``): transient SMTP trouble (connection errors, 4xx
    replies) is retried with backoff; a permanent refusal (5xx) is logged
    and dropped, since retrying cannot change it.
    """
    message = EmailMultiAlternatives(subject, body, from_email, [to_email])
    message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except Exception as error:
        if classify_send_error(error) == PERMANENT:
            logger.warning(
                "password reset email refused permanently; not retrying: %s", describe(error)
            )
            return
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries + 1)) from error
