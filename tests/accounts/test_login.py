import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_with_email_and_password_signs_in(client):
    user = factories.UserFactory(email="alice@example.com")
    response = client.post(
        LOGIN, {"username": "alice@example.com", "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_login_email_is_case_insensitive(client):
    user = factories.UserFactory(email="alice@example.com")
    response = client.post(
        LOGIN, {"username": "Alice@Example.COM", "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_login_form_asks_for_email(client):
    response = client.get(LOGIN)
    field = response.context["form"]["username"]
    assert field.label == "Email"
    assert 'type="email"' in str(field)
    assert 'for="id_username"' in response.content.decode()


def test_wrong_password_gets_a_clear_error(client):
    factories.UserFactory(email="alice@example.com")
    response = client.post(LOGIN, {"username": "alice@example.com", "password": "not-the-password"})
    assert response.status_code == 200
    assert "The email or password is incorrect." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_unknown_email_gets_the_same_error_as_a_wrong_password(client):
    response = client.post(LOGIN, {"username": "nobody@example.com", "password": "whatever-it-is"})
    assert "The email or password is incorrect." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_login_honours_a_same_site_next(client):
    factories.UserFactory(email="alice@example.com")
    response = client.post(
        LOGIN,
        {
            "username": "alice@example.com",
            "password": factories.TEST_PASSWORD,
            "next": "/tenants/new/",
        },
    )
    assert response["Location"] == "/tenants/new/"


def test_login_ignores_a_next_on_another_site(client):
    factories.UserFactory(email="alice@example.com")
    response = client.post(
        LOGIN,
        {
            "username": "alice@example.com",
            "password": factories.TEST_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("home")


def test_login_page_links_to_signup_and_password_reset(client):
    content = client.get(LOGIN).content.decode()
    assert reverse("accounts:signup") in content
    assert reverse("accounts:password_reset") in content


def test_logout_refuses_get(client):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert signed_in_user_id(client) == str(user.pk)


def test_logout_by_post_signs_out(client):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
