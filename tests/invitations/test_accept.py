"""Accepting: the link's secret, the 410 / 404 pages, email match, the limit, expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from invitations import tokens
from invitations.exceptions import InvitationGone, MemberLimitReached
from invitations.models import Invitation, InvitationStatus
from invitations.services import invitation_accept, invitation_resend, invitation_revoke
from invitations.views import invitation_in_session
from members.models import Membership, Role
from tenants.actors import Actor
from tests import factories
from tests.factories import invitation_link_token
from tests.invitations.conftest import open_url

pytestmark = pytest.mark.django_db

REVIEW = reverse("invitations:review")


@pytest.fixture
def invitee(invitation):
    return factories.UserFactory(email=invitation.email)


def open_link(client, invitation_or_token):
    token = (
        invitation_or_token
        if isinstance(invitation_or_token, str)
        else invitation_link_token(invitation_or_token)
    )
    response = client.get(open_url(token))
    assert response.status_code == 302
    assert response["Location"] == REVIEW
    return client.get(REVIEW)


def membership_count(tenant) -> int:
    return Membership.objects.filter(tenant=tenant).count()


def test_link_moves_the_secret_into_the_session_and_redirects(client, invitation):
    token = invitation_link_token(invitation)
    response = client.get(open_url(token))
    assert response.status_code == 302
    assert response["Location"] == REVIEW
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.session[tokens.SESSION_KEY] == token


def test_review_shows_tenant_inviter_and_role(client, invitation, admin):
    page = open_link(client, invitation).content.decode()
    assert invitation.tenant.name in page
    assert admin.display_name in page
    assert "Collaborator" in page


def test_review_never_contains_the_secret(client, invitation, invitee):
    client.force_login(invitee)
    page = open_link(client, invitation).content.decode()
    assert invitation_link_token(invitation) not in page


def test_anonymous_visitor_is_offered_sign_up_and_sign_in_coming_back_here(client, invitation):
    page = open_link(client, invitation).content.decode()
    next_query = "next=%2Finvitations%2Freview%2F"
    assert f'href="{reverse("accounts:signup")}?{next_query}"' in page
    assert f'href="{reverse("accounts:login")}?{next_query}"' in page
    assert "Accept invitation" not in page


def test_invited_user_sees_accept_button(client, invitation, invitee):
    client.force_login(invitee)
    assert "Accept invitation" in open_link(client, invitation).content.decode()


def test_get_never_accepts(client, invitation, invitee):
    client.force_login(invitee)
    open_link(client, invitation)
    client.get(REVIEW)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert membership_count(invitation.tenant) == 1


def test_post_accepts_and_redirects_to_get_started(client, invitation, invitee):
    client.force_login(invitee)
    open_link(client, invitation)
    response = client.post(REVIEW)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "onboarding:get_started", kwargs={"tenant_id": invitation.tenant.public_id}
    )
    membership = Membership.objects.get(tenant=invitation.tenant, user=invitee)
    assert membership.role == Role.COLLABORATOR
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, invitee)
    assert invitation.accepted_at is not None
    assert tokens.SESSION_KEY not in client.session


def test_accepting_an_admin_invitation_makes_an_admin(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, role=Role.ADMIN)
    user = factories.UserFactory(email=invitation.email)
    client.force_login(user)
    open_link(client, invitation)
    client.post(REVIEW)
    assert Membership.objects.get(tenant=tenant, user=user).role == Role.ADMIN


def test_email_is_compared_case_insensitively(invitation):
    user = factories.UserFactory(email="INVITEE@Example.com".lower())
    invitation_accept(invitation=invitation, user=user)


def test_other_email_gets_403_naming_the_invited_address_and_nothing_changes(
    client, invitation, outsider
):
    client.force_login(outsider)
    page = open_link(client, invitation).content.decode()
    assert "This invitation is for <strong>invitee@example.com</strong>" in page
    assert "Sign out and continue" in page

    response = client.post(REVIEW)

    assert response.status_code == 403
    assert "This invitation is for invitee@example.com" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.filter(tenant=invitation.tenant, user=outsider).exists()


def test_sign_out_and_continue_keeps_the_invitation(client, invitation, outsider):
    client.force_login(outsider)
    open_link(client, invitation)
    response = client.post(reverse("invitations:sign_out"))
    assert response["Location"] == REVIEW
    page = client.get(REVIEW).content.decode()
    assert "_auth_user_id" not in client.session
    assert "Sign up" in page and invitation.tenant.name in page


def test_anonymous_post_goes_to_login_and_changes_nothing(client, invitation):
    open_link(client, invitation)
    response = client.post(REVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_sign_in_keeps_the_link_in_the_session(client, invitation, invitee):
    open_link(client, invitation)
    client.force_login(invitee)  # login() cycles the session key but keeps its data
    assert invitation_in_session(client.get(REVIEW).wsgi_request) == invitation


def test_invitation_in_session_is_none_without_a_link(rf, client):
    request = client.get(reverse("home")).wsgi_request
    assert invitation_in_session(request) is None


def test_unknown_token_is_404(client, db):
    response = open_link(client, "x" * 43)
    assert response.status_code == 404
    assert "Invitation not found" in response.content.decode()


def test_review_without_a_link_is_404(client, db):
    assert client.get(REVIEW).status_code == 404


@pytest.mark.parametrize(
    "make_gone, headline",
    [
        (
            lambda i, admin: Invitation.objects.filter(pk=i.pk).update(
                status=InvitationStatus.EXPIRED
            ),
            "This invitation has expired",
        ),
        (
            lambda i, admin: invitation_revoke(invitation=i, actor=Actor.member(admin)),
            "This invitation has been revoked",
        ),
        (
            lambda i, admin: invitation_accept(
                invitation=i, user=factories.UserFactory(email=i.email)
            ),
            "This invitation has already been used",
        ),
        (
            lambda i, admin: invitation_resend(invitation=i, actor=Actor.member(admin)),
            "This invitation has been replaced by a newer one",
        ),
    ],
    ids=["expired", "revoked", "accepted", "superseded"],
)
def test_unusable_links_are_410_with_a_clear_page(client, invitation, admin, make_gone, headline):
    old_token = invitation_link_token(invitation)
    make_gone(invitation, admin)
    response = open_link(client, old_token)
    assert response.status_code == 410
    assert headline in response.content.decode()


@pytest.mark.parametrize(
    "status", [InvitationStatus.EXPIRED, InvitationStatus.REVOKED, InvitationStatus.ACCEPTED]
)
def test_post_on_an_unusable_link_is_410_and_changes_nothing(client, invitation, invitee, status):
    client.force_login(invitee)
    open_link(client, invitation)
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    response = client.post(REVIEW)
    assert response.status_code == 410
    assert not Membership.objects.filter(user=invitee).exists()


def test_past_expiry_is_410_before_the_job_ran(client, invitation, invitee):
    client.force_login(invitee)
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        response = open_link(client, invitation)
        assert response.status_code == 410
        assert "This invitation has expired" in response.content.decode()
        assert client.post(REVIEW).status_code == 410
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING  # only the job writes Expired
    assert not Membership.objects.filter(user=invitee).exists()


def test_accept_just_before_expiry_works(invitation, invitee):
    with time_machine.travel(invitation.expires_at - timedelta(seconds=1)):
        invitation_accept(invitation=invitation, user=invitee)


def test_resent_link_works_after_the_old_one_is_superseded(client, invitation, admin, invitee):
    invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation.refresh_from_db()
    client.force_login(invitee)
    open_link(client, invitation)
    assert client.post(REVIEW).status_code == 302


def test_full_tenant_refuses_acceptance_naming_the_limit(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    factories.MembershipFactory.create_batch(2, tenant=tenant)  # 3 of 3 members
    user = factories.UserFactory(email=invitation.email)
    client.force_login(user)
    open_link(client, invitation)

    response = client.post(REVIEW)

    assert response.status_code == 409
    assert "limited to 3 members" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert membership_count(tenant) == 3


def test_other_pending_invitations_do_not_block_acceptance(tenant, admin):
    # given 2 members and 2 pending invitations on a 3-member tenant (operator lowered nothing)
    factories.MembershipFactory(tenant=tenant)
    first, second = factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin)
    invitation_accept(invitation=first, user=factories.UserFactory(email=first.email))
    with pytest.raises(MemberLimitReached):
        invitation_accept(invitation=second, user=factories.UserFactory(email=second.email))


def test_pro_has_no_cap_at_acceptance(pro_tenant, pro_admin):
    factories.MembershipFactory.create_batch(5, tenant=pro_tenant)
    invitation = factories.InvitationFactory(tenant=pro_tenant, invited_by=pro_admin)
    invitation_accept(invitation=invitation, user=factories.UserFactory(email=invitation.email))
    assert membership_count(pro_tenant) == 7


def test_the_same_link_accepts_once(invitation, invitee):
    invitation_accept(invitation=invitation, user=invitee)
    with pytest.raises(InvitationGone) as gone:
        invitation_accept(invitation=invitation, user=invitee)
    assert gone.value.reason == InvitationGone.ACCEPTED
    assert membership_count(invitation.tenant) == 2


def test_already_a_member_is_told_and_nothing_changes(client, tenant, admin, collaborator):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email=collaborator.email
    )
    client.force_login(collaborator)
    open_link(client, invitation)
    response = client.post(REVIEW)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_join_accepts_the_users_own_invitation(client, invitation, invitee):
    client.force_login(invitee)
    response = client.post(reverse("invitations:join", kwargs={"pk": invitation.pk}))
    assert response.status_code == 302
    assert Membership.objects.filter(tenant=invitation.tenant, user=invitee).exists()


def test_join_of_someone_elses_invitation_is_404(client, invitation, outsider):
    client.force_login(outsider)
    assert client.post(reverse("invitations:join", kwargs={"pk": invitation.pk})).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_join_of_an_expired_invitation_is_410(client, invitation, invitee):
    client.force_login(invitee)
    with time_machine.travel(invitation.expires_at + timedelta(minutes=1)):
        response = client.post(reverse("invitations:join", kwargs={"pk": invitation.pk}))
    assert response.status_code == 410


def test_join_is_post_only(client, invitation, invitee):
    client.force_login(invitee)
    assert client.get(reverse("invitations:join", kwargs={"pk": invitation.pk})).status_code == 405


def test_no_column_holds_the_raw_secret(invitation):
    token = invitation_link_token(invitation)
    table = Invitation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [invitation.pk])
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)
    assert invitation.token_hash == tokens.token_hash(token)


def test_join_into_a_full_tenant_is_409_and_offers_to_try_join_again(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    factories.MembershipFactory.create_batch(2, tenant=tenant)
    user = factories.UserFactory(email=invitation.email)
    client.force_login(user)
    join_url = reverse("invitations:join", kwargs={"pk": invitation.pk})
    response = client.post(join_url)
    assert response.status_code == 409
    assert f'action="{join_url}"' in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()
