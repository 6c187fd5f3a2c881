"""Emails in the right language and time zone (SPEC: Languages and time zones)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from console.webhooks import emails as webhook_emails
from console.webhooks.models import WebhookEndpoint
from invitations import tasks
from invitations.models import Invitation
from members.models import Role
from tests import factories
from tests.api.conftest import api_as, make_key  # noqa: F401
from tests.invitations.conftest import invite_url

pytestmark = pytest.mark.django_db


def send(invitation) -> None:
    result = tasks.send_invitation_email.apply(args=[invitation.pk], throw=False)
    assert result.state != "FAILURE", result.traceback


# The expiry dates below are absolute (to pin their formatting), so the clock is
# frozen before them: the task skips an invitation that has already expired.
BEFORE_EXPIRY = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


@time_machine.travel(BEFORE_EXPIRY, tick=False)
def test_invitation_email_in_its_language_with_the_expiry_in_the_inviters_zone(mailoutbox):
    inviter = factories.AdminMembershipFactory(
        user__name="Greta", user__time_zone="Europe/Berlin", user__language="de"
    ).user
    invitation = factories.InvitationFactory(
        tenant=inviter.memberships.get().tenant,
        invited_by=inviter,
        email_language="fr",
        expires_at=datetime.datetime(2026, 12, 2, 13, 0, tzinfo=datetime.UTC),
    )
    send(invitation)
    [email] = mailoutbox
    html = email.alternatives[0][0]
    assert email.subject == f"Greta vous invite à rejoindre {invitation.tenant.name}"
    assert "Accepter l’invitation" in html and '<html lang="fr">' in html
    # 13:00 UTC is 14:00 in Berlin; French date format, the zone named.
    for part in (email.body, html):
        assert "2 décembre 2026 14:00 (Europe/Berlin)" in part
        assert "Collaborateur" in part
        assert "Accept the invitation" not in part


@time_machine.travel(BEFORE_EXPIRY, tick=False)
def test_invitation_email_in_english_states_utc_for_an_inviter_in_utc(mailoutbox):
    invitation = factories.InvitationFactory(
        expires_at=datetime.datetime(2026, 12, 2, 13, 0, tzinfo=datetime.UTC)
    )
    send(invitation)
    [email] = mailoutbox
    assert "December 2, 2026, 13:00 (UTC)" in email.body
    assert "invited you to join" in email.subject


def test_invite_form_offers_email_language_defaulting_to_the_inviters(admin_client, tenant):
    page = admin_client.get(invite_url(tenant), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'name="email_language"' in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page
    assert "Sprache der E-Mail" in page


def test_invite_stores_the_chosen_email_language(
    admin_client, tenant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            invite_url(tenant),
            {"emails": "ana@example.com", "role": Role.COLLABORATOR, "email_language": "fr"},
            HTTP_ACCEPT_LANGUAGE="de",
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="ana@example.com")
    assert invitation.email_language == "fr"
    # The page was German; the worker wrote the email in French.
    assert mailoutbox[0].subject.endswith(f"vous invite à rejoindre {tenant.name}")


def test_invite_without_the_field_uses_the_page_language(admin_client, tenant):
    admin_client.post(
        invite_url(tenant),
        {"emails": "li@example.com", "role": Role.COLLABORATOR},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert Invitation.objects.get(email="li@example.com").email_language == "de"


def test_an_unknown_email_language_is_refused_and_nothing_is_created(admin_client, tenant):
    response = admin_client.post(
        invite_url(tenant),
        {"emails": "ana@example.com", "role": Role.COLLABORATOR, "email_language": "xx"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.filter(email="ana@example.com").exists()


def test_api_invite_takes_a_language_else_the_key_creators(api_as, make_key):  # noqa: F811
    membership = factories.AdminMembershipFactory(user__language="de")
    _, key = make_key(membership)
    api = api_as(key)
    assert (
        api.post(
            "/invitations", {"emails": ["a@example.com"], "role": "admin", "language": "fr"}
        ).status_code
        == 201
    )
    assert (
        api.post("/invitations", {"emails": ["b@example.com"], "role": "admin"}).status_code == 201
    )
    assert api.post(
        "/invitations", {"emails": ["c@example.com"], "role": "admin", "language": "xx"}
    ).status_code in (400, 422)
    languages = dict(Invitation.objects.values_list("email", "email_language"))
    assert languages == {"a@example.com": "fr", "b@example.com": "de"}


def test_webhook_disabled_email_goes_to_each_admin_in_their_language(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    german = factories.AdminMembershipFactory(user__language="de", user__time_zone="Europe/Berlin")
    tenant = german.tenant
    factories.AdminMembershipFactory(tenant=tenant, user__language="fr")
    factories.AdminMembershipFactory(tenant=tenant, user__language="")
    factories.MembershipFactory(tenant=tenant, user__language="fr")  # a collaborator: not told
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        url="http://127.0.0.1:9/hooks",
        events=["member.joined"],
        enabled=False,
        consecutive_failures=50,
        disabled_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC),
    )
    messages = {
        m.to[0]: m for m in webhook_emails.endpoint_disabled_messages(endpoint_id=endpoint.pk)
    }
    assert len(messages) == 3
    de = messages[german.user.email]
    assert de.subject == f"Ein Webhook von {tenant.name} wurde deaktiviert"
    assert "2. März 2026 00:30 (Europe/Berlin)" in de.body
    fr = next(m for to, m in messages.items() if "désactivé" in m.subject)
    assert "Un webhook de" in fr.body
    assert sum(1 for m in messages.values() if m.subject.startswith("A webhook of")) == 1


def test_account_email_in_the_accounts_language(client, django_capture_on_commit_callbacks):
    user = factories.UserFactory(language="fr")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        # Asked from an English page: the email follows the account, not the page.
        response = client.post(
            reverse("account_reset_password"), {"email": user.email}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.subject == "Réinitialisez votre mot de passe Tenant Console"
    assert "Choisissez un nouveau mot de passe ici" in email.body


@pytest.mark.parametrize(
    ("language", "count"), [("en", "1,000"), ("de", "1.000"), ("fr", "1\u00a0000")]
)
def test_the_address_limit_is_grouped_for_the_language(admin_client, tenant, language, count):
    page = admin_client.get(invite_url(tenant), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"{count} " in page


@pytest.mark.parametrize(
    ("language", "price"), [("en", "$8.00"), ("de", "8,00\u00a0$"), ("fr", "8,00\u00a0$")]
)
def test_prices_follow_the_language(language, price):
    from decimal import Decimal

    from django.utils import translation

    from tenants.policies import format_usd

    with translation.override(language):
        assert format_usd(Decimal("8")) == price
