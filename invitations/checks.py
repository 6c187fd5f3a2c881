"""System checks: the timings that make an invitation email go out exactly once, together.

Crash recovery (SPEC, Jobs) ties three settings to each other, so changing
one alone can break "exactly once" or "within 3 minutes" without any test
noticing in production. ``manage.py check`` (and every ``runserver``,
``migrate`` and worker start) runs these; registered in
``InvitationsConfig.ready()``, as django-allauth registers its own.
"""

from datetime import timedelta

from django.conf import settings
from django.core import checks

from console.email_retry import MAX_ATTEMPTS, retry_countdown

SWEEP_TASK = "sweep-invitation-outbox"
# SPEC: a dead worker's send goes out within 3 minutes; the new worker's send gets 30 s of it.
TAKEOVER_WITHIN_SECONDS = 150


def _sweep_interval() -> float | None:
    entry = settings.CELERY_BEAT_SCHEDULE.get(SWEEP_TASK, {})
    schedule = entry.get("schedule")
    return schedule.total_seconds() if isinstance(schedule, timedelta) else None


@checks.register(checks.Tags.compatibility)
def check_email_timings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The email lease outlasts a live send and a scheduled retry, and is short enough
    for a dead worker's send to be taken over within 3 minutes."""
    lease = settings.INVITATION_EMAIL_LEASE_SECONDS
    time_limit = settings.CELERY_TASK_TIME_LIMIT
    longest_backoff = retry_countdown(MAX_ATTEMPTS)
    errors: list[checks.CheckMessage] = []
    if lease <= time_limit + longest_backoff:
        errors.append(
            checks.Error(
                f"INVITATION_EMAIL_LEASE_SECONDS ({lease}) must be longer than "
                f"CELERY_TASK_TIME_LIMIT ({time_limit}) plus the longest retry wait "
                f"({longest_backoff:g}, from INVITATION_EMAIL_RETRY_BACKOFF_SECONDS).",
                hint="Otherwise the outbox sweep takes over a send that is still running "
                "or waiting for its retry, and the email goes out twice.",
                id="invitations.E001",
            )
        )
    sweep = _sweep_interval()
    if sweep is None:
        errors.append(
            checks.Error(
                f"CELERY_BEAT_SCHEDULE has no {SWEEP_TASK!r} entry with a timedelta schedule.",
                hint="Without the sweep, a send whose worker died is never taken over.",
                id="invitations.E002",
            )
        )
    elif lease + sweep > TAKEOVER_WITHIN_SECONDS:
        errors.append(
            checks.Error(
                f"INVITATION_EMAIL_LEASE_SECONDS ({lease}) plus the outbox sweep's interval "
                f"({sweep:g}) must be at most {TAKEOVER_WITHIN_SECONDS} seconds.",
                hint="A dead worker's send must go out within 3 minutes (SPEC, Jobs).",
                id="invitations.E003",
            )
        )
    return errors
