"""Abuse limits: password guessing and invitation floods get the 429 page and change nothing.

The limits are settings (see README, "Reliability and security"); tests lower
them to keep the loops short. Resends per invitation per hour are proven in
tests/invitations/test_actions.py.
"""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from console.client_ip import client_ip
from console.ratelimit import RateLimited
from invitations.models import Invitation
from invitations.services import invitation_create_bulk
from members.models import Role
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.security, pytest.mark.django_db]

LOGIN_URL = reverse("accounts:login")
DOWN_CACHE = {
    "default": {
        # The project's cache backend, pointed at a closed loopback port (the
        # real Redis keeps running for everyone else).
        "BACKEND": "console.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def log_in(client, email, password, **extra):
    return client.post(LOGIN_URL, {"login": email, "password": password}, **extra)


def login_limits(settings, rates: str) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": rates}


# -- Log-in (allauth's "login_failed" limit) -----------------------------------------------------


def test_tenth_failed_login_locks_the_account_even_for_the_right_password(client, user, settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "50/15m/ip,10/15m/key"
    for _ in range(10):
        assert log_in(client, user.email, "wrong password").status_code == 200

    response = log_in(client, user.email, TEST_PASSWORD)

    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)


def test_failed_logins_are_counted_per_account_whatever_the_case_of_the_email(
    client, user, settings
):
    login_limits(settings, "50/15m/ip,3/15m/key")
    for typed in (user.email.upper(), f"  {user.email}", user.email.title()):
        log_in(client, typed, "wrong password")
    assert log_in(client, user.email, TEST_PASSWORD).status_code == 429


def test_another_account_is_not_locked_by_someone_elses_failures(client, user, settings):
    login_limits(settings, "50/15m/ip,3/15m/key")
    other = factories.UserFactory()
    for _ in range(3):
        log_in(client, user.email, "wrong password")
    response = log_in(client, other.email, TEST_PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_failures_from_one_address_are_limited_across_accounts(client, settings):
    login_limits(settings, "5/15m/ip,10/15m/key")
    victim = factories.UserFactory()
    for i in range(5):
        log_in(client, f"guess{i}@example.com", "wrong password", REMOTE_ADDR="203.0.113.7")

    assert log_in(client, victim.email, TEST_PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert not signed_in(client)
    # the same account from another address is still served
    assert (
        log_in(client, victim.email, TEST_PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302
    )


def test_the_right_password_does_not_count_as_a_failure(client, user, settings):
    login_limits(settings, "50/15m/ip,3/15m/key")
    for _ in range(2):
        log_in(client, user.email, "wrong password")
    for _ in range(3):
        assert log_in(client, user.email, TEST_PASSWORD).status_code == 302
        client.logout()
    assert log_in(client, user.email, "wrong password").status_code == 200
    assert log_in(client, user.email, TEST_PASSWORD).status_code == 429


def test_login_page_itself_stays_available_while_locked(client, user, settings):
    login_limits(settings, "50/15m/ip,1/15m/key")
    log_in(client, user.email, "wrong password")
    assert client.get(LOGIN_URL).status_code == 200


def test_login_limits_fail_open_with_a_warning_while_the_cache_is_down(
    client, user, settings, caplog
):
    """Redis down (a closed port): allauth's limits count nothing and refuse nothing."""
    settings.CACHES = {**settings.CACHES, **DOWN_CACHE}
    login_limits(settings, "50/15m/ip,2/15m/key")
    with caplog.at_level(logging.WARNING, logger="console.cache"):
        for _ in range(4):
            assert log_in(client, user.email, "wrong password").status_code == 200
        response = log_in(client, user.email, TEST_PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    assert "failing open" in caplog.text


def test_reset_emails_still_go_out_while_the_cache_is_down(
    client, user, settings, caplog, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.CACHES = {**settings.CACHES, **DOWN_CACHE}
    with (
        caplog.at_level(logging.WARNING, logger="console.cache"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "failing open" in caplog.text


# -- The client's address (TRUSTED_PROXY_COUNT) --------------------------------------------------


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    # the left entry was typed by the client and can be anything; the proxy's is the last
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(client, rf, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.2"
    # and allauth's limits read it the same way: changing the header changes nothing
    login_limits(settings, "3/15m/ip,10/15m/key")
    for i in range(3):
        log_in(client, f"guess{i}@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert log_in(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == (
        429
    )


def test_two_clients_behind_one_proxy_are_counted_separately(client, settings):
    """Behind a load balancer every request comes from its address; each person is
    still limited as themselves (allauth's limits and ours read console.client_ip)."""
    settings.TRUSTED_PROXY_COUNT = 1
    login_limits(settings, "3/15m/ip,10/15m/key")
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(3):
        log_in(
            client, f"guess{i}@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer
        )
    assert (
        log_in(
            client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer
        ).status_code
        == 429
    )
    other = factories.UserFactory()
    response = log_in(
        client, other.email, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2", **balancer
    )
    assert response.status_code == 302 and signed_in(client)


def test_allauth_reads_the_client_through_the_project_helper(rf, settings):
    from allauth.account.adapter import get_adapter

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"


# -- Invitations per day ---------------------------------------------------------------------------


def resend_url(invitation) -> str:
    return reverse(
        "tenant_invitations:resend",
        kwargs={"tenant_id": invitation.tenant.public_id, "pk": invitation.pk},
    )


def invite(client, tenant, addresses: str):
    return client.post(
        reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id}),
        {"emails": addresses, "role": Role.COLLABORATOR},
    )


@pytest.fixture
def inviting_client(client):
    """An admin of a Development tenant whose member limit an operator raised (no cost review)."""
    tenant = factories.TenantFactory(member_limit_override=5000)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    client.force_login(admin)
    client.tenant, client.admin = tenant, admin
    return client


def test_default_daily_limits_leave_room_for_a_full_submission(settings):
    # One submission may hold 1,000 addresses (SPEC); a flood of one mailbox may not.
    assert settings.INVITATIONS_PER_INVITER_PER_DAY >= 1000
    assert settings.INVITATIONS_PER_TENANT_PER_DAY >= settings.INVITATIONS_PER_INVITER_PER_DAY
    assert 1 <= settings.INVITATIONS_PER_ADDRESS_PER_DAY <= 10


def test_inviter_past_the_daily_limit_gets_429_and_nothing_is_created_or_sent(
    inviting_client, settings, mailoutbox
):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 3
    assert (
        invite(inviting_client, inviting_client.tenant, "a@example.com b@example.com").status_code
        == 302
    )
    mailoutbox.clear()

    response = invite(inviting_client, inviting_client.tenant, "c@example.com d@example.com")

    assert response.status_code == 429
    assert "at most 3 invitations a day, and 1 are left today" in response.content.decode()
    assert Invitation.objects.count() == 2
    assert mailoutbox == []
    # what is left still fits
    assert invite(inviting_client, inviting_client.tenant, "c@example.com").status_code == 302


def test_tenant_past_the_daily_limit_gets_429_whoever_invites(
    inviting_client, settings, mailoutbox
):
    settings.INVITATIONS_PER_TENANT_PER_DAY = 2
    tenant = inviting_client.tenant
    invite(inviting_client, tenant, "a@example.com b@example.com")
    second_admin = factories.AdminMembershipFactory(tenant=tenant).user
    inviting_client.force_login(second_admin)
    mailoutbox.clear()

    response = invite(inviting_client, tenant, "c@example.com")

    assert response.status_code == 429
    assert "This tenant can send at most 2 invitations a day" in response.content.decode()
    assert Invitation.objects.filter(tenant=tenant).count() == 2 and mailoutbox == []


def test_an_address_invited_too_often_across_tenants_is_refused_by_name(settings, mailoutbox):
    settings.INVITATIONS_PER_ADDRESS_PER_DAY = 2
    memberships = [
        factories.AdminMembershipFactory(tenant__member_limit_override=10) for _ in range(3)
    ]
    for membership in memberships[:2]:
        invitation_create_bulk(
            tenant=membership.tenant,
            actor=Actor.member(membership.user),
            emails=["Victim@Example.com"],
            role=Role.COLLABORATOR,
        )
    mailoutbox.clear()

    with pytest.raises(RateLimited) as refused:
        invitation_create_bulk(
            tenant=memberships[2].tenant,
            actor=Actor.member(memberships[2].user),
            emails=["victim@example.com", "fresh@example.com"],
            role=Role.COLLABORATOR,
        )

    assert "victim@example.com already received 2 invitations today" in refused.value.message
    assert not Invitation.objects.filter(tenant=memberships[2].tenant).exists()  # all or none
    assert mailoutbox == []


def test_resends_count_toward_the_daily_cap_of_one_mailbox_across_tenants(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """An attacker with free tenants cannot flood a mailbox with first sends plus resends:
    every invitation email to one address, from any tenant, counts toward one daily cap."""
    assert settings.INVITATIONS_PER_ADDRESS_PER_DAY == 5
    attacker = factories.UserFactory()
    tenants = [factories.TenantFactory() for _ in range(3)]
    for tenant in tenants:
        factories.AdminMembershipFactory(tenant=tenant, user=attacker)
    client.force_login(attacker)

    def sending(post):
        with django_capture_on_commit_callbacks(execute=True):
            return post()

    # 1 first send and 3 resends from the first tenant, 1 first send from the second: 5 emails.
    assert sending(lambda: invite(client, tenants[0], "victim@example.com")).status_code == 302
    first = Invitation.objects.get(tenant=tenants[0])
    for _ in range(3):
        assert sending(lambda: client.post(resend_url(first))).status_code == 302
    assert sending(lambda: invite(client, tenants[1], "victim@example.com")).status_code == 302
    second = Invitation.objects.get(tenant=tenants[1])
    assert len(mailoutbox) == 5
    mailoutbox.clear()
    before = list(Invitation.objects.order_by("pk").values())
    entries = ActivityEvent.objects.count()

    refused_invite = sending(lambda: invite(client, tenants[2], "victim@example.com"))
    refused_resend = sending(lambda: client.post(resend_url(second)))

    for response in (refused_invite, refused_resend):
        assert response.status_code == 429
        assert (
            "victim@example.com already received 5 invitations today, the most one address "
            "can receive in a day." in response.content.decode()
        )
    assert list(Invitation.objects.order_by("pk").values()) == before  # no new row, same link
    assert ActivityEvent.objects.count() == entries
    assert mailoutbox == []


def test_a_refused_submission_counts_nothing_against_the_limits(inviting_client, settings):
    settings.INVITATIONS_PER_INVITER_PER_DAY = 2
    assert (
        invite(inviting_client, inviting_client.tenant, "a@example.com not-an-email").status_code
        == 400
    )
    assert (
        invite(inviting_client, inviting_client.tenant, "a@example.com b@example.com").status_code
        == 302
    )


def test_daily_limits_fail_open_with_a_warning_while_the_cache_is_down(
    inviting_client, settings, caplog, mailoutbox
):
    """The cache backend answers "nothing counted" while Redis is down, so a second
    submission that the limit would refuse goes through."""
    settings.CACHES = {**settings.CACHES, **DOWN_CACHE}
    settings.INVITATIONS_PER_INVITER_PER_DAY = 2
    with caplog.at_level(logging.WARNING, logger="console.cache"):
        first = invite(inviting_client, inviting_client.tenant, "a@example.com b@example.com")
        second = invite(inviting_client, inviting_client.tenant, "c@example.com d@example.com")
    assert (first.status_code, second.status_code) == (302, 302)
    assert Invitation.objects.count() == 4
    assert "failing open" in caplog.text


def test_many_addresses_are_counted_in_a_few_cache_round_trips(inviting_client, monkeypatch):
    # Each top-level cache call is one round trip on Redis (get_many / set_many pipeline).
    calls, depth = [], [0]

    def counted(name, original):
        def call(*args, **kwargs):
            if not depth[0]:
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "set_many", "add", "incr", "delete"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    addresses = " ".join(f"p{i}@example.com" for i in range(300))

    assert invite(inviting_client, inviting_client.tenant, addresses).status_code == 302

    assert len(calls) <= 12, calls  # constant, not one per address
