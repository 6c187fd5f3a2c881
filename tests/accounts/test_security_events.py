"""Each account's own security events: recorded by receivers, listed on /accounts/security/."""

from types import SimpleNamespace

import pytest
from allauth.account import signals as account_signals
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from console.accounts import security
from console.accounts.models import SecurityAction, SecurityEvent
from console.accounts.security_views import SECURITY_EVENTS_PER_PAGE
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SECURITY = reverse("accounts:security")
LOGIN = reverse("accounts:login")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def actions(user) -> list[str]:
    return list(
        SecurityEvent.objects.filter(user=user).order_by("id").values_list("action", flat=True)
    )


def test_sign_in_is_recorded_with_ip_and_browser(client, user):
    client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD}, HTTP_USER_AGENT=BROWSER)
    event = SecurityEvent.objects.get(user=user)
    assert (event.action, event.ip, event.user_agent) == (
        SecurityAction.SIGNED_IN,
        "127.0.0.1",
        BROWSER,
    )


def test_failed_sign_in_is_recorded_for_that_account_only(client, user):
    other = factories.UserFactory()
    client.post(LOGIN, {"login": user.email.upper(), "password": "wrong"})
    assert actions(user) == [SecurityAction.SIGN_IN_FAILED]
    assert actions(other) == []


def test_failed_sign_in_for_an_unknown_address_records_nothing(client, db):
    client.post(LOGIN, {"login": "nobody@example.com", "password": "wrong"})
    assert not SecurityEvent.objects.exists()


def test_sign_out_is_recorded(client, user):
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert actions(user) == [SecurityAction.SIGNED_IN, SecurityAction.SIGNED_OUT]


@pytest.mark.parametrize(
    ("signal", "action"),
    [
        (account_signals.password_changed, SecurityAction.PASSWORD_CHANGED),
        (account_signals.password_set, SecurityAction.PASSWORD_SET),
        (account_signals.password_reset, SecurityAction.PASSWORD_RESET),
    ],
)
def test_allauth_password_signals(rf, user, signal, action):
    request = rf.get("/", REMOTE_ADDR="198.51.100.3")
    # allauth's own receivers (usersessions ends the other sessions) read these.
    request.user = user
    request.session = SessionStore()
    request.session.create()
    signal.send(sender=type(user), request=request, user=user)
    event = SecurityEvent.objects.get(user=user)
    assert (event.action, event.ip) == (action, "198.51.100.3")


def test_allauth_email_changed(rf, user):
    account_signals.email_changed.send(
        sender=type(user),
        request=rf.get("/"),
        user=user,
        from_email_address=SimpleNamespace(email="old@example.com"),
        to_email_address=SimpleNamespace(email="new@example.com"),
    )
    event = SecurityEvent.objects.get(user=user)
    assert event.action == SecurityAction.EMAIL_CHANGED
    assert event.details == {"from": "old@example.com", "to": "new@example.com"}


