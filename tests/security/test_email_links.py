"""Every link in every email the console sends comes from ``SITE_URL``, never from the request.

An attacker who reaches the console under a Host of their choosing (a
misconfigured proxy, a wildcard ``ALLOWED_HOSTS``) must not get a link to
their own server into someone's mailbox. Each case drives one email through
the real pages with a forged ``Host`` that ``ALLOWED_HOSTS`` lets through,
then reads every link of every message (text, HTML, subject).
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from console.webhooks import tasks as webhook_tasks
from console.webhooks.models import WebhookEndpoint
from members.models import Role
from tests import factories
from tests.accounts.test_two_step_and_sessions import current_code
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.security, pytest.mark.django_db]

FORGED_HOST = "attacker.example:6666"
SITE_URL = "https://console.example.com"
NEW_PASSWORD = "a-brand-new-passphrase"
# A webhook's own endpoint is named in the "disabled" email as the tenant's data, not as a
# link of the console's.
ENDPOINT_ORIGIN = "https://hooks.example.com"

LINK = re.compile(r"""(?:https?:)?//[^\s"'<>()]+""")


@pytest.fixture
def browser(settings):
    """A visitor whose every request carries the forged Host, which the settings let in."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "attacker.example"]
    settings.SITE_URL = SITE_URL
    return Client(HTTP_HOST=FORGED_HOST)


def sign_in(browser, user):
    response = browser.post(
        reverse("accounts:login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in browser.session


def sign_up_with_a_new_address(browser, settings, send):
    with send():
        browser.post(reverse("accounts:signup"), signup_data("new@example.com"))


def sign_up_with_a_taken_address(browser, settings, send):
    factories.UserFactory(email="taken@example.com")
    with send():
        browser.post(reverse("accounts:signup"), signup_data("taken@example.com"))


def reset_the_password(browser, settings, send):
    factories.UserFactory(email="ada@example.com")
    with send():
        browser.post(reverse("account_reset_password"), {"email": "ada@example.com"})


def reset_the_password_of_an_unknown_address(browser, settings, send):
    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True  # off in the console; its link must hold too
    with send():
        browser.post(reverse("account_reset_password"), {"email": "nobody@example.com"})


def sign_in_with_an_unconfirmed_address(browser, settings, send):
    user = factories.UserFactory(email_verified=False)
    with send():
        browser.post(reverse("accounts:login"), {"login": user.email, "password": TEST_PASSWORD})


def change_the_password(browser, settings, send):
    sign_in(browser, factories.UserFactory())
    with send():
        browser.post(
            reverse("account_change_password"),
            {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )


def change_the_email(browser, settings, send):
    sign_in(browser, factories.UserFactory(email="old@example.com"))
    with send():
        browser.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    with send():
        browser.post(reverse("account_email_verification_sent"), {"code": code})


def turn_two_step_on_and_off(browser, settings, send):
    sign_in(browser, factories.UserFactory())
    # Changing two-step asks for the password again (allauth's reauthentication).
    browser.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    browser.get(reverse("mfa_activate_totp"))
    secret = browser.session[SECRET_SESSION_KEY]
    with send():
        browser.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    with send():
        browser.post(reverse("mfa_generate_recovery_codes"))
    with send():
        browser.post(reverse("mfa_deactivate_totp"))
    subjects = " ".join(message.subject for message in mail.outbox).lower()
    assert "recovery codes" in subjects, subjects


def invite_and_resend(browser, settings, send):
    tenant = factories.TenantFactory()
    browser.force_login(factories.AdminMembershipFactory(tenant=tenant).user)
    with send():
        browser.post(
            reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id}),
            {"emails": "invitee@example.com", "role": Role.COLLABORATOR},
        )
    [invitation] = tenant.invitations.all()
    with send():
        browser.post(
            reverse(
                "tenant_invitations:resend",
                kwargs={"tenant_id": tenant.public_id, "pk": invitation.pk},
            )
        )


def disable_a_webhook(browser, settings, send):
    tenant = factories.TenantFactory()
    factories.AdminMembershipFactory(tenant=tenant)
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        url=ENDPOINT_ORIGIN + "/in",
        events=["member.joined"],
        enabled=False,
        consecutive_failures=50,
    )
    webhook_tasks.send_endpoint_disabled_email.delay(endpoint.pk)


def signup_data(email: str) -> dict:
    return {
        "name": "Ada",
        "email": email,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "segment": "",
    }


CASES = {
    "confirmation code at sign-up": (sign_up_with_a_new_address, 1),
    "account already exists": (sign_up_with_a_taken_address, 1),
    "password reset": (reset_the_password, 1),
    "unknown account": (reset_the_password_of_an_unknown_address, 1),
    "confirmation code at sign-in": (sign_in_with_an_unconfirmed_address, 1),
    "password changed": (change_the_password, 1),
    "email changed (code to the new address, notice to the old)": (change_the_email, 2),
    "two-step on, new recovery codes, two-step off": (turn_two_step_on_and_off, 3),
    "invitation and its resend": (invite_and_resend, 2),
    "webhook disabled": (disable_a_webhook, 1),
}


def links(message) -> list[str]:
    texts = [message.subject, message.body]
    texts += [content for content, _ in getattr(message, "alternatives", [])]
    return [link for text in texts for link in LINK.findall(text)]


@pytest.mark.parametrize("case", CASES)
def test_every_link_in_every_email_comes_from_site_url(
    case, browser, settings, django_capture_on_commit_callbacks
):
    action, at_least = CASES[case]

    def send():
        return django_capture_on_commit_callbacks(execute=True)

    action(browser, settings, send)

    assert len(mail.outbox) >= at_least, [m.subject for m in mail.outbox]
    site = urlsplit(SITE_URL)
    for message in mail.outbox:
        found = links(message)
        assert found, f"no link in {message.subject!r}"
        for link in found:
            if link.startswith(ENDPOINT_ORIGIN + "/"):
                continue
            parts = urlsplit(link)
            assert (parts.scheme, parts.netloc) == (site.scheme, site.netloc), (
                message.subject,
                link,
            )
        raw = message.message().as_string()
        assert "attacker.example" not in raw, message.subject
