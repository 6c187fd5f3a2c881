from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from console.accounts.models import Segment, User
from console.onboarding import services
from members.models import Membership, Role
from tenants.models import Tenant, TenantType
from tests import factories

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
PASSWORD = "a-long-and-unusual-passphrase"


def signup_data(**overrides):
    data = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "segment": "",
    }
    data.update(overrides)
    return data


def nothing_created():
    return (
        not User.objects.exists()
        and not Tenant.objects.exists()
        and not Membership.objects.exists()
    )


def test_signup_creates_one_development_tenant_with_the_user_as_admin(client):
    client.post(SIGNUP, signup_data())

    user = User.objects.get()
    tenant = Tenant.objects.get()
    membership = Membership.objects.get()
    assert (membership.user, membership.tenant, membership.role) == (user, tenant, Role.ADMIN)
    assert tenant.type == TenantType.DEVELOPMENT
    assert tenant.name == "Ada Lovelace's tenant"


def test_signup_signs_in_and_lands_on_get_started(client):
    response = client.post(SIGNUP, signup_data())

    tenant = Tenant.objects.get()
    assert response["Location"] == reverse(
        "onboarding:get_started", kwargs={"tenant_id": tenant.public_id}
    )
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)
    assert client.get(response["Location"]).status_code == 200


def test_signup_without_a_name_names_the_tenant_after_the_email(client):
    client.post(SIGNUP, signup_data(name=""))
    assert Tenant.objects.get().name == "ada's tenant"


def test_signup_stores_the_email_lower_cased(client):
    client.post(SIGNUP, signup_data(email="Ada.Lovelace@Example.COM"))
    assert User.objects.get().email == "ada.lovelace@example.com"


def test_signup_records_the_segment(client):
    client.post(SIGNUP, signup_data(segment=Segment.ENTERPRISE))
    assert User.objects.get().segment == Segment.ENTERPRISE


def test_signup_refuses_a_taken_email_in_any_case(client):
    factories.UserFactory(email="ada@example.com")

    response = client.post(SIGNUP, signup_data(email="ADA@Example.com"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An account with this email already exists."
    ]
    assert User.objects.count() == 1
    assert not Tenant.objects.exists()


def test_signup_refuses_a_weak_password(client):
    response = client.post(SIGNUP, signup_data(password1="password", password2="password"))

    errors = response.context["form"].errors["password1"]
    assert "This password is too common." in errors
    assert nothing_created()


def test_signup_refuses_a_numeric_password(client):
    response = client.post(SIGNUP, signup_data(password1="4815162342", password2="4815162342"))
    assert "This password is entirely numeric." in response.context["form"].errors["password1"]
    assert nothing_created()


def test_signup_refuses_an_invalid_email(client):
    response = client.post(SIGNUP, signup_data(email="not-an-email"))
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert nothing_created()


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(SIGNUP, signup_data(password2="something-else-entirely"))
    assert response.context["form"].errors["password2"] == ["The two passwords do not match."]
    assert nothing_created()


def test_signed_in_user_is_sent_home_from_signup(client):
    client.force_login(factories.UserFactory())
    assert client.get(SIGNUP)["Location"] == reverse("home")


def test_signup_page_links_to_login(client):
    assert reverse("accounts:login") in client.get(SIGNUP).content.decode()


# -- The service ------------------------------------------------------------------------


def test_a_failure_creating_the_tenant_leaves_no_user():
    with (
        mock.patch.object(
            services, "tenant_create", side_effect=RuntimeError("database went away")
        ),
        pytest.raises(RuntimeError),
    ):
        services.user_signup(email="ada@example.com", password=PASSWORD, name="Ada")
    assert nothing_created()


def test_a_failure_creating_the_tenant_through_the_page_leaves_nothing(client):
    client.raise_request_exception = False
    with mock.patch.object(
        services, "tenant_create", side_effect=RuntimeError("database went away")
    ):
        response = client.post(SIGNUP, signup_data())
    assert response.status_code == 500
    assert nothing_created()


def test_a_lost_race_for_the_same_email_gets_the_clear_message():
    factories.UserFactory(email="ada@example.com")
    # Both sign-ups passed the existence check; the database constraint decides.
    with (
        mock.patch("console.accounts.services.user_email_taken", return_value=False),
        pytest.raises(ValidationError) as caught,
    ):
        services.user_signup(email="ADA@example.com", password=PASSWORD)
    assert caught.value.message_dict == {"email": ["An account with this email already exists."]}
    assert User.objects.count() == 1
    assert not Tenant.objects.exists()


def test_a_long_name_still_gives_a_valid_tenant_name():
    signup = services.user_signup(email="ada@example.com", password=PASSWORD, name="A" * 150)
    assert len(signup.tenant.name) == 64
    assert signup.tenant.name.endswith("'s tenant")
