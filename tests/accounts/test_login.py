"""Log-in and log-out on allauth: email + password, a confirmed address, POST-only log-out."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CONFIRM = reverse("account_email_verification_sent")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def log_in(client, email, password=factories.TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra})


def test_login_with_email_and_password_signs_in(client):
    user = factories.UserFactory(email="alice@example.com")
    response = log_in(client, "alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)


def test_login_email_is_case_insensitive(client):
    user = factories.UserFactory(email="alice@example.com")
    response = log_in(client, "Alice@Example.COM")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_login_form_asks_for_email(client):
    response = client.get(LOGIN)
    field = response.context["form"]["login"]
    assert field.label == "Email"
    assert 'type="email"' in str(field)
    assert 'for="id_login"' in response.content.decode()


def test_wrong_password_gets_a_clear_error(client):
    factories.UserFactory(email="alice@example.com")
    response = log_in(client, "alice@example.com", "not-the-password")
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert signed_in_user_id(client) is None


def test_unknown_email_gets_the_same_error_as_a_wrong_password(client):
    response = log_in(client, "nobody@example.com", "whatever-it-is")
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert signed_in_user_id(client) is None


def test_an_unconfirmed_account_is_sent_to_confirm_by_code_and_not_signed_in(
    client, django_capture_on_commit_callbacks
):
    """Existing accounts (the migration) and fresh sign-ups confirm before using the console."""
    factories.UserFactory(email="alice@example.com", email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = log_in(client, "alice@example.com")
    assert response["Location"] == CONFIRM
    assert signed_in_user_id(client) is None
    [message] = mail.outbox
    assert "Confirm your email" in message.subject
    code = re.search(r"^([A-Z0-9-]{6,})$", message.body, re.M).group(1)
    response = client.post(CONFIRM, {"code": code})
    assert response.status_code == 302
    assert signed_in_user_id(client) is not None


def test_login_honours_a_same_site_next(client):
    factories.UserFactory(email="alice@example.com")
    response = log_in(client, "alice@example.com", next="/tenants/new/")
    assert response["Location"] == "/tenants/new/"


def test_login_ignores_a_next_on_another_site(client):
    factories.UserFactory(email="alice@example.com")
    response = log_in(client, "alice@example.com", next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_login_page_links_to_signup_and_password_reset(client):
    content = client.get(LOGIN).content.decode()
    assert reverse("accounts:signup") in content
    assert reverse("account_reset_password") in content


def test_logout_by_get_only_asks_and_signs_nobody_out(client):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 200
    assert signed_in_user_id(client) == str(user.pk)


def test_logout_by_post_signs_out(client):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_the_old_reset_address_redirects_to_allauths(client):
    response = client.get("/accounts/password-reset/")
    assert response.status_code == 301
    assert response["Location"] == "/accounts/password/reset/"
