import pytest
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


def test_signup_from_an_invitation_goes_back_to_it(client, invitation_in_session):
    response = client.post(SIGNUP, signup_data())

    assert response["Location"] == "/invitations/review/"
    assert client.session["_auth_user_id"] == str(User.objects.get(email="invitee@example.com").pk)


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
    assert response["Location"].endswith("/get-started/")


def test_an_invited_address_that_already_has_an_account_is_told_to_log_in(
    client, invitation_in_session
):
    factories.UserFactory(email="invitee@example.com")
    response = client.post(SIGNUP, signup_data())
    assert response.context["form"].errors["email"] == [
        "An account with this email already exists."
    ]
    assert reverse("accounts:login") in response.content.decode()
