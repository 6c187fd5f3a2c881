"""The email timings rule is a system check (``invitations.checks``), run by ``manage.py check``."""

from datetime import timedelta

from django.core import checks

from invitations.checks import check_email_timings


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_shipped_settings_pass():
    assert check_email_timings() == []


def test_a_lease_shorter_than_a_send_and_its_longest_retry_is_an_error(settings):
    settings.INVITATION_EMAIL_LEASE_SECONDS = 100  # 60 s time limit + 64 s backoff = 124

    assert ids(check_email_timings()) == ["invitations.E001"]


def test_a_longer_time_limit_breaks_the_lease(settings):
    settings.CELERY_TASK_TIME_LIMIT = 90

    assert ids(check_email_timings()) == ["invitations.E001"]


def test_a_longer_retry_backoff_breaks_the_lease(settings):
    settings.INVITATION_EMAIL_RETRY_BACKOFF_SECONDS = 8.0  # longest wait 128 s

    assert ids(check_email_timings()) == ["invitations.E001"]


def test_a_takeover_slower_than_three_minutes_is_an_error(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "sweep-invitation-outbox": {
            "task": "invitations.tasks.sweep_invitation_outbox",
            "schedule": timedelta(seconds=60),
        },
    }

    assert ids(check_email_timings()) == ["invitations.E003"]


def test_no_sweep_is_an_error(settings):
    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    del schedule["sweep-invitation-outbox"]
    settings.CELERY_BEAT_SCHEDULE = schedule

    assert ids(check_email_timings()) == ["invitations.E002"]


def test_manage_py_check_runs_it(settings):
    settings.INVITATION_EMAIL_LEASE_SECONDS = 100

    assert "invitations.E001" in ids(checks.run_checks())
