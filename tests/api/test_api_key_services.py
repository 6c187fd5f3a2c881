"""API key services: create, revoke, and the throttled last-use mark."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from console.api import keys, services
from console.api.activity import ApiKeyAction
from console.api.exceptions import ApiKeyError
from console.api.models import ApiKey, ApiScope
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_stores_prefix_and_hash_never_the_key(admin_membership):
    api_key, key = services.api_key_create(
        tenant=admin_membership.tenant,
        actor=Actor.member(admin_membership.user),
        name="HR system",
        scope=ApiScope.READ_WRITE,
    )
    mark, prefix, secret = key.split("_", 2)
    assert (mark, prefix) == ("tc", api_key.prefix)
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    row = ApiKey.objects.get()
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.values_list().get())
    assert row.created_by == admin_membership.user
    assert row.status() == "Active"


def test_create_records_an_activity_entry_without_the_secret(admin_membership):
    api_key, key = services.api_key_create(
        tenant=admin_membership.tenant,
        actor=Actor.member(admin_membership.user),
        name="HR system",
        scope=ApiScope.READ,
    )
    event = ActivityEvent.objects.get()
    assert event.action == ApiKeyAction.CREATED
    assert event.actor == admin_membership.user
    assert event.details == {"name": "HR system", "scope": "read", "prefix": api_key.prefix}
    assert key.split("_", 2)[2] not in str(event.details)


def test_the_activity_tab_names_the_key(admin_membership, make_key):
    api_key, _ = make_key(admin_membership, name="HR system", scope=ApiScope.READ_WRITE)
    services.api_key_revoke(api_key=api_key, actor=Actor.member(admin_membership.user))
    assert [event.summary for event in ActivityEvent.objects.all()] == [
        "“HR system”",
        "“HR system”",
    ]


def test_collaborator_cannot_create_a_key(tenant):
    collaborator = factories.MembershipFactory(tenant=tenant)
    with pytest.raises(PermissionDenied):
        services.api_key_create(
            tenant=tenant, actor=Actor.member(collaborator.user), name="x", scope=ApiScope.READ
        )
    assert not ApiKey.objects.exists()
    assert not ActivityEvent.objects.exists()


def test_admin_demoted_meanwhile_cannot_create_a_key(admin_membership):
    # The view loaded the admin's membership; someone demoted them before the service ran.
    type(admin_membership).objects.filter(pk=admin_membership.pk).update(role="collaborator")
    with pytest.raises(PermissionDenied):
        services.api_key_create(
            tenant=admin_membership.tenant,
            actor=Actor.member(admin_membership.user),
            name="x",
            scope=ApiScope.READ,
        )
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    "name, scope, expires_in",
    [
        ("", ApiScope.READ, None),
        ("x" * 65, ApiScope.READ, None),
        ("ok", "admin", None),
        ("ok", ApiScope.READ, timedelta(seconds=-1)),
    ],
)
def test_invalid_input_creates_nothing(admin_membership, name, scope, expires_in):
    with pytest.raises(ApiKeyError):
        services.api_key_create(
            tenant=admin_membership.tenant,
            actor=Actor.member(admin_membership.user),
            name=name,
            scope=scope,
            expires_at=timezone.now() + expires_in if expires_in else None,
        )
    assert not ApiKey.objects.exists()
    assert not ActivityEvent.objects.exists()


def test_revoke_marks_the_key_and_records_an_entry(admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    services.api_key_revoke(api_key=api_key, actor=Actor.member(admin_membership.user))
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key.status() == "Revoked"
    assert list(ActivityEvent.objects.values_list("action", flat=True)) == [
        ApiKeyAction.REVOKED,
        ApiKeyAction.CREATED,
    ]


def test_revoking_twice_is_refused_and_records_nothing_more(admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    services.api_key_revoke(api_key=api_key, actor=Actor.member(admin_membership.user))
    first = ApiKey.objects.get().revoked_at
    with pytest.raises(ApiKeyError):
        services.api_key_revoke(api_key=api_key, actor=Actor.member(admin_membership.user))
    assert ApiKey.objects.get().revoked_at == first
    assert ActivityEvent.objects.count() == 2


def test_collaborator_cannot_revoke_a_key(admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    collaborator = factories.MembershipFactory(tenant=admin_membership.tenant)
    with pytest.raises(PermissionDenied):
        services.api_key_revoke(api_key=api_key, actor=Actor.member(collaborator.user))
    assert ApiKey.objects.get().revoked_at is None
    assert ActivityEvent.objects.count() == 1


def test_admin_of_another_tenant_cannot_revoke_a_key(admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    other_admin = factories.AdminMembershipFactory()
    with pytest.raises(PermissionDenied):
        services.api_key_revoke(api_key=api_key, actor=Actor.member(other_admin.user))
    assert ApiKey.objects.get().revoked_at is None


def test_last_use_is_written_at_most_once_a_minute(
    admin_membership, make_key, django_assert_num_queries
):
    api_key, _ = make_key(admin_membership)
    now = timezone.now()
    with django_assert_num_queries(1):  # never used: one conditional UPDATE
        assert services.api_key_mark_used(api_key=api_key, now=now)
    with django_assert_num_queries(0):  # used 30 s ago: no write at all
        assert not services.api_key_mark_used(api_key=api_key, now=now + timedelta(seconds=30))
    later = now + services.LAST_USED_GRANULARITY + timedelta(seconds=1)
    assert services.api_key_mark_used(api_key=api_key, now=later)
    assert ApiKey.objects.get().last_used_at == later


def test_a_stale_copy_does_not_write_when_another_request_just_did(admin_membership, make_key):
    # given two requests that loaded the key before either marked it
    api_key, _ = make_key(admin_membership)
    other_copy = ApiKey.objects.get(pk=api_key.pk)
    now = timezone.now()
    assert services.api_key_mark_used(api_key=api_key, now=now)
    # when the second one marks it a moment later, the conditional UPDATE matches no row
    assert not services.api_key_mark_used(api_key=other_copy, now=now + timedelta(seconds=1))
    assert ApiKey.objects.get().last_used_at == now


def test_keys_split_and_match():
    new = keys.new_key()
    prefix, secret = keys.split_key(new.key)
    assert prefix == new.prefix
    assert keys.secret_matches(secret, new.secret_hash)
    assert not keys.secret_matches(secret + "x", new.secret_hash)
    for malformed in ["", "tc_", "tc_short_secret", "xx_" + new.key[3:], new.prefix]:
        assert keys.split_key(malformed) is None
