"""Billing: plan, seats included and used, extra members × $8 and the monthly total."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tenants import policies, selectors
from tests import factories

pytestmark = pytest.mark.django_db


def billing_url(tenant):
    return reverse("tenant_settings:billing", kwargs={"tenant_id": tenant.public_id})


def figures(response) -> dict[str, str]:
    """The billing page's <dt>/<dd> pairs as text."""
    html = response.content.decode()
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    return {
        re.sub(r"<[^>]+>", "", dt).strip(): re.sub(r"<[^>]+>", "", dd).strip() for dt, dd in pairs
    }


def tenant_with_members(client, count: int, **traits):
    tenant = factories.TenantFactory(**traits)
    admin = factories.AdminMembershipFactory(tenant=tenant)
    factories.MembershipFactory.create_batch(count - 1, tenant=tenant)
    client.force_login(admin.user)
    return tenant, admin


def test_pro_with_five_members_pays_for_two_extra(client):
    tenant, _ = tenant_with_members(client, 5, pro=True)
    shown = figures(client.get(billing_url(tenant)))
    assert shown["Plan"] == "Production (Pro)"
    assert shown["Seats included"] == "3"
    assert shown["Members"] == "5"
    assert shown["Seats used"] == "5"
    assert shown["Extra members"] == "2 × $8.00 / month"
    assert shown["Monthly total for extra seats"] == "$16.00"


def test_pro_within_included_seats_costs_nothing_extra(client):
    tenant, _ = tenant_with_members(client, 3, pro=True)
    shown = figures(client.get(billing_url(tenant)))
    assert shown["Extra members"] == "0 × $8.00 / month"
    assert shown["Monthly total for extra seats"] == "$0.00"


def test_pro_shows_what_pending_invitations_would_add(client):
    tenant, admin = tenant_with_members(client, 4, pro=True)
    factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin.user)
    shown = figures(client.get(billing_url(tenant)))
    assert shown["Pending invitations"] == "2"
    assert shown["Seats used"] == "6"
    # Billed today: members only; pending invitations are seats that are not yet members.
    assert shown["Monthly total for extra seats"] == "$8.00"
    assert shown["If every pending invitation is accepted"] == "$24.00 / month"


def test_pro_operator_override_raises_included_seats(client):
    tenant, _ = tenant_with_members(client, 5, pro=True, member_limit_override=5)
    shown = figures(client.get(billing_url(tenant)))
    assert shown["Seats included"] == "5"
    assert shown["Monthly total for extra seats"] == "$0.00"


def test_development_tenant_shows_its_limit_and_no_charges(client):
    tenant, _ = tenant_with_members(client, 2)
    response = client.get(billing_url(tenant))
    shown = figures(response)
    assert shown["Plan"] == "Development"
    assert shown["Seats used"] == "2 of 3"
    assert "Monthly total for extra seats" not in shown
    assert "Development tenants are free, with up to 3 members." in response.content.decode()


def test_production_free_explains_the_pro_upgrade(client):
    tenant, _ = tenant_with_members(client, 1, production_free=True)
    response = client.get(billing_url(tenant))
    assert figures(response)["Seats used"] == "1 of 1"
    assert "Upgrade to Pro to invite your team" in response.content.decode()


def test_collaborator_cannot_see_billing(collaborator_client, tenant):
    response = collaborator_client.get(billing_url(tenant))
    assert response.status_code == 403
    assert "$" not in response.content.decode().split("<main", 1)[1]


def test_collaborator_has_no_billing_tab(collaborator_client, tenant):
    page = collaborator_client.get(reverse("members:list", kwargs={"tenant_id": tenant.public_id}))
    assert billing_url(tenant) not in page.content.decode()


def test_non_member_gets_404(client, tenant, outsider):
    client.force_login(outsider)
    assert client.get(billing_url(tenant)).status_code == 404


def test_anonymous_is_sent_to_login(client, tenant):
    response = client.get(billing_url(tenant))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# The limits behind these figures (tenants.policies, also used by invitations) ----------


@pytest.mark.parametrize(
    ("traits", "included", "limit"),
    [
        ({}, 3, 3),
        ({"production_free": True}, 1, 1),
        ({"pro": True}, 3, None),
        ({"member_limit_override": 10}, 10, 10),
        ({"pro": True, "member_limit_override": 5}, 5, None),
    ],
    ids=[
        "development",
        "production free",
        "pro",
        "development raised by an operator",
        "pro raised",
    ],
)
def test_member_limit_per_tenant_type(traits, included, limit):
    tenant = factories.TenantFactory.build(**traits)
    assert policies.seats_included(tenant) == included
    assert policies.member_limit(tenant) == limit


def test_extra_seats_cost_8_dollars_each_on_pro_only():
    assert policies.extra_seat_cost(factories.TenantFactory.build(pro=True), 5) == Decimal("16.00")
    assert policies.extra_seat_cost(factories.TenantFactory.build(pro=True), 2) == Decimal("0.00")
    assert policies.extra_seat_cost(factories.TenantFactory.build(), 5) == Decimal("0.00")


def test_seat_usage_counts_members_and_pending_invitations_only(tenant, admin):
    factories.MembershipFactory(tenant=tenant)
    factories.InvitationFactory(tenant=tenant, invited_by=admin)
    factories.InvitationFactory(tenant=tenant, invited_by=admin, status="revoked")
    usage = selectors.seat_usage(tenant)
    assert (usage.members, usage.pending_invitations, usage.used, usage.available) == (2, 1, 3, 0)
