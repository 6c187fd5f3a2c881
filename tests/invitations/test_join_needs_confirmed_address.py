"""The Join hole: only a confirmed address sees and uses Join; the link still works.

Owning an invited address is proven by the invitation link (it was mailed
there) or by a confirmation code, never by typing the address at sign-up.
"""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from invitations.exceptions import InvitationAddressUnconfirmed
from invitations.models import InvitationStatus
from invitations.selectors import pending_invitations_for_user
from invitations.services import invitation_accept
from members.models import Membership
from tests import factories
from tests.factories import invitation_link_token
from tests.invitations.conftest import open_url

pytestmark = pytest.mark.django_db

REVIEW = reverse("invitations:review")


@pytest.fixture
def invitation(tenant, admin):
    return factories.InvitationFactory(tenant=tenant, invited_by=admin, email="cfo@corp.example")


@pytest.fixture
def impostor(invitation):
    """Someone who signed up with the invitee's address but never proved it."""
    return factories.UserFactory(email=invitation.email, email_verified=False)


def join_url(invitation) -> str:
    return reverse("invitations:join", kwargs={"pk": invitation.pk})


def assert_nothing_changed(invitation, user) -> None:
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.accepted_by is None
    assert not Membership.objects.filter(tenant=invitation.tenant, user=user).exists()


def test_an_unconfirmed_account_has_no_pending_invitations(invitation, impostor):
    assert list(pending_invitations_for_user(impostor)) == []


def test_a_confirmed_account_has_its_pending_invitations(invitation):
    owner = factories.UserFactory(email=invitation.email)
    assert list(pending_invitations_for_user(owner)) == [invitation]


def test_an_unconfirmed_landing_page_shows_no_join(client, invitation, impostor):
    client.force_login(impostor)
    page = client.get(reverse("home")).content.decode()
    assert invitation.tenant.name not in page
    assert join_url(invitation) not in page
    assert "Pending invitations" not in page


def test_an_unconfirmed_switcher_shows_no_join(client, invitation, impostor):
    own = factories.AdminMembershipFactory(user=impostor).tenant
    client.force_login(impostor)
    page = client.get(
        reverse("onboarding:get_started", kwargs={"tenant_id": own.public_id})
    ).content.decode()
    assert "Pending invitations" not in page
    assert join_url(invitation) not in page


def test_an_unconfirmed_join_post_is_403_and_changes_nothing(client, invitation, impostor):
    client.force_login(impostor)
    response = client.post(join_url(invitation))
    assert response.status_code == 403
    assert_nothing_changed(invitation, impostor)


def test_an_unconfirmed_join_post_reveals_no_invitation(client, impostor):
    """Same 403 for an id that does not exist: no probing of invitation ids."""
    client.force_login(impostor)
    assert client.post(reverse("invitations:join", kwargs={"pk": 999999})).status_code == 403


def test_the_service_refuses_without_link_or_confirmation(invitation, impostor):
    with pytest.raises(InvitationAddressUnconfirmed):
        invitation_accept(invitation=invitation, user=impostor)
    assert_nothing_changed(invitation, impostor)


def test_a_secondary_confirmed_address_does_not_count(invitation):
    """Only the login address confirmed counts, not some other verified address."""
    user = factories.UserFactory(email=invitation.email, email_verified=False)
    EmailAddress.objects.create(user=user, email="other@corp.example", verified=True)
    assert list(pending_invitations_for_user(user)) == []


def test_the_owner_accepts_through_the_link_and_is_then_confirmed(client, invitation, impostor):
    """The link proves the address: an unconfirmed account holding it may accept, and
    the address is confirmed from then on."""
    client.force_login(impostor)
    client.get(open_url(invitation_link_token(invitation)))
    response = client.post(REVIEW)
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=invitation.tenant, user=impostor).exists()
    assert EmailAddress.objects.get(user=impostor, email=invitation.email).verified


def test_a_refused_link_accept_confirms_nothing(client, tenant, admin):
    """A full tenant refuses the accept, and then nothing at all changes."""
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    factories.MembershipFactory.create_batch(2, tenant=tenant)
    user = factories.UserFactory(email=invitation.email, email_verified=False)
    client.force_login(user)
    client.get(open_url(invitation_link_token(invitation)))
    assert client.post(REVIEW).status_code == 409
    assert not EmailAddress.objects.get(user=user).verified
    assert_nothing_changed(invitation, user)


def test_a_confirmed_owner_still_joins(client, invitation):
    owner = factories.UserFactory(email=invitation.email)
    client.force_login(owner)
    assert join_url(invitation) in client.get(reverse("home")).content.decode()
    assert client.post(join_url(invitation)).status_code == 302
    assert Membership.objects.filter(tenant=invitation.tenant, user=owner).exists()
