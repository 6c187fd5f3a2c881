import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from console.accounts.models import User
from members.models import Membership
from tenants.models import Tenant
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
PASSWORD = "a-long-and-unusual-passphrase"


def signup_data(**overrides):
    data = {
        "name": "Ian Vitee",
        "email": "invitee@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def test_signup_page_shows_the_invited_email_fixed(client, invitation_in_session):
    response = client.get(SIGNUP)
    field = response.context["form"]["email"]
    assert field.value() == "invitee@example.com"
    assert "disabled" in str(field)
    assert invitation_in_session.tenant.name in response.content.decode()


def test_signup_from_an_invitation_creates_no_tenant(client, invitation_in_session):
    tenants_before = Tenant.objects.count()
    memberships_before = Membership.objects.count()

    client.post(SIGNUP, signup_data())

    user = User.objects.get(email="invitee@example.com")
    assert Tenant.objects.count() == tenants_before
    assert Membership.objects.count() == memberships_before
    assert not user.memberships.exists()


def test_signup_from_an_invitation_keeps_the_invited_email(client, invitation_in_session):
    client.post(SIGNUP, signup_data(email="someone-else@example.com"))

    assert User.objects.filter(email="invitee@example.com").exists()
    assert not User.objects.filter(email="someone-else@example.com").exists()


def test_signup_from_an_invitation_needs_no_code_and_goes_back_to_it(
    client, invitation_in_session, django_capture_on_commit_callbacks
):
    """The link was mailed to the address, which proves it: no code, signed in at once."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_data())

    assert response["Location"] == "/invitations/review/"
    user = User.objects.get(email="invitee@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert EmailAddress.objects.get(user=user, email="invitee@example.com", primary=True).verified
    assert mail.outbox == []  # no confirmation code


def test_the_invited_signup_then_accepts(client, invitation_in_session):
    client.post(SIGNUP, signup_data())
    response = client.post("/invitations/review/")
    assert response.status_code == 302
    assert Membership.objects.filter(
        tenant=invitation_in_session.tenant, user__email="invitee@example.com"
    ).exists()


def test_a_plain_signup_with_an_invited_address_is_not_confirmed(client):
    """Without the link, typing an invited address proves nothing: a code is needed."""
    invitation = factories.InvitationFactory(email="invitee@example.com")
    response = client.post(SIGNUP, signup_data())
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.get(email="invitee@example.com").verified
    assert "_auth_user_id" not in client.session
    assert not Membership.objects.filter(tenant=invitation.tenant, user__email=invitation.email)


def test_signup_from_an_invitation_honours_a_safe_next(client, invitation_in_session):
    response = client.post(SIGNUP + "?next=/invitations/review/%3Fstep%3D2", signup_data())
    assert response["Location"] == "/invitations/review/?step=2"


def test_signup_from_an_invitation_ignores_a_next_on_another_site(client, invitation_in_session):
    response = client.post(SIGNUP, signup_data(next="https://evil.example/"))
    assert response["Location"] == "/invitations/review/"


def test_signup_from_an_invitation_keeps_the_secret_in_the_session(client, invitation_in_session):
    from invitations import tokens

    token = client.session[tokens.SESSION_KEY]
    client.post(SIGNUP, signup_data())
    assert client.session[tokens.SESSION_KEY] == token


def test_an_expired_invitation_in_the_session_is_ignored(client, invitation_in_session):
    from django.utils import timezone

    invitation_in_session.expires_at = timezone.now()
    invitation_in_session.save(update_fields=["expires_at"])

    response = client.post(SIGNUP, signup_data(email="fresh@example.com"))

    user = User.objects.get(email="fresh@example.com")
    assert user.memberships.count() == 1  # an ordinary sign-up with its own tenant
    assert response["Location"] == reverse("account_email_verification_sent")  # and a code


def test_an_invited_address_that_already_has_an_account_is_emailed_and_nothing_made(
    client, invitation_in_session, django_capture_on_commit_callbacks
):
    """allauth's enumeration protection: no second account, no page that says one
    exists; the owner gets an email saying they already have an account."""
    factories.UserFactory(email="invitee@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data())
    assert User.objects.filter(email="invitee@example.com").count() == 1
    [message] = mail.outbox
    assert message.to == ["invitee@example.com"]
    assert "already" in message.subject.lower()
