"""Bounded growth: superseded-link records go once their invitation is past its expiry."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from invitations import tasks
from invitations.expiry import superseded_links_purge
from invitations.models import SupersededLink
from tests import factories

pytestmark = pytest.mark.django_db


def superseded(invitation, count: int = 1) -> list[SupersededLink]:
    """``count`` replaced links of ``invitation`` (what Resend leaves behind)."""
    return [
        SupersededLink.objects.create(
            invitation=invitation, token_hash=f"{invitation.pk:08d}{i:056d}"
        )
        for i in range(count)
    ]


def expired_invitation(**kwargs):
    sent = timezone.now() - timedelta(days=30)
    return factories.InvitationFactory(sent_at=sent, created_at=sent, **kwargs)


def test_records_past_their_invitations_expiry_go_and_the_others_stay():
    old = expired_invitation()
    live = factories.InvitationFactory()
    superseded(old, 2)
    [kept] = superseded(live)

    assert superseded_links_purge() == 2
    assert list(SupersededLink.objects.all()) == [kept]
    assert superseded_links_purge() == 0  # nothing left to do


def test_a_record_goes_exactly_at_its_invitations_expiry_not_before():
    invitation = factories.InvitationFactory()
    superseded(invitation)
    assert superseded_links_purge(now=invitation.expires_at - timedelta(seconds=1)) == 0
    assert superseded_links_purge(now=invitation.expires_at) == 1


def test_the_purge_works_in_bounded_batches_of_one_delete_each(django_assert_num_queries):
    superseded(expired_invitation(), 5)
    # a run stops after max_batches; each batch is one DELETE (in a savepoint here,
    # as the test runs inside a transaction)
    with django_assert_num_queries(2 * 3):
        assert superseded_links_purge(batch_size=2, max_batches=2) == 4
    assert SupersededLink.objects.count() == 1
    # the next run takes the rest and stops at the first short batch
    with django_assert_num_queries(1 * 3):
        assert superseded_links_purge(batch_size=2, max_batches=2) == 1
    assert not SupersededLink.objects.exists()


def test_the_beat_job_runs_the_purge_hourly():
    superseded(expired_invitation(), 3)
    assert tasks.purge_superseded_links.apply().get() == 3
    entry = settings.CELERY_BEAT_SCHEDULE["purge-superseded-links"]
    assert entry["task"] == tasks.purge_superseded_links.name
