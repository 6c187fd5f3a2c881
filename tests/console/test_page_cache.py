"""The cached tenant pages (console/page_cache.py): served from memory, never stale.

Each test renders a page (stored), makes a change through the real path
(a view, a service, allauth, the admin's save), and asserts the next visit
shows it: the versions advance with the change, so no cached page outlives it.
"""

import logging
import os
import re
import subprocess
import sys
import threading

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import DatabaseError, close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console import page_cache
from console.accounts.models import User
from console.accounts.services import user_set_language
from console.page_cache import PAGE_TTL, StalePage
from console.pages.models import PageVersion
from invitations import outbox
from invitations.models import EmailStatus
from invitations.services import invitation_create_bulk
from members.models import Membership, Role
from members.services import membership_change_role
from tenants.actors import Actor
from tenants.models import Tenant
from tests import factories

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def tenant():
    return factories.TenantFactory(pro=True, name="Acme")


@pytest.fixture
def admin(tenant):
    return factories.AdminMembershipFactory(tenant=tenant, user__name="Ada Admin").user


@pytest.fixture
def colleague(tenant):
    return factories.MembershipFactory(tenant=tenant, user__name="Carl Colleague")


def members_url(tenant):
    return reverse("members:list", kwargs={"tenant_id": tenant.public_id})


def invitations_url(tenant):
    return reverse("tenant_invitations:list", kwargs={"tenant_id": tenant.public_id})


def get_started_url(tenant):
    return reverse("onboarding:get_started", kwargs={"tenant_id": tenant.public_id})


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.usefixtures("cache_hits_unverified")
def test_a_second_visit_is_served_from_the_cache(
    admin, tenant, colleague, django_assert_num_queries
):
    client = signed_in(admin)
    first = page(client, members_url(tenant))
    # Session, user, and the memberships that say whether this person may see the page.
    with django_assert_num_queries(3):
        second = page(client, members_url(tenant))
    assert CSRF.sub("", second) == CSRF.sub("", first)
    assert "Carl Colleague" in second


def test_the_cache_entries_expire_so_relative_dates_move_on(settings):
    assert 0 < PAGE_TTL <= 60


def test_a_cached_page_carries_a_fresh_working_csrf_token(admin, tenant):
    client = signed_in(admin, enforce_csrf_checks=True)
    page(client, get_started_url(tenant))
    cached = page(client, get_started_url(tenant))
    tokens = set(CSRF.findall(cached))
    assert len(tokens) == 1 and "\x00" not in next(iter(tokens))
    response = client.post(
        reverse("onboarding:hide_checklist", kwargs={"tenant_id": tenant.public_id}),
        {"csrfmiddlewaretoken": tokens.pop()},
    )
    assert response.status_code == 302


def test_a_role_change_shows_at_once(admin, tenant, colleague):
    client = signed_in(admin)
    assert "Collaborator" in page(client, members_url(tenant))
    client.post(
        reverse("members:change_role", kwargs={"tenant_id": tenant.public_id, "pk": colleague.pk}),
        {"role": Role.ADMIN},
    )
    page(client, members_url(tenant))  # the redirect's flash message: rendered, not cached
    html = page(client, members_url(tenant))
    assert html.count("badge-role-admin") == 3  # the admin, the colleague, the page header


def test_a_removed_member_leaves_the_cached_list(admin, tenant, colleague):
    client = signed_in(admin)
    assert "Carl Colleague" in page(client, members_url(tenant))
    client.post(
        reverse("members:remove", kwargs={"tenant_id": tenant.public_id, "pk": colleague.pk})
    )
    page(client, members_url(tenant))
    assert "Carl Colleague" not in page(client, members_url(tenant))


def test_the_removed_member_gets_404_though_their_page_was_cached(admin, tenant, colleague):
    theirs = signed_in(colleague.user)
    page(theirs, members_url(tenant))
    signed_in(admin).post(
        reverse("members:remove", kwargs={"tenant_id": tenant.public_id, "pk": colleague.pk})
    )
    assert theirs.get(members_url(tenant)).status_code == 404


def test_a_collaborator_never_gets_the_admins_cached_page(admin, tenant, colleague):
    page(signed_in(admin), members_url(tenant))
    html = page(signed_in(colleague.user), members_url(tenant))
    assert "member-actions-toggle" not in html
    assert signed_in(colleague.user).get(invitations_url(tenant)).status_code == 403


def test_a_renamed_member_shows_in_every_tenant(admin, tenant, colleague):
    client = signed_in(admin)
    page(client, members_url(tenant))
    colleague.user.name = "Carla Renamed"
    colleague.user.save()
    assert "Carla Renamed" in page(client, members_url(tenant))


