"""Two-step sign-in (TOTP, recovery codes), sessions, password and email changes."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.factories import TEST_PASSWORD, give_two_step

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SECOND_STEP = reverse("mfa_authenticate")
NEW_PASSWORD = "a-brand-new-passphrase"


def current_code(secret: str) -> str:
    """The code of the current 30 s window, not one about to close."""
    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def password_step(client, user):
    return client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})


def test_with_two_step_on_the_password_alone_does_not_sign_in(client):
    user = factories.UserFactory()
    give_two_step(user)
    response = password_step(client, user)
    assert response["Location"] == SECOND_STEP
    assert not signed_in(client)


def test_sign_in_with_an_authenticator_code(client):
    user = factories.UserFactory()
    secret = give_two_step(user)
    password_step(client, user)
    response = client.post(SECOND_STEP, {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_code_does_not_sign_in(client):
    user = factories.UserFactory()
    give_two_step(user)
    password_step(client, user)
    response = client.post(SECOND_STEP, {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not signed_in(client)


def test_an_authenticator_code_cannot_be_used_twice_within_its_window(client):
    user = factories.UserFactory()
    secret = give_two_step(user)
    code = current_code(secret)
    password_step(client, user)
    client.post(SECOND_STEP, {"code": code})
    assert signed_in(client)

    other = Client()
    password_step(other, user)
    response = other.post(SECOND_STEP, {"code": code})
    assert response.status_code == 200
    assert not signed_in(other)


def test_a_recovery_code_signs_in_once(client):
    from allauth.mfa.models import Authenticator

    user = factories.UserFactory()
    give_two_step(user)
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    assert len(codes) == 10
    password_step(client, user)
    client.post(SECOND_STEP, {"code": codes[0]})
    assert signed_in(client)

    other = Client()
    password_step(other, user)
    other.post(SECOND_STEP, {"code": codes[0]})
    assert not signed_in(other)


def test_the_second_step_needs_the_password_step_first(client):
    """Posting a code without having given the password is not a way in."""
    user = factories.UserFactory()
    secret = give_two_step(user)
    response = client.post(SECOND_STEP, {"code": current_code(secret)})
    assert response["Location"].startswith(LOGIN)
    assert not signed_in(client)


# -- Sessions ------------------------------------------------------------------------------------


def sign_in_from(user, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    assert password_step(browser, user).status_code == 302
    return browser


def test_the_sessions_page_lists_each_browser(client):
    user = factories.UserFactory()
    laptop = sign_in_from(user, "Laptop Browser")
    sign_in_from(user, "Phone Browser")
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Laptop Browser" in page and "Phone Browser" in page
    assert "Sign out other sessions" in page


def test_sign_out_other_sessions_ends_them_and_keeps_this_one():
    user = factories.UserFactory()
    laptop = sign_in_from(user, "Laptop Browser")
    phone = sign_in_from(user, "Phone Browser")
    stranger = sign_in_from(factories.UserFactory(), "Someone else")

    response = laptop.post(reverse("usersessions_list"))

    assert response.status_code == 302
    assert signed_in(laptop)
    assert phone.get(reverse("home"))["Location"].startswith(LOGIN)
    stranger.get(reverse("home"))
    assert signed_in(stranger)
    assert UserSession.objects.filter(user=user).count() == 1


def test_changing_the_password_signs_out_the_other_sessions():
    user = factories.UserFactory()
    laptop = sign_in_from(user, "Laptop Browser")
    phone = sign_in_from(user, "Phone Browser")

    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert signed_in(laptop)
    assert laptop.get(reverse("usersessions_list")).status_code == 200
    assert phone.get(reverse("home"))["Location"].startswith(LOGIN)


def test_changing_the_email_confirms_the_new_address_and_tells_the_old_one(
    django_capture_on_commit_callbacks,
):
    user = factories.UserFactory(email="old@example.com")
    browser = sign_in_from(user, "Laptop Browser")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("account_email"), {"action_add": "", "email": "new@example.com"}
        )
    assert response.status_code == 302
    [confirmation] = mail.outbox
    assert confirmation.to == ["new@example.com"]
    user.refresh_from_db()
    assert user.email == "old@example.com"  # not until the code is entered
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", confirmation.body, re.M).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("account_email_verification_sent"), {"code": code})

    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert EmailAddress.objects.get(user=user).email == "new@example.com"
    notices = [m for m in mail.outbox if m.to == ["old@example.com"]]
    assert len(notices) == 1
