"""Which language and time zone a page is shown in (SPEC: Languages and time zones)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from console.accounts.models import User
from invitations.activity import InvitationAction
from tests import factories

pytestmark = pytest.mark.django_db


def page_language(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_saved_account_language_wins_over_accept_language(client):
    user = factories.UserFactory(language="fr")
    client.force_login(user)
    response = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="de")
    assert page_language(response) == "fr"
    assert "Sécurité" in response.content.decode()


def test_accept_language_when_nothing_is_saved(client):
    client.force_login(factories.UserFactory(language=""))
    response = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page_language(response) == "de"
    assert "Sicherheit" in response.content.decode()


def test_english_when_the_browser_asks_for_nothing_we_have(client):
    client.force_login(factories.UserFactory(language=""))
    response = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="ja,zh;q=0.8")
    assert page_language(response) == "en"
    assert "Recent security events" in response.content.decode()


def test_anonymous_choice_is_kept_in_a_cookie(client):
    response = client.post(
        reverse("accounts:language"), {"language": "de", "next": reverse("accounts:login")}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page_language(page) == "de"


def test_language_menu_saves_the_choice_on_the_account(client):
    user = factories.UserFactory(language="")
    client.force_login(user)
    response = client.post(reverse("accounts:language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"
    # Another browser of the same person (no cookie) follows the account.
    other = client.__class__()
    other.force_login(user)
    page = other.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="de")
    assert page_language(page) == "fr"


def test_an_unknown_language_is_refused_and_nothing_saved(client):
    user = factories.UserFactory(language="de")
    client.force_login(user)
    client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "de"


def test_header_offers_every_language_as_a_post_form(client):
    client.force_login(factories.UserFactory())
    html = client.get(reverse("accounts:security")).content.decode()
    for code, name in settings.LANGUAGES:
        assert f'name="language" value="{code}"' in html
        assert name in html
    assert f'action="{reverse("accounts:language")}"' in html


def test_preferences_save_language_and_time_zone(client):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:preferences"), {"language": "de", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("de", "Europe/Berlin")
    page = client.get(response["Location"])
    assert "Ihre Einstellungen wurden gespeichert." in page.content.decode()


def test_an_unknown_time_zone_is_refused_and_nothing_saved(client):
    user = factories.UserFactory(time_zone="Asia/Tokyo")
    client.force_login(user)
    response = client.post(
        reverse("accounts:preferences"), {"language": "", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"


@time_machine.travel(datetime.datetime(2026, 3, 5, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_dates_show_in_the_accounts_time_zone(client):
    user = factories.UserFactory(time_zone="Asia/Tokyo", language="en")
    user.security_events.create(
        action="signed_in", created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    )
    client.force_login(user)
    html = client.get(reverse("accounts:security")).content.decode()
    # 23:30 UTC is 08:30 the next day in Tokyo, and the zone is named.
    assert "March 2, 2026, 08:30 (Asia/Tokyo)" in html
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Tokyo"


def test_language_menu_does_not_redirect_off_site(client):
    user = factories.UserFactory(language="")
    client.force_login(user)
    response = client.post(
        reverse("accounts:language"), {"language": "de", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    user.refresh_from_db()
    assert user.language == "de"


def test_language_menu_needs_post(client):
    user = factories.UserFactory(language="fr")
    client.force_login(user)
    assert client.get(reverse("accounts:language"), {"language": "de"}).status_code == 405
    user.refresh_from_db()
    assert user.language == "fr"


def test_activity_details_speak_the_viewers_language():
    from django.utils import translation

    from tenants.activity_actions import activity_actions

    details = {"role": "admin", "status": "revoked"}
    with translation.override("fr"):
        assert activity_actions.summary(InvitationAction.DELETED, details) == (
            "en tant que Admin, était révoquée"
        )
    with translation.override("en"):
        assert activity_actions.summary(InvitationAction.DELETED, details) == (
            "as Admin, was revoked"
        )