def test_turning_on_two_step_shows_on_the_members_tab(admin, tenant, colleague):
    client = signed_in(admin)
    assert page(client, members_url(tenant)).count("2-step off") == 2
    factories.give_two_step(colleague.user)
    assert page(client, members_url(tenant)).count("2-step off") == 1


def test_a_bulk_invite_shows_on_the_tab_and_in_the_invitees_header(admin, tenant):
    invitee = factories.UserFactory(email="newcomer@example.com")
    elsewhere = factories.MembershipFactory(user=invitee).tenant
    client, theirs = signed_in(admin), signed_in(invitee)
    assert "newcomer@example.com" not in page(client, invitations_url(tenant))
    assert "Acme" not in page(theirs, get_started_url(elsewhere))
    invitation_create_bulk(
        tenant=tenant,
        actor=Actor.member(admin),
        emails=["newcomer@example.com"],
        role=Role.COLLABORATOR,
    )
    assert "newcomer@example.com" in page(client, invitations_url(tenant))
    assert "Acme" in page(theirs, get_started_url(elsewhere))  # the switcher's Join


def test_a_failed_email_shows_its_badge(admin, tenant):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email_status=EmailStatus.SENDING
    )
    client = signed_in(admin)
    assert "Email failed" not in page(client, invitations_url(tenant))
    assert outbox.invitation_email_mark_failed(invitation=invitation, error="550 no such user")
    assert "Email failed" in page(client, invitations_url(tenant))


def test_a_renamed_tenant_shows_in_its_members_switchers(admin, tenant):
    other = factories.AdminMembershipFactory(user=admin).tenant
    client = signed_in(admin)
    page(client, members_url(other))
    tenant.name = "Acme Renamed"
    tenant.save()
    assert "Acme Renamed" in page(client, members_url(other))


def test_a_followed_checklist_link_is_ticked(admin, tenant):
    admin.segment = "enterprise"
    admin.save()
    client = signed_in(admin)
    before = page(client, get_started_url(tenant))
    client.get(
        reverse("onboarding:follow", kwargs={"tenant_id": tenant.public_id, "link": "community"})
    )
    after = page(client, get_started_url(tenant))
    assert after.count("is-done") == before.count("is-done") + 1


def test_a_flash_message_is_shown_once_even_on_a_cached_page(admin, tenant, colleague):
    client = signed_in(admin)
    page(client, members_url(tenant))
    client.post(
        reverse("members:change_role", kwargs={"tenant_id": tenant.public_id, "pk": colleague.pk}),
        {"role": "owner"},  # refused: the message is the only change
    )
    assert 'role="alert"' in page(client, members_url(tenant))
    assert 'role="alert"' not in page(client, members_url(tenant))


def test_each_language_and_time_zone_has_its_own_page(admin, tenant):
    client = signed_in(admin)
    page(client, members_url(tenant))
    admin.language, admin.time_zone = "de", "Europe/Berlin"
    admin.save()
    html = page(client, members_url(tenant))
    assert "Mitglieder" in html and "Europe/Berlin" in html


def test_the_send_progress_after_a_bulk_invite_is_never_cached(admin, tenant):
    url = invitations_url(tenant) + "?batch=00000000-0000-0000-0000-000000000000"
    client = signed_in(admin)
    page(client, url)
    # (The header's join offers are kept there too, under their own keys.)
    stored = caches["pages"]._cache  # type: ignore[attr-defined]
    assert not any(":page:" in key for key in stored)


@pytest.mark.parametrize(
    "env, backend",
    [
        ({"DEBUG": "true"}, "DummyCache"),  # make run: an edited template shows on reload
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "h"}, "LocMemCache"),
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "h",
                "PAGE_CACHE_ENTRIES": "0",
            },
            "DummyCache",
        ),
    ],
)
def test_the_page_cache_is_off_under_debug_or_when_sized_zero(env, backend):
    code = "import console.settings as s; print(s.CACHES['pages']['BACKEND'])"
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "PAGE_CACHE_ENTRIES")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith(backend)


@pytest.mark.usefixtures("cache_hits_unverified")
def test_signing_in_again_keeps_the_cached_pages(admin, tenant, django_assert_num_queries):
    client = signed_in(admin)
    page(client, members_url(tenant))
    signed_in(admin)  # another browser: last_login is saved, nothing a page shows
    with django_assert_num_queries(3):
        page(client, members_url(tenant))


# --- The registry: each app declares what its models change ------------------


@pytest.fixture
def without_membership_declaration():
    """The Members app's ``page_cache.register(Membership, ...)`` taken out, then put back."""
    [dependency] = [d for d in page_cache.registered() if d.model is Membership]
    page_cache.unregister(dependency)
    yield
    page_cache.restore(dependency)


