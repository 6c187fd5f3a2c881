"""The API keys tab: admins list, create (shown once) and revoke keys."""

import pytest
from django.urls import reverse

from console.api.activity import ApiKeyAction
from console.api.models import ApiKey, ApiScope
from tenants.models import ActivityEvent
from tests import factories

pytestmark = pytest.mark.django_db


def tab_url(tenant):
    return reverse("api_keys:list", kwargs={"tenant_id": tenant.public_id})


def revoke_url(api_key):
    return reverse(
        "api_keys:revoke", kwargs={"tenant_id": api_key.tenant.public_id, "pk": api_key.pk}
    )


def test_admin_sees_the_keys_with_scope_status_and_last_use(
    admin_client, admin_membership, make_key
):
    make_key(admin_membership, name="HR system", scope=ApiScope.READ_WRITE)
    revoked, _ = make_key(admin_membership, name="Old bot", scope=ApiScope.READ)
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at="2026-01-01T00:00:00Z")
    response = admin_client.get(tab_url(admin_membership.tenant))
    assert response.status_code == 200
    page = response.content.decode()
    assert "HR system" in page and "Read and write" in page
    assert "Old bot" in page and "Revoked" in page
    assert "Never" in page  # not used yet
    assert 'aria-current="page" href="' + tab_url(admin_membership.tenant) in page


def test_collaborator_gets_403_and_no_nav_link(collaborator_client, tenant):
    response = collaborator_client.get(tab_url(tenant))
    assert response.status_code == 403
    members = collaborator_client.get(
        reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    )
    assert tab_url(tenant) not in members.content.decode()


def test_outsider_gets_404(client, outsider, tenant):
    client.force_login(outsider)
    assert client.get(tab_url(tenant)).status_code == 404
    assert client.post(tab_url(tenant), {"name": "x", "scope": "read"}).status_code == 404
    assert not ApiKey.objects.exists()


def test_creating_shows_the_key_once(admin_client, admin_membership):
    url = tab_url(admin_membership.tenant)
    response = admin_client.post(
        url, {"name": "HR system", "scope": "read_write", "expires_in": "30"}
    )
    # a redirect: reloading the page cannot create a second key
    assert response.status_code == 302 and response["Location"] == url
    shown = admin_client.get(url)
    key = shown.context["new_key"]
    assert key.startswith("tc_") and key in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    api_key = ApiKey.objects.get()
    assert key.split("_")[1] == api_key.prefix
    assert (api_key.name, api_key.scope) == ("HR system", ApiScope.READ_WRITE)
    assert 29 <= (api_key.expires_at - api_key.created_at).days <= 30
    assert ActivityEvent.objects.get().action == ApiKeyAction.CREATED
    # the next visit lists the key but never shows it again, and the session forgot it
    again = admin_client.get(url).content.decode()
    assert "HR system" in again and key not in again
    assert key not in str(dict(admin_client.session))


def test_creating_without_expiry_keeps_the_key_until_revoked(admin_client, admin_membership):
    admin_client.post(tab_url(admin_membership.tenant), {"name": "Bot", "scope": "read"})
    assert ApiKey.objects.get().expires_at is None


@pytest.mark.parametrize(
    "data", [{"name": "", "scope": "read"}, {"name": "x", "scope": "owner"}, {"name": "x"}]
)
def test_invalid_form_creates_nothing(admin_client, admin_membership, data):
    response = admin_client.post(tab_url(admin_membership.tenant), data)
    assert response.status_code == 400
    assert "new_key" not in response.context
    assert not ApiKey.objects.exists()
    assert not ActivityEvent.objects.exists()


def test_collaborator_cannot_create_or_revoke(collaborator_client, tenant, make_key):
    admin = factories.AdminMembershipFactory(tenant=tenant)
    api_key, _ = make_key(admin)
    assert (
        collaborator_client.post(tab_url(tenant), {"name": "x", "scope": "read"}).status_code == 403
    )
    assert collaborator_client.post(revoke_url(api_key)).status_code == 403
    assert ApiKey.objects.get().revoked_at is None
    assert ApiKey.objects.count() == 1


def test_admin_revokes_a_key(admin_client, admin_membership, make_key):
    api_key, _ = make_key(admin_membership, name="HR system")
    response = admin_client.post(revoke_url(api_key), follow=True)
    assert response.redirect_chain[-1][0] == tab_url(admin_membership.tenant)
    assert "The API key “HR system” was revoked." in response.content.decode()
    assert ApiKey.objects.get().revoked_at is not None


def test_revoking_another_tenants_key_is_404(admin_client, admin_membership, make_key):
    other_key, _ = make_key(factories.AdminMembershipFactory())
    url = reverse(
        "api_keys:revoke",
        kwargs={"tenant_id": admin_membership.tenant.public_id, "pk": other_key.pk},
    )
    assert admin_client.post(url).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_revoking_a_revoked_key_says_so(admin_client, admin_membership, make_key):
    api_key, _ = make_key(admin_membership)
    admin_client.post(revoke_url(api_key))
    response = admin_client.post(revoke_url(api_key), follow=True)
    assert "already revoked" in response.content.decode()
    assert ActivityEvent.objects.filter(action=ApiKeyAction.REVOKED).count() == 1


# Admin viewing the tab (the session already remembers the tenant):
#   1. session   2. user   3. the user's memberships with tenants (scoping + header)
#   4. my pending invitations (header)   5. the keys count (paginator)
#   6. the page of keys with their creators
#   7. the tenants offering this address "Request to join" (header)
API_KEYS_TAB_QUERIES = 7


@pytest.mark.parametrize("count", [3, 40])
def test_tab_query_count_does_not_grow_with_keys(
    admin_client, admin_membership, make_key, django_assert_max_num_queries, count
):
    for i in range(count):
        make_key(admin_membership, name=f"key {i}")
    admin_client.get(tab_url(admin_membership.tenant))
    with django_assert_max_num_queries(API_KEYS_TAB_QUERIES):
        response = admin_client.get(tab_url(admin_membership.tenant))
    assert len(response.context["api_keys"]) == min(count, 25)
