"""Every console page runs the same, pinned number of queries at 10x and 100x the data.

One "x" of data is: 1 member and 10 invitations (every status, a failed email
among them) in the admin's Pro tenant, and a tenth of a tenant and of a
pending invitation around the signed-in user. So at 10x the tenant has 10
members and 100 invitations, the admin is in 1 other tenant and has 1
pending invitation of their own; at 100x: 100 members, 1,000 invitations,
10 other tenants, 10 pending invitations. Each page is visited once first:
the session then already remembers the current tenant and is not written
again, as on every visit but the first.

Counts measured on SQLite and PostgreSQL (the same on both). The bulk
invite's constant count (5 vs 500 addresses) is pinned in
tests/invitations/test_invite_service.py.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from console.accounts.models import User
from invitations import tokens
from invitations.models import EmailStatus, Invitation, InvitationStatus
from members.models import Membership, Role
from tenants.models import Tenant
from tenants.policies import invitation_lifetime
from tests import factories

pytestmark = pytest.mark.django_db

SCALES = [10, 100]
STATUSES = [
    InvitationStatus.PENDING,
    InvitationStatus.ACCEPTED,
    InvitationStatus.EXPIRED,
    InvitationStatus.REVOKED,
]

# Every signed-in page starts with these two, as the bench's baseline does.
SESSION_AND_USER = 2
# A rendered header asks once which tenants of the viewer's domain offer "Request
# to join" (issue 21; kept in the page cache under the account's version after that).
JOIN_OFFERS = 1
# The Members tab's Requests section (admins): the tenant's open requests.
OPEN_REQUESTS = 1


def _invitation(
    tenant,
    inviter,
    email,
    *,
    status=InvitationStatus.PENDING,
    minutes_ago=0,
    email_status=EmailStatus.SENT,
):
    sent_at = timezone.now() - timedelta(minutes=minutes_ago)
    if status == InvitationStatus.EXPIRED:
        sent_at -= invitation_lifetime()
    salt = tokens.new_link_salt()
    return Invitation(
        tenant=tenant,
        email=email,
        role=Role.COLLABORATOR,
        status=status,
        invited_by=inviter,
        created_at=sent_at,
        sent_at=sent_at,
        expires_at=sent_at + invitation_lifetime(),
        link_salt=salt,
        token_hash=tokens.token_hash(tokens.link_token(salt)),
        email_status=email_status,
        email_error="550 No such user" if email_status == EmailStatus.FAILED else "",
    )


@pytest.fixture(params=SCALES, ids=lambda scale: f"{scale}x")
def world(request):
    """The admin's Pro tenant and everything around it, at ``scale`` x."""
    scale = request.param
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant, user__segment="enterprise").user
    people = User.objects.bulk_create(
        User(email=f"member{i}@scale{scale}.example", name=f"Member {i}") for i in range(scale - 1)
    )
    Membership.objects.bulk_create(
        Membership(tenant=tenant, user=user, role=Role.ADMIN if i % 10 == 0 else Role.COLLABORATOR)
        for i, user in enumerate(people)
    )
    Invitation.objects.bulk_create(
        _invitation(
            tenant,
            admin,
            f"invitee{i}@scale{scale}.example",
            status=STATUSES[i % 4],
            minutes_ago=i,
            email_status=EmailStatus.FAILED if i % 40 == 0 else EmailStatus.SENT,
        )
        for i in range(10 * scale)
    )
    for i in range(scale // 10):
        factories.MembershipFactory(user=admin, tenant=factories.TenantFactory(name=f"Other {i}"))
        elsewhere = factories.TenantFactory(name=f"Inviting {i}")
        inviter = factories.AdminMembershipFactory(tenant=elsewhere).user
        Invitation.objects.bulk_create([_invitation(elsewhere, inviter, admin.email)])
    newcomer = factories.UserFactory()  # in no tenant: the landing page lists their invitations
    Invitation.objects.bulk_create(
        _invitation(Tenant.objects.get(name=f"Inviting {i}"), None, newcomer.email)
        for i in range(scale // 10)
    )
    return {"scale": scale, "tenant": tenant, "admin": admin, "newcomer": newcomer}


def _url(name, tenant, **query):
    url = reverse(name, kwargs={"tenant_id": tenant.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _second_visit(client, user, url, django_assert_num_queries, expected):
    client.force_login(user)
    client.get(url)  # the first visit remembers the current tenant in the session
    caches["pages"].clear()  # pinned here: the page rendered (cached visits: test_cached_pages)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_members_tab(client, world, django_assert_num_queries):
    # 2 session + user; 1 the user's memberships with their tenants (this
    # tenant's is among them, and the header's switcher lists them); 2 seat
    # use: member count (also the paginator's) and pending invitations;
    # 1 the page's 25 members, users joined; 1 the header's own pending
    # invitations (tenant and inviter joined).
    response = _second_visit(
        client,
        world["admin"],
        _url("members:list", world["tenant"]),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 2 + 1 + 1 + JOIN_OFFERS + OPEN_REQUESTS,
    )
    assert len(response.context["members"]) == min(world["scale"], 25)


@pytest.mark.parametrize("page", ["first", "last"])
def test_invitations_tab(client, world, page, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 counts per status (one GROUP BY; the
    # current filter's count is the paginator's); 1 the page's 25 invitations
    # through their primary keys, inviters joined; 1 the header's pending invitations.
    last = -(-10 * world["scale"] // 25)
    url = _url(
        "tenant_invitations:list", world["tenant"], **({"page": last} if page == "last" else {})
    )
    response = _second_visit(
        client,
        world["admin"],
        url,
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + 1 + JOIN_OFFERS,
    )
    assert len(response.context["invitations"]) == 25


@pytest.mark.parametrize("status", ["pending", "expired"])
def test_invitations_tab_filtered_by_status(client, world, status, django_assert_num_queries):
    # As unfiltered: the filter changes the rows' WHERE, not the number of queries.
    url = _url("tenant_invitations:list", world["tenant"], status=status)
    response = _second_visit(
        client,
        world["admin"],
        url,
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + 1 + JOIN_OFFERS,
    )
    # A quarter of the invitations have each status; none of the Pending ones is past expiry.
    assert response.context["page_obj"].paginator.count == 10 * world["scale"] // 4


def test_get_started(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships (also answers "in a production tenant");
    # 3 checklist facts: member and admin counts, any invitation sent, the
    # user's checklist state; 1 the header's pending invitations.
    response = _second_visit(
        client,
        world["admin"],
        _url("onboarding:get_started", world["tenant"]),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 3 + 1 + JOIN_OFFERS,
    )
    assert response.context["checklist"].total


def test_billing(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships; 2 seat use (members, pending
    # invitations); 1 the header's pending invitations.
    _second_visit(
        client,
        world["admin"],
        _url("tenant_settings:billing", world["tenant"]),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 2 + 1 + JOIN_OFFERS,
    )


def test_tenant_settings(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 the header's pending invitations;
    # 1 whether the admin has two-step on (the Security section explains it).
    _second_visit(
        client,
        world["admin"],
        _url("tenant_settings:settings", world["tenant"]),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + JOIN_OFFERS,
    )


def test_landing_page_of_a_user_in_no_tenant(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships (none: no redirect, and the switcher
    # says so); 1 the pending invitations the page and the header list.
    client.force_login(world["newcomer"])
    with django_assert_num_queries(SESSION_AND_USER + 1 + 1 + JOIN_OFFERS):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(response.context["my_pending_invitations"]) == world["scale"] // 10


# -- Activity (issue 12) -----------------------------------------------------------------------


@pytest.fixture
def activity_world(world):
    """``world`` plus 20 activity entries per x in its tenant (every action,
    members and the admin as actors and targets) and as many elsewhere."""
    from django.db import transaction

    from tenants.activity import activity_entry, activity_record_bulk
    from tenants.activity_actions import activity_actions

    scale, tenant, admin = world["scale"], world["tenant"], world["admin"]
    people = list(User.objects.filter(memberships__tenant=tenant))
    actions = activity_actions.values
    other = factories.TenantFactory()
    with transaction.atomic():
        activity_record_bulk(
            entries=[
                activity_entry(
                    tenant=tenant if i % 2 else other,
                    # i // 2: each tenant gets every action, whatever their order.
                    action=actions[(i // 2) % len(actions)],
                    actor=people[i % len(people)] if i % 3 else None,
                    target_user=people[(i + 1) % len(people)],
                    details={"role": "admin"},
                    ip="203.0.113.1",
                )
                for i in range(40 * scale)
            ]
        )
    return {**world, "person": admin.email}


@pytest.mark.parametrize("query", [{}, {"page": "last"}, {"action": "invitation.sent"}, "person"])
def test_activity_tab(client, activity_world, query, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 count (the paginator's); 1 the page's
    # entries through their primary keys (no joins: entries carry the emails);
    # 1 the header's pending invitations.
    w = activity_world
    if query == "person":
        query = {"person": w["person"]}
    elif query.get("page") == "last":
        query = {"page": -(-20 * w["scale"] // 50)}
    response = _second_visit(
        client,
        w["admin"],
        _url("tenant_settings:activity", w["tenant"], **query),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + 1 + JOIN_OFFERS,
    )
    assert response.context["events"]


def test_activity_csv(client, activity_world, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 every entry, streamed from one cursor.
    w = activity_world
    url = _url("tenant_settings:activity_csv", w["tenant"])
    client.force_login(w["admin"])
    client.get(url)
    with django_assert_num_queries(SESSION_AND_USER + 1 + 1):
        lines = b"".join(client.get(url).streaming_content).count(b"\n")
    assert lines == 1 + 20 * w["scale"]


def test_members_search(client, world, django_assert_num_queries):
    # As the Members tab, plus 1: the matches' count for the paginator (the
    # seat use still counts every member). "member1" matches a ninth of the
    # members at 100x (member1, member10-19) and 2 at 10x.
    response = _second_visit(
        client,
        world["admin"],
        _url("members:list", world["tenant"], q="member1"),
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 2 + 1 + 1 + 1 + JOIN_OFFERS + OPEN_REQUESTS,
    )
    assert response.context["page_obj"].paginator.count == (11 if world["scale"] == 100 else 1)


def test_members_search_fragment_for_htmx(client, world, django_assert_num_queries):
    # The table alone: the header's pending invitations are not rendered, but the
    # memberships are still read (the tenant and role come from them).
    client.force_login(world["admin"])
    url = _url("members:list", world["tenant"], q="member1")
    client.get(url)
    with django_assert_num_queries(SESSION_AND_USER + 1 + 2 + 1 + 1):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_invitations_search(client, world, django_assert_num_queries):
    # As the Invitations tab: the counts per status count the matches (and the
    # current filter's is the paginator's); the rows are the page's matches.
    url = _url("tenant_invitations:list", world["tenant"], q="invitee1", status="pending")
    response = _second_visit(
        client,
        world["admin"],
        url,
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + 1 + JOIN_OFFERS,
    )
    assert all("invitee1" in i.email for i in response.context["invitations"])


def test_invitations_tab_with_a_batchs_progress(client, world, django_assert_num_queries):
    # As the Invitations tab, plus 1: the batch's sends counted per email status
    # (one GROUP BY, whatever the batch's size).
    batch_id = "6d1f4c1e-0c4e-4d8a-9a57-3b2f1a0e5c11"
    Invitation.objects.filter(tenant=world["tenant"]).update(batch_id=batch_id)
    url = _url("tenant_invitations:list", world["tenant"], batch=batch_id)
    response = _second_visit(
        client,
        world["admin"],
        url,
        django_assert_num_queries,
        SESSION_AND_USER + 1 + 1 + 1 + 1 + 1 + JOIN_OFFERS,
    )
    assert response.context["progress"].total == 10 * world["scale"]


def test_batch_progress_fragment(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 the batch's counts.
    batch_id = "6d1f4c1e-0c4e-4d8a-9a57-3b2f1a0e5c11"
    Invitation.objects.filter(tenant=world["tenant"]).update(batch_id=batch_id)
    url = reverse(
        "tenant_invitations:batch_progress",
        kwargs={"tenant_id": world["tenant"].public_id, "batch_id": batch_id},
    )
    _second_visit(client, world["admin"], url, django_assert_num_queries, SESSION_AND_USER + 1 + 1)


def test_member_actions_menu(client, world, django_assert_num_queries):
    # 2 session + user; 1 memberships; 1 the member (user joined).
    target = world["tenant"].memberships.exclude(user=world["admin"]).first()
    url = reverse(
        "members:actions", kwargs={"tenant_id": world["tenant"].public_id, "pk": target.pk}
    )
    _second_visit(client, world["admin"], url, django_assert_num_queries, SESSION_AND_USER + 1 + 1)


@pytest.mark.parametrize(
    "name, query",
    [
        ("members:list", {}),
        ("members:list", {"q": "member"}),
        ("tenant_invitations:list", {}),
        ("tenant_invitations:list", {"status": "pending"}),
        ("tenant_invitations:list", {"page": 2}),
        ("onboarding:get_started", {}),
    ],
)
@pytest.mark.usefixtures("cache_hits_unverified")
def test_cached_pages(client, world, name, query, django_assert_num_queries):
    # Served from the page cache (console/page_cache.py): 2 session + user;
    # 1 the memberships, which check the viewer may see the page and carry
    # the tenant's and the viewer's page versions. Nothing else, however
    # large the tenant.
    url = _url(name, world["tenant"], **query)
    client.force_login(world["admin"])
    client.get(url)
    client.get(url)
    with django_assert_num_queries(SESSION_AND_USER + 1):
        response = client.get(url)
    assert response.status_code == 200
