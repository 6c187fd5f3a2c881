import pytest
from django.urls import reverse

from tests import factories


def invite_url(tenant) -> str:
    return reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id})


def list_url(tenant) -> str:
    return reverse("tenant_invitations:list", kwargs={"tenant_id": tenant.public_id})


def action_url(invitation, action: str) -> str:
    return reverse(
        f"tenant_invitations:{action}",
        kwargs={"tenant_id": invitation.tenant.public_id, "pk": invitation.pk},
    )


def open_url(token: str) -> str:
    return reverse("invitations:open", kwargs={"token": token})


@pytest.fixture
def pro_tenant(db):
    return factories.TenantFactory(pro=True)


@pytest.fixture
def pro_admin(pro_tenant):
    return factories.AdminMembershipFactory(tenant=pro_tenant).user


@pytest.fixture
def invitation(tenant, admin):
    """A Pending invitation into ``tenant``, sent by ``admin``."""
    return factories.InvitationFactory(tenant=tenant, invited_by=admin, email="invitee@example.com")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run after-commit callbacks (the email enqueue) as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
