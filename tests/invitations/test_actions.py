"""The SPEC's status table: Pending → Resend, Revoke; Accepted / Expired / Revoked → Delete.

Every refused action changes nothing and sends nothing.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.forms.models import model_to_dict
from django.utils import timezone

from console.ratelimit import RateLimited
from invitations import tokens
from invitations.exceptions import InvitationActionNotAllowed
from invitations.models import EmailStatus, Invitation, InvitationStatus, SupersededLink
from invitations.services import invitation_delete, invitation_resend, invitation_revoke
from tenants.actors import Actor
from tests import factories
from tests.invitations.conftest import action_url, list_url

pytestmark = pytest.mark.django_db

ALLOWED = {
    InvitationStatus.PENDING: {"resend", "revoke"},
    InvitationStatus.ACCEPTED: {"delete"},
    InvitationStatus.EXPIRED: {"delete"},
    InvitationStatus.REVOKED: {"delete"},
}
ACTIONS = ["resend", "revoke", "delete"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def snapshot(invitation):
    invitation.refresh_from_db()
    return model_to_dict(invitation) | {
        "link_salt": invitation.link_salt,
        "token_hash": invitation.token_hash,
    }


@pytest.mark.parametrize("status", InvitationStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_status_table(admin_client, tenant, admin, on_commit, mailoutbox, status, action):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    before = snapshot(invitation)

    with on_commit():
        response = admin_client.post(action_url(invitation, action))

    assert response.status_code == 302
    exists = Invitation.objects.filter(pk=invitation.pk).exists()
    if action not in ALLOWED[status]:
        # refused: nothing changed, nothing sent, and the admin is told why
        assert snapshot(invitation) == before
        assert mailoutbox == []
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages and "can't be" in messages[0]
    elif action == "resend":
        assert snapshot(invitation)["token_hash"] != before["token_hash"]
        assert len(mailoutbox) == 1
    elif action == "revoke":
        assert snapshot(invitation)["status"] == InvitationStatus.REVOKED
        assert mailoutbox == []
    else:
        assert not exists


@pytest.mark.parametrize("action", ACTIONS)
def test_pending_past_expiry_counts_as_expired_for_actions(admin_client, tenant, admin, action):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, expires_at=timezone.now() - timedelta(seconds=1)
    )
    admin_client.post(action_url(invitation, action))
    assert Invitation.objects.filter(pk=invitation.pk).exists() == (action != "delete")


@pytest.mark.parametrize("action", ACTIONS)
def test_collaborator_cannot_act_on_invitations(collaborator_client, tenant, action):
    invitation = factories.InvitationFactory(
        tenant=tenant,
        status=InvitationStatus.REVOKED if action == "delete" else InvitationStatus.PENDING,
    )
    before = snapshot(invitation)
    assert collaborator_client.post(action_url(invitation, action)).status_code == 403
    assert snapshot(invitation) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_another_tenants_invitation_is_404(admin_client, tenant, action):
    elsewhere = factories.InvitationFactory()
    url = action_url(elsewhere, action).replace(elsewhere.tenant.public_id, tenant.public_id)
    assert admin_client.post(url).status_code == 404
    assert Invitation.objects.filter(pk=elsewhere.pk, status=InvitationStatus.PENDING).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_post_only(admin_client, invitation, action):
    assert admin_client.get(action_url(invitation, action)).status_code == 405


def test_action_returns_to_the_same_filter_and_page(admin_client, invitation):
    response = admin_client.post(
        action_url(invitation, "revoke"), {"status": "pending", "page": "2"}
    )
    assert response["Location"] == list_url(invitation.tenant) + "?status=pending&page=2"


def test_resend_supersedes_the_old_link_and_starts_a_new_week(
    invitation, admin, on_commit, mailoutbox
):
    old_token = tokens.link_token(invitation.link_salt)
    three_days_later = timezone.now() + timedelta(days=3)
    with time_machine.travel(three_days_later, tick=False), on_commit():
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation.refresh_from_db()
    assert invitation.sent_at == three_days_later
    assert invitation.expires_at == three_days_later + timedelta(days=7)
    assert invitation.token_hash != tokens.token_hash(old_token)
    assert SupersededLink.objects.filter(
        invitation=invitation, token_hash=tokens.token_hash(old_token)
    ).exists()
    assert invitation.email_status == EmailStatus.SENT
    assert len(mailoutbox) == 1
    assert tokens.link_token(invitation.link_salt) in mailoutbox[0].body
    assert old_token not in mailoutbox[0].body


def test_resend_of_a_failed_email_starts_the_send_over(invitation, admin, on_commit, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.FAILED, email_attempts=6, email_error="550 no such user"
    )
    with on_commit():
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation.refresh_from_db()
    assert (invitation.email_status, invitation.email_attempts, invitation.email_error) == (
        EmailStatus.SENT,
        1,
        "",
    )
    assert len(mailoutbox) == 1


def test_fourth_resend_within_an_hour_is_429_and_sends_nothing(
    admin_client, invitation, on_commit, mailoutbox
):
    for _ in range(3):
        with on_commit():
            assert admin_client.post(action_url(invitation, "resend")).status_code == 302
    assert len(mailoutbox) == 3
    before = snapshot(invitation)

    with on_commit():
        response = admin_client.post(action_url(invitation, "resend"))

    assert response.status_code == 429
    assert (
        "You can resend this invitation at most 3 times an hour. Try again later."
        in response.content.decode()
    )
    assert snapshot(invitation) == before
    assert len(mailoutbox) == 3


def test_resend_limit_resets_after_an_hour(invitation, admin):
    for _ in range(3):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    with pytest.raises(RateLimited):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))


def test_resend_limit_is_per_invitation(tenant, admin, invitation):
    other = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    for _ in range(3):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation_resend(invitation=other, actor=Actor.member(admin))


def test_resend_fails_open_when_the_cache_is_down(invitation, admin, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "add", down)
    for _ in range(5):
        invitation_resend(invitation=invitation, actor=Actor.member(admin))
    assert "cache unavailable" in caplog.text


def test_revoke_refuses_a_revoked_invitation_without_change(invitation, admin):
    invitation_revoke(invitation=invitation, actor=Actor.member(admin))
    with pytest.raises(InvitationActionNotAllowed):
        invitation_revoke(invitation=invitation, actor=Actor.member(admin))


def test_delete_refuses_a_pending_invitation(invitation, admin):
    with pytest.raises(InvitationActionNotAllowed) as refused:
        invitation_delete(invitation=invitation, actor=Actor.member(admin))
    assert refused.value.message == "This invitation is pending, so it can't be deleted."
    assert Invitation.objects.filter(pk=invitation.pk).exists()