def test_an_apps_ready_run_again_declares_nothing_twice():
    before = len(page_cache.registered())
    apps.get_app_config("members").ready()  # as override_settings(INSTALLED_APPS=...) does
    assert len(page_cache.registered()) == before


def test_every_app_declares_its_models_in_its_ready():
    declared = {d.model._meta.label for d in page_cache.registered()}
    assert {
        "members.Membership",
        "invitations.Invitation",
        "accounts.User",
        "tenants.Tenant",
        "account.EmailAddress",
        "mfa.Authenticator",
        "onboarding.ChecklistState",
    } <= declared


@pytest.mark.usefixtures("without_membership_declaration")
def test_a_forgotten_declaration_fails_loudly_in_verify_mode(admin, tenant, colleague, caplog):
    client = signed_in(admin)
    page(client, members_url(tenant))
    membership_change_role(membership=colleague, role=Role.ADMIN, actor=Actor.operator(admin))
    with pytest.raises(StalePage, match="stale cached page"):
        client.get(members_url(tenant))
    assert "advances no version" in caplog.text


def test_verify_mode_passes_a_hit_nothing_changed(admin, tenant, colleague, caplog):
    client = signed_in(admin)
    page(client, members_url(tenant))
    assert "Carl Colleague" in page(client, members_url(tenant))
    assert "stale" not in caplog.text


# --- Versions: their own table, never written back, one lock order ----------


def version(scope, owner_id) -> int:
    row = PageVersion.objects.filter(scope=scope, owner_id=owner_id).first()
    return row.version if row else 0


def test_a_stale_tenant_or_account_saved_whole_cannot_take_a_version_back(admin, tenant):
    stale_tenant, stale_user = Tenant.objects.get(pk=tenant.pk), User.objects.get(pk=admin.pk)
    factories.InvitationFactory(tenant=tenant, invited_by=admin, email=admin.email)
    after = version("t", tenant.pk), version("u", admin.pk)
    stale_tenant.save()
    stale_user.save()  # as allauth saves request.user
    assert (version("t", tenant.pk), version("u", admin.pk)) >= after > (0, 0)


def test_renaming_a_tenant_writes_no_members_rows(admin, tenant, colleague):
    other = factories.AdminMembershipFactory(user=admin).tenant
    client = signed_in(admin)
    page(client, members_url(other))
    with CaptureQueriesContext(connection) as queries:
        tenant.name = "Acme Renamed"
        tenant.save()
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and "tenants_tenant" in writes[0]  # the tenant's own UPDATE
    # The switcher's part of the key comes from the memberships every page loads.
    assert "Acme Renamed" in page(client, members_url(other))


def test_an_inviter_deleted_shows_as_deleted_on_the_cached_tab(admin, tenant):
    inviter = factories.AdminMembershipFactory(tenant=tenant, user__name="Ivy Inviter").user
    factories.InvitationFactory(tenant=tenant, invited_by=inviter, email="x@example.com")
    client = signed_in(admin)
    assert "Ivy Inviter" in page(client, invitations_url(tenant))
    inviter.delete()  # invited_by SET NULL: a cascade that sends no signal
    assert "Ivy Inviter" not in page(client, invitations_url(tenant))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_a_membership_write_and_a_language_change_run_together_without_deadlock():
    """Tenant row, then versions (the role change) against the user's row, then
    versions (the language): one lock order, so neither waits forever."""
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant)
    colleague = factories.MembershipFactory(tenant=tenant)
    factories.MembershipFactory(user=colleague.user)  # the colleague is in two tenants
    rounds, errors = 25, []
    start = threading.Barrier(2)

    def run(step):
        try:
            start.wait()
            for i in range(rounds):
                step(i)
        except DatabaseError as error:  # a deadlock PostgreSQL broke
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    def change_roles(i):
        role = Role.ADMIN if i % 2 else Role.COLLABORATOR
        membership_change_role(
            membership=Membership.objects.get(pk=colleague.pk),
            role=role,
            actor=Actor.member(admin.user),
        )

    def change_language(i):
        user_set_language(
            user=User.objects.get(pk=colleague.user_id), language="de" if i % 2 else "fr"
        )

    threads = [
        threading.Thread(target=run, args=(step,)) for step in (change_roles, change_language)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    assert version("t", tenant.pk) >= 2 * rounds


# --- Hits and misses in the request log line --------------------------------


def test_the_request_log_line_counts_page_cache_hits_and_misses(admin, tenant, caplog):
    caplog.set_level(logging.INFO, logger="console.request")
    client = signed_in(admin)
    page(client, members_url(tenant))
    page(client, members_url(tenant))
    lines = [r for r in caplog.records if r.name == "console.request"]
    assert [(r.page_cache_hits, r.page_cache_misses) for r in lines] == [(0, 1), (1, 0)]
