"""The Members page runs the same number of queries for 5 members as for 500."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.accounts.models import User
from members.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db

# Measured on SQLite and PostgreSQL, admin viewing page 1 (second visit, so the
# session already remembers the current tenant and is not written again):
#   1. session                      5. pending invitations count (seat_usage)
#   2. user                         6. the 25 members on this page, users joined
#   3. the user's memberships with  7. my pending invitations (header)
#      their tenants (this tenant's
#      and the header's switcher)
#   4. members count (seat_usage; also the paginator's count)
#   8. the header's tenants of the viewer's domain (Request to join)
#   9. the Requests section's open requests (admins)
# tests/perf/test_page_queries.py pins it exactly at 10x and 100x data.
MEMBERS_PAGE_QUERIES = 9


def _tenant_with_members(count: int):
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    # bulk_create: 500 users through the factory would be slow and prove nothing more.
    users = User.objects.bulk_create(
        User(email=f"bulk{count}-{i}@example.com", name=f"Member {i}") for i in range(count - 1)
    )
    Membership.objects.bulk_create(
        Membership(tenant=tenant, user=user, role=Role.COLLABORATOR) for user in users
    )
    factories.InvitationFactory(tenant=tenant, invited_by=admin)
    return tenant, admin


@pytest.mark.parametrize("members", [5, 500])
def test_members_page_query_count_does_not_grow_with_members(
    client, django_assert_max_num_queries, members
):
    tenant, admin = _tenant_with_members(members)
    assert tenant.memberships.count() == members
    client.force_login(admin)
    url = reverse("members:list", kwargs={"tenant_id": tenant.public_id})
    client.get(url)  # first visit stores the current tenant in the session
    caches["pages"].clear()  # rendered, not served from the page cache
    with django_assert_max_num_queries(MEMBERS_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["members"]) == min(members, 25)


def test_query_count_is_exactly_the_same_for_5_and_500_members(client):
    counts = []
    for members in (5, 500):
        tenant, admin = _tenant_with_members(members)
        client.force_login(admin)
        url = reverse("members:list", kwargs={"tenant_id": tenant.public_id})
        client.get(url)
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
