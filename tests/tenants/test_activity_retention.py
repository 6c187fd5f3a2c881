"""Retention: a beat job deletes entries older than ACTIVITY_RETENTION_DAYS, in bounded batches."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.activity import MemberAction
from tenants.models import ActivityEvent
from tenants.services import activity_purge_old
from tenants.tasks import purge_old_activity
from tests import factories

pytestmark = pytest.mark.django_db


def make(tenant, ages_in_days):
    now = timezone.now()
    return ActivityEvent.objects.bulk_create(
        ActivityEvent(
            tenant=tenant,
            action=MemberAction.LEFT,
            actor_kind="system",
            target_email=f"{i}@example.com",
            created_at=now - timedelta(days=age),
        )
        for i, age in enumerate(ages_in_days)
    )


def test_default_retention_is_400_days_and_the_job_is_scheduled():
    assert settings.ACTIVITY_RETENTION_DAYS == 400
    entry = settings.CELERY_BEAT_SCHEDULE["purge-old-activity"]
    assert entry["task"] == "tenants.tasks.purge_old_activity"


def test_job_deletes_only_entries_past_the_retention(tenant, settings):
    settings.ACTIVITY_RETENTION_DAYS = 30
    old = make(tenant, [400, 90, 31])
    kept = make(tenant, [29, 1, 0])
    assert purge_old_activity.apply().get() == 3
    remaining = set(ActivityEvent.objects.values_list("pk", flat=True))
    assert remaining == {e.pk for e in kept}
    assert not remaining & {e.pk for e in old}


def test_nothing_old_deletes_nothing(tenant):
    make(tenant, [1, 2])
    with CaptureQueriesContext(connection) as captured:
        assert activity_purge_old() == 0
    assert len(captured) == 2  # the lookups of the newest old entry and security event
    assert ActivityEvent.objects.count() == 2


def test_batches_are_bounded_id_ranges(tenant):
    make(tenant, [500] * 25 + [1] * 5)
    with CaptureQueriesContext(connection) as captured:
        assert activity_purge_old(batch_size=10) == 25
    deletes = [q["sql"] for q in captured if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # ids 1-10, 11-20, 21-25: never the whole table at once
    assert all(" BETWEEN " in sql or ">=" in sql for sql in deletes)
    assert ActivityEvent.objects.count() == 5


def test_max_batches_caps_one_run_and_the_next_run_carries_on(tenant):
    make(tenant, [500] * 25)
    assert activity_purge_old(batch_size=10, max_batches=2) == 20
    assert ActivityEvent.objects.count() == 5
    assert activity_purge_old(batch_size=10, max_batches=2) == 5
    assert not ActivityEvent.objects.exists()


def test_a_newer_entry_inside_an_old_id_range_is_kept(tenant):
    # Ids follow time closely, not exactly: the date is re-checked in every batch.
    old_first = make(tenant, [500])
    newer = make(tenant, [1])
    old_last = make(tenant, [500])
    assert activity_purge_old(batch_size=100) == 2
    assert list(ActivityEvent.objects.values_list("pk", flat=True)) == [newer[0].pk]
    assert old_first[0].pk < newer[0].pk < old_last[0].pk


def test_other_tenants_old_entries_go_too(tenant):
    make(factories.TenantFactory(), [500])
    make(tenant, [500, 1])
    assert activity_purge_old() == 2


def test_accounts_security_events_follow_the_same_retention(tenant, user, settings):
    from console.accounts.models import SecurityAction, SecurityEvent

    settings.ACTIVITY_RETENTION_DAYS = 30
    now = timezone.now()
    _old, recent = SecurityEvent.objects.bulk_create(
        SecurityEvent(
            user=user, action=SecurityAction.SIGNED_IN, created_at=now - timedelta(days=d)
        )
        for d in (31, 29)
    )
    assert purge_old_activity.apply().get() == 1
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]
