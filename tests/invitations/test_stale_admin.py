"""Invitation services re-check the acting admin under the tenant lock.

The view checks the role when the request comes in; a concurrent request may
demote or remove the admin before the service runs. Like the member
services, the invitation services read the actor's membership again once the
tenant row is locked, and refuse (403) without changing anything.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict

from invitations.models import Invitation, InvitationStatus
from invitations.services import (
    invitation_create_bulk,
    invitation_delete,
    invitation_resend,
    invitation_revoke,
)
from members.models import Role
from tenants.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db

ACTIONS = {
    "resend": (invitation_resend, InvitationStatus.PENDING),
    "revoke": (invitation_revoke, InvitationStatus.PENDING),
    "delete": (invitation_delete, InvitationStatus.REVOKED),
}


def _row(invitation) -> dict:
    return model_to_dict(Invitation.objects.get(pk=invitation.pk)) | {
        "token_hash": Invitation.objects.get(pk=invitation.pk).token_hash
    }


@pytest.mark.parametrize("action", ACTIONS)
def test_a_demoted_admins_stale_action_is_refused_and_changes_nothing(
    tenant, admin, admin_membership, action, django_capture_on_commit_callbacks, mailoutbox
):
    service, status = ACTIONS[action]
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    factories.AdminMembershipFactory(tenant=tenant)  # someone else demoted them
    before = _row(invitation)
    admin_membership.role = Role.COLLABORATOR
    admin_membership.save(update_fields=["role"])

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        service(invitation=invitation, actor=Actor.member(admin))

    assert _row(invitation) == before
    assert mailoutbox == []


@pytest.mark.parametrize("action", ACTIONS)
def test_a_removed_admins_stale_action_is_refused(tenant, admin, admin_membership, action):
    service, status = ACTIONS[action]
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    before = _row(invitation)
    admin_membership.delete()

    with pytest.raises(PermissionDenied, match="no longer a member"):
        service(invitation=invitation, actor=Actor.member(admin))

    assert _row(invitation) == before


def test_a_demoted_admins_stale_invite_is_refused_and_creates_nothing(
    tenant, admin, admin_membership, django_capture_on_commit_callbacks, mailoutbox
):
    admin_membership.role = Role.COLLABORATOR
    admin_membership.save(update_fields=["role"])

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=["new@example.com"],
            role=Role.COLLABORATOR,
        )

    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_operator_acts_without_a_tenant_role(tenant, admin):
    """The admin site passes ``Actor.operator``: operators are outside tenant roles."""
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)

    invitation_revoke(invitation=invitation, actor=Actor.operator(factories.UserFactory()))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


def test_an_admin_still_in_role_acts(tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)

    invitation_revoke(invitation=invitation, actor=Actor.member(admin))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
