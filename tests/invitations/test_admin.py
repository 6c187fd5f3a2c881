"""Operators: find invitations and resend / revoke / expire them in bulk, all or none."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.urls import reverse

from invitations.models import EmailStatus, Invitation, InvitationStatus
from invitations.services import invitation_resend
from tenants.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:invitations_invitation_changelist")


@pytest.fixture
def operator_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def run_action(client, action, invitations, on_commit):
    with on_commit():
        return client.post(
            CHANGELIST,
            {"action": action, ACTION_CHECKBOX_NAME: [i.pk for i in invitations]},
            follow=True,
        )


def test_changelist_lists_searches_and_filters(operator_client, tenant, admin):
    factories.InvitationFactory(tenant=tenant, invited_by=admin, email="ana@example.com")
    factories.InvitationFactory(email="other@example.com", status=InvitationStatus.REVOKED)
    page = operator_client.get(CHANGELIST, {"q": "ana@"}).content.decode()
    assert "ana@example.com" in page and "other@example.com" not in page
    page = operator_client.get(CHANGELIST, {"q": tenant.name}).content.decode()
    assert "ana@example.com" in page
    page = operator_client.get(CHANGELIST, {"status__exact": "revoked"}).content.decode()
    assert "other@example.com" in page and "ana@example.com" not in page
    page = operator_client.get(CHANGELIST, {"tenant__id__exact": tenant.pk}).content.decode()
    assert "ana@example.com" in page and "other@example.com" not in page


def test_change_page_never_shows_the_link_salt_or_hash(operator_client, invitation):
    page = operator_client.get(
        reverse("admin:invitations_invitation_change", args=[invitation.pk])
    ).content.decode()
    assert invitation.link_salt not in page
    assert invitation.token_hash not in page


def test_bulk_resend_sends_new_links(operator_client, tenant, admin, on_commit, mailoutbox):
    invitations = factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin)
    hashes = {i.pk: i.token_hash for i in invitations}
    response = run_action(operator_client, "resend_invitations", invitations, on_commit)
    assert "2 invitations resent." in response.content.decode()
    assert all(Invitation.objects.get(pk=pk).token_hash != h for pk, h in hashes.items())
    assert len(mailoutbox) == 2


def test_bulk_resend_is_all_or_nothing(operator_client, tenant, admin, on_commit, mailoutbox):
    pending = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    revoked = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, status=InvitationStatus.REVOKED
    )
    before = pending.token_hash
    response = run_action(operator_client, "resend_invitations", [pending, revoked], on_commit)
    assert "Nothing was resent" in response.content.decode()
    assert Invitation.objects.get(pk=pending.pk).token_hash == before
    assert mailoutbox == []


def test_bulk_resend_respects_the_hourly_limit(
    operator_client, invitation, admin, on_commit, mailoutbox
):
    for _ in range(3):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation.refresh_from_db()
    response = run_action(operator_client, "resend_invitations", [invitation], on_commit)
    assert "at most 3 times an hour" in response.content.decode()
    assert mailoutbox == []


def test_bulk_revoke(operator_client, tenant, admin, on_commit):
    invitations = factories.InvitationFactory.create_batch(3, tenant=tenant, invited_by=admin)
    response = run_action(operator_client, "revoke_invitations", invitations, on_commit)
    assert "3 invitations revoked." in response.content.decode()
    assert set(Invitation.objects.values_list("status", flat=True)) == {InvitationStatus.REVOKED}


def test_bulk_revoke_refuses_all_if_one_is_not_pending(operator_client, tenant, admin, on_commit):
    pending = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    accepted = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, status=InvitationStatus.ACCEPTED
    )
    response = run_action(operator_client, "revoke_invitations", [pending, accepted], on_commit)
    assert "Nothing was revoked" in response.content.decode()
    assert Invitation.objects.get(pk=pending.pk).status == InvitationStatus.PENDING


def test_bulk_expire_now(operator_client, tenant, admin, on_commit):
    invitations = factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin)
    response = run_action(operator_client, "expire_invitations_now", invitations, on_commit)
    assert "2 invitations expired." in response.content.decode()
    for invitation in invitations:
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.EXPIRED
        assert invitation.is_past_expiry


def test_failed_sends_are_found_by_operators(operator_client, tenant, admin):
    factories.InvitationFactory(
        tenant=tenant,
        invited_by=admin,
        email="bounced@example.com",
        email_status=EmailStatus.FAILED,
    )
    factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email="fine@example.com", email_status=EmailStatus.SENT
    )
    page = operator_client.get(CHANGELIST, {"email_status__exact": "failed"}).content.decode()
    assert "bounced@example.com" in page and "fine@example.com" not in page
