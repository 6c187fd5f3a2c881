"""The one retry policy for email sent by a worker: which failures to retry, and when.

Both email tasks (invitations, password reset) use it. Below every app:
imports no app.
"""

import smtplib

from django.conf import settings

TRANSIENT = "transient"
PERMANENT = "permanent"

# One send is tried at most this often (the first attempt and five retries).
MAX_ATTEMPTS = 6


def classify_send_error(error: Exception) -> str:
    """SMTP 4xx replies and connection problems are worth retrying; 5xx replies are not."""
    if isinstance(error, smtplib.SMTPResponseException):
        return TRANSIENT if 400 <= error.smtp_code < 500 else PERMANENT
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return TRANSIENT if codes and all(400 <= code < 500 for code in codes) else PERMANENT
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TRANSIENT
    if isinstance(error, smtplib.SMTPException):
        return PERMANENT
    if isinstance(error, (ConnectionError, TimeoutError, OSError)):
        return TRANSIENT
    return PERMANENT


def retry_countdown(attempts: int) -> float:
    """Exponential backoff after attempt ``attempts``: 4, 8, 16, 32, 64 seconds.

    The longest wait plus the task time limit stays under the invitation
    outbox lease, so the sweep never races a scheduled retry. The base
    (``INVITATION_EMAIL_RETRY_BACKOFF_SECONDS``, 4; the setting kept its
    first user's name) is read at call time so tests can watch a whole
    series of retries in seconds.
    """
    base = float(settings.INVITATION_EMAIL_RETRY_BACKOFF_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), base * 16)


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
