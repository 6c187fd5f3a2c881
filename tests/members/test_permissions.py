"""Every Members/Billing URL and action, as each kind of visitor.

Anonymous visitors go to the login page, non-members get 404 (the tenant is
not revealed), collaborators get 403 on admin-only pages and actions, admins
succeed. Every refusal leaves the memberships exactly as they were.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class World:
    tenant: object
    admin: object  # the admin who acts
    second_admin: object  # so that the acting admin may leave
    collaborator: object  # the collaborator who acts
    target: object  # the member the actions are aimed at
    outsider: object  # a user with a tenant of their own


@pytest.fixture
def world(db):
    tenant = factories.TenantFactory(pro=True)
    return World(
        tenant=tenant,
        admin=factories.AdminMembershipFactory(tenant=tenant),
        second_admin=factories.AdminMembershipFactory(tenant=tenant),
        collaborator=factories.MembershipFactory(tenant=tenant),
        target=factories.MembershipFactory(tenant=tenant),
        outsider=factories.AdminMembershipFactory().user,
    )


def _tenant_url(name, world, **kwargs):
    return reverse(name, kwargs={"tenant_id": world.tenant.public_id, **kwargs})


# action: (method, url for the world, POST data)
ACTIONS = {
    "members list": ("get", lambda w: _tenant_url("members:list", w), {}),
    "change role": (
        "post",
        lambda w: _tenant_url("members:change_role", w, pk=w.target.pk),
        {"role": "admin"},
    ),
    "remove": ("post", lambda w: _tenant_url("members:remove", w, pk=w.target.pk), {}),
    "transfer page": ("get", lambda w: _tenant_url("members:transfer", w, pk=w.target.pk), {}),
    "transfer": (
        "post",
        lambda w: _tenant_url("members:transfer", w, pk=w.target.pk),
        {"then": "stay"},
    ),
    "leave": ("post", lambda w: _tenant_url("members:leave", w), {}),
    "billing": ("get", lambda w: _tenant_url("tenant_settings:billing", w), {}),
}

EXPECTED = {
    # action: (collaborator, admin); anonymous is always 302 to login, outsiders always 404
    "members list": (200, 200),
    "change role": (403, 302),
    "remove": (403, 302),
    "transfer page": (403, 200),
    "transfer": (403, 302),
    "leave": (302, 302),
    "billing": (403, 200),
}
WRITES = {"change role", "remove", "transfer", "leave"}


def _request(client, world, action):
    method, url, data = ACTIONS[action]
    return getattr(client, method)(url(world), data)


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_is_sent_to_login_and_nothing_changes(client, world, membership_rows, action):
    before = membership_rows()
    response = _request(client, world, action)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert membership_rows() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_non_member_gets_404_and_nothing_changes(client, world, membership_rows, action):
    client.force_login(world.outsider)
    before = membership_rows()
    assert _request(client, world, action).status_code == 404
    assert membership_rows() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_collaborator_gets_the_expected_status(client, world, membership_rows, action):
    client.force_login(world.collaborator.user)
    before = membership_rows()
    expected = EXPECTED[action][0]
    response = _request(client, world, action)
    assert response.status_code == expected
    if expected == 403:
        assert "You don’t have access to this page" in response.content.decode()
    if expected != 302:  # refused, or a read: nothing changed
        assert membership_rows() == before
    else:  # leave succeeded
        assert membership_rows() != before


@pytest.mark.parametrize("action", ACTIONS)
def test_admin_succeeds(client, world, membership_rows, action):
    client.force_login(world.admin.user)
    before = membership_rows()
    response = _request(client, world, action)
    assert response.status_code == EXPECTED[action][1]
    if action in WRITES:
        assert membership_rows() != before
        assert next(iter(response.wsgi_request._messages)).level_tag == "success"
    else:
        assert membership_rows() == before


@pytest.mark.parametrize("action", ["change role", "remove", "leave"])
def test_actions_are_post_only(client, world, membership_rows, action):
    client.force_login(world.admin.user)
    before = membership_rows()
    _, url, _ = ACTIONS[action]
    assert client.get(url(world)).status_code == 405
    assert membership_rows() == before


def test_collaborator_cannot_act_on_themselves_either(client, world, membership_rows):
    # "Change role" on one's own row is still an admin action.
    client.force_login(world.collaborator.user)
    before = membership_rows()
    url = _tenant_url("members:change_role", world, pk=world.collaborator.pk)
    assert client.post(url, {"role": "admin"}).status_code == 403
    assert membership_rows() == before