class TestTwoStep:
    """allauth.mfa's signals need its app installed (issue 10); the receivers
    are tested directly, and through the signals once the app is there."""

    def test_method_added_and_removed(self, rf, user):
        request = rf.get("/")
        security.on_authenticator_added(
            None, request=request, user=user, authenticator=SimpleNamespace(type="totp")
        )
        security.on_authenticator_added(
            None, request=request, user=user, authenticator=SimpleNamespace(type="recovery_codes")
        )
        security.on_authenticator_reset(
            None, request=request, user=user, authenticator=SimpleNamespace(type="recovery_codes")
        )
        security.on_authenticator_removed(
            None, request=request, user=user, authenticator=SimpleNamespace(type="totp")
        )
        security.on_authentication_failed(
            None, request=request, user=user, authenticator=SimpleNamespace(type="totp")
        )
        assert actions(user) == [
            SecurityAction.TWO_STEP_ON,
            SecurityAction.RECOVERY_CODES_REGENERATED,
            SecurityAction.TWO_STEP_OFF,
            SecurityAction.TWO_STEP_FAILED,
        ]
        assert SecurityEvent.objects.filter(user=user).first().details == {"method": "totp"}

    @pytest.mark.skipif(
        not apps.is_installed("allauth.mfa"), reason="allauth.mfa is not installed yet"
    )
    def test_through_the_signals(self, rf, user):
        from allauth.mfa import signals as mfa_signals

        mfa_signals.authenticator_added.send(
            sender=type(user),
            request=rf.get("/"),
            user=user,
            authenticator=SimpleNamespace(type="totp"),
        )
        assert actions(user) == [SecurityAction.TWO_STEP_ON]

    def test_session_client_changed(self, rf, user):
        security.on_session_client_changed(
            None,
            request=rf.get("/"),
            from_session=SimpleNamespace(user=user, ip="198.51.100.1"),
            to_session=SimpleNamespace(user=user, ip="203.0.113.2"),
        )
        event = SecurityEvent.objects.get(user=user)
        assert event.action == SecurityAction.SESSION_CLIENT_CHANGED
        assert event.details == {"from_ip": "198.51.100.1", "to_ip": "203.0.113.2"}


def test_unknown_action_is_refused(user):
    with pytest.raises(ValueError):
        security.security_event_record(user=user, action="teleported")
    assert not SecurityEvent.objects.exists()


# -- The Security page -----------------------------------------------------------------------


def test_anonymous_goes_to_log_in(client, db):
    response = client.get(SECURITY)
    assert response.status_code == 302 and "login" in response["Location"]


def test_lists_only_ones_own_events_newest_first(client, user):
    other = factories.UserFactory()
    security.security_event_record(user=other, action=SecurityAction.PASSWORD_CHANGED)
    security.security_event_record(user=user, action=SecurityAction.PASSWORD_RESET)
    client.force_login(user)  # records "Signed in"
    response = client.get(SECURITY)
    assert response.status_code == 200
    assert [e.action for e in response.context["events"]] == [
        SecurityAction.SIGNED_IN,
        SecurityAction.PASSWORD_RESET,
    ]
    page = response.content.decode()
    assert "Password reset" in page and "Password changed" not in page


def test_header_links_to_the_security_page(client, user):
    client.force_login(user)
    assert SECURITY in client.get(reverse("tenants:create")).content.decode()


@pytest.mark.parametrize("count", [10, 100])
def test_pages_in_constant_queries(client, user, count, django_assert_num_queries):
    SecurityEvent.objects.bulk_create(
        SecurityEvent(user=user, action=SecurityAction.SIGNED_IN) for _ in range(count)
    )
    client.force_login(user)
    # session, user; count and the page's rows (through their keys); the
    # header's memberships and whether it has offers (none here: neither list runs).
    with django_assert_num_queries(6):
        response = client.get(SECURITY, {"page": 2 if count > SECURITY_EVENTS_PER_PAGE else 1})
    assert response.status_code == 200
    assert len(response.context["events"]) == min(count + 1, SECURITY_EVENTS_PER_PAGE)


def test_signing_other_sessions_out_is_recorded(rf, user, settings):
    from allauth.core.context import request_context
    from allauth.usersessions.adapter import get_adapter

    from console.accounts.sessions import SecurityEventsUserSessionsAdapter

    ended = []

    class FakeSession:
        def __init__(self, owner):
            self.user, self.user_id = owner, owner.pk

        def end(self):
            ended.append(self)

    adapter = get_adapter()
    assert isinstance(adapter, SecurityEventsUserSessionsAdapter)
    with request_context(rf.get("/", REMOTE_ADDR="198.51.100.7")):
        adapter.end_sessions([FakeSession(user), FakeSession(user)])
    assert len(ended) == 2
    event = SecurityEvent.objects.get(user=user)
    assert (event.action, event.details, event.ip) == (
        SecurityAction.SESSIONS_SIGNED_OUT,
        {"count": 2},
        "198.51.100.7",
    )
