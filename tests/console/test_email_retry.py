"""One email-retry policy (``console.email_retry``) for both email tasks."""

import smtplib
from unittest import mock

import pytest
from django.core import mail

from console import email_retry
from console.accounts import tasks as account_tasks
from invitations import tasks as invitation_tasks

EMAIL = {
    "subject": "Reset",
    "body": "text",
    "html_body": "<p>html</p>",
    "from_email": None,
    "to_email": "a@example.com",
}


def test_both_email_tasks_try_as_often():
    assert invitation_tasks.send_invitation_email.max_retries == email_retry.MAX_ATTEMPTS - 1
    assert account_tasks.send_account_email.max_retries == email_retry.MAX_ATTEMPTS - 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPDataError(451, b"try later"), email_retry.TRANSIENT),
        (smtplib.SMTPDataError(550, b"no such user"), email_retry.PERMANENT),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"busy")}), email_retry.TRANSIENT),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")}), email_retry.PERMANENT),
        (smtplib.SMTPServerDisconnected("gone"), email_retry.TRANSIENT),
        (ConnectionRefusedError(), email_retry.TRANSIENT),
        (ValueError("a bug"), email_retry.PERMANENT),
    ],
)
def test_classification(error, kind):
    assert email_retry.classify_send_error(error) == kind


def test_the_account_email_task_retries_what_the_policy_calls_transient_with_its_backoff(settings):
    """A 4xx refusal of the recipient is transient for both tasks, with the same waits."""
    settings.INVITATION_EMAIL_RETRY_BACKOFF_SECONDS = 7
    busy = smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")})
    countdowns = []
    real_retry = account_tasks.send_account_email.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    real_send = account_tasks.send_reusing_connection
    calls = []

    def busy_then_send(message):
        calls.append(message)
        if len(calls) == 1:
            raise busy
        return real_send(message)

    with (
        mock.patch.object(account_tasks, "send_reusing_connection", busy_then_send),
        mock.patch.object(account_tasks.send_account_email, "retry", retry),
    ):
        account_tasks.send_account_email.apply(kwargs=EMAIL, throw=False)

    assert len(calls) == 2
    assert countdowns == [email_retry.retry_countdown(1)] == [7]
    assert len(mail.outbox) == 1
