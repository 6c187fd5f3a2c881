"""The expiry job brings its new entries back to Python only when an endpoint wants them."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from console.webhooks import tasks
from console.webhooks.models import WebhookDelivery
from invitations.activity import InvitationAction
from invitations.expiry import invitations_expire_stale
from members.activity import MemberAction
from tenants import activity
from tenants.models import ActivityEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_enqueue(monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_webhook_deliveries", lambda ids: None)


def _expire_three(tenant):
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    factories.InvitationFactory.create_batch(3, tenant=tenant, invited_by=admin)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        return invitations_expire_stale()


def test_no_endpoint_wants_expiries_so_none_is_wanted(tenant, make_endpoint):
    make_endpoint(events=["member.joined"])
    assert activity.activity_wanted(InvitationAction.EXPIRED) is False
    assert activity.activity_wanted(MemberAction.JOINED) is True


def test_a_disabled_endpoint_wants_nothing(tenant, make_endpoint):
    make_endpoint(events=["invitation.expired"], enabled=False)
    assert activity.activity_wanted(InvitationAction.EXPIRED) is False


def test_expiry_writes_deliveries_for_an_endpoint_that_wants_it(tenant, make_endpoint):
    make_endpoint(events=["invitation.expired"])
    assert _expire_three(tenant) == 3
    assert WebhookDelivery.objects.filter(event_type="invitation.expired").count() == 3
    assert ActivityEvent.objects.filter(action=InvitationAction.EXPIRED).count() == 3


def test_expiry_sends_no_signal_when_no_endpoint_wants_it(postgres, tenant, make_endpoint):
    # PostgreSQL's one-statement expiry; SQLite's bulk insert always sends it.
    make_endpoint(events=["member.joined"])
    sent = []

    def spy(sender, events, **kwargs):
        sent.extend(events)

    activity.activity_recorded.connect(spy, dispatch_uid="test.spy")
    activity.activity_interest_register(dispatch_uid="test.spy", wants=lambda action: False)
    try:
        assert _expire_three(tenant) == 3
    finally:
        activity.activity_recorded.disconnect(dispatch_uid="test.spy")
    assert sent == [] and WebhookDelivery.objects.count() == 0
    # The entries are recorded all the same.
    assert ActivityEvent.objects.filter(action=InvitationAction.EXPIRED).count() == 3


def test_a_listener_without_a_check_wants_everything(tenant):
    def listener(sender, events, **kwargs):
        pass

    activity.activity_recorded.connect(listener, dispatch_uid="test.unchecked")
    try:
        assert activity.activity_wanted(InvitationAction.EXPIRED) is True
    finally:
        activity.activity_recorded.disconnect(dispatch_uid="test.unchecked")
