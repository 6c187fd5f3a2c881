"""Account emails (allauth's confirmation codes, resets, security notices), sent by the worker."""

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
from console.mail import send_reusing_connection

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1, ignore_result=True)
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
    the task carries only strings. The retry policy is the invitations'
    (``console.email_retry``): transient SMTP trouble (connection errors, 4xx
    replies) is retried with backoff; a permanent refusal (5xx) is logged and
    dropped, since retrying cannot change it.
    """
    message = EmailMultiAlternatives(subject, body, from_email, [to_email], headers=headers)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        send_reusing_connection(message)
    except Exception as error:
        if classify_send_error(error) == PERMANENT:
            logger.warning("account email refused permanently; not retrying: %s", describe(error))
            return
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries + 1)) from error
