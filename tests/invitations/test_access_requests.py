"""Requests on the Members tab (SPEC, Requests): join requests and invite requests,
Approve and Decline, the 30-day wait, the rate limit, the emails."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from invitations import access_requests
from invitations.activity import InvitationAction
from invitations.models import AccessRequest, Invitation, RequestKind, RequestStatus
from invitations.request_history import access_requests_purge_decided
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.models import ActivityEvent, Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    tenant = factories.TenantFactory(name="Acme", member_limit_override=10)
    factories.DomainFactory(tenant=tenant, name="acme.test", verified=True)
    return tenant


@pytest.fixture
def boss(acme):
    return factories.AdminMembershipFactory(tenant=acme, user__email="boss@acme.test").user


@pytest.fixture
def ana(db):
    return factories.UserFactory(email="ana@acme.test")


@pytest.fixture
def join_request(acme, boss, ana):
    return access_requests.join_request_create(tenant=acme, user=ana)


def members_url(tenant):
    return reverse("members:list", kwargs={"tenant_id": tenant.public_id})


def decide_url(access_request, action):
    return reverse(
        f"requests:{action}",
        kwargs={"tenant_id": access_request.tenant.public_id, "pk": access_request.pk},
    )


def actions(tenant):
    return list(
        ActivityEvent.objects.filter(tenant=tenant).order_by("id").values_list("action", flat=True)
    )


# -- Asking -------------------------------------------------------------------------------------


def test_a_join_request_is_recorded_and_the_admins_are_emailed(
    acme, boss, ana, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        access_requests.join_request_create(tenant=acme, user=ana)
    assert actions(acme)[-1] == InvitationAction.JOIN_REQUESTED
    assert [m.to for m in mailoutbox] == [[boss.email]]
    assert "ana@acme.test asks to join" in mailoutbox[0].body


def test_admins_get_at_most_one_email_an_hour_per_tenant(
    acme, boss, mailoutbox, django_capture_on_commit_callbacks
):
    for email in ("ana@acme.test", "li@acme.test"):
        with django_capture_on_commit_callbacks(execute=True):
            access_requests.join_request_create(
                tenant=acme, user=factories.UserFactory(email=email)
            )
    assert len(mailoutbox) == 1


def test_one_open_request_per_person_and_tenant(acme, ana, join_request):
    with pytest.raises(Exception, match="already have an open request"):
        access_requests.join_request_create(tenant=acme, user=ana)
    assert AccessRequest.objects.count() == 1


def test_a_declined_person_waits_30_days(acme, boss, ana, join_request):
    access_requests.request_decline(access_request=join_request, actor=Actor.member(boss))
    with pytest.raises(Exception, match="was declined"):
        access_requests.join_request_create(tenant=acme, user=ana)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert access_requests.join_request_create(tenant=acme, user=ana).is_open


def test_requests_are_rate_limited(settings, db):
    settings.ACCESS_REQUESTS_PER_PERSON_PER_DAY = 1
    person = factories.UserFactory(email="ana@acme.test")
    first = factories.DomainFactory(name="acme.test", verified=True).tenant
    access_requests.join_request_create(tenant=first, user=person)
    second = factories.TenantFactory()
    collaborator = factories.MembershipFactory(tenant=second, user=person)
    with pytest.raises(Exception, match="many requests"):
        access_requests.invite_request_create(
            tenant=collaborator.tenant, user=person, emails=["x@example.com"]
        )
    assert AccessRequest.objects.count() == 1


def test_request_to_join_over_the_rate_limit_is_429(client, settings, acme, ana):
    settings.ACCESS_REQUESTS_PER_PERSON_PER_DAY = 0
    client.force_login(ana)
    url = reverse("invitations:request_to_join", kwargs={"tenant_id": acme.public_id})
    assert client.post(url).status_code == 429
    assert not AccessRequest.objects.exists()


def test_a_collaborator_requests_invitations_on_the_members_tab(client, acme):
    collaborator = factories.MembershipFactory(tenant=acme).user
    client.force_login(collaborator)
    assert "Request invitations" in client.get(members_url(acme)).content.decode()
    url = reverse("requests:invite", kwargs={"tenant_id": acme.public_id})
    client.post(url, {"emails": "Li@Example.com, mo@example.com"})
    request = AccessRequest.objects.get()
    assert request.kind == RequestKind.INVITE
    assert request.emails == ["li@example.com", "mo@example.com"]
    assert actions(acme)[-1] == InvitationAction.REQUESTED


def test_an_invite_request_follows_the_invite_forms_address_rules(client, acme):
    collaborator = factories.MembershipFactory(tenant=acme).user
    client.force_login(collaborator)
    url = reverse("requests:invite", kwargs={"tenant_id": acme.public_id})
    response = client.post(url, {"emails": f"not-an-address, {collaborator.email}"}, follow=True)
    page = response.content.decode()
    assert "not-an-address" in page and "already a member" in page
    assert not AccessRequest.objects.exists()


def test_an_admin_invites_directly_instead_of_requesting(client, acme, boss):
    client.force_login(boss)
    url = reverse("requests:invite", kwargs={"tenant_id": acme.public_id})
    client.post(url, {"emails": "li@example.com"})
    assert not AccessRequest.objects.exists()


# -- Deciding -------------------------------------------------------------------------------------


def test_admins_see_open_requests_in_the_requests_section(client, boss, join_request):
    client.force_login(boss)
    page = client.get(members_url(join_request.tenant)).content.decode()
    assert "Requests" in page and "ana@acme.test" in page
    assert "Approve" in page and "Decline" in page


def test_the_requests_section_shows_a_new_request_on_the_next_visit(client, acme, boss, ana):
    """The page cache: a visit, a request, the next visit shows it."""
    client.force_login(boss)
    assert "ana@acme.test" not in client.get(members_url(acme)).content.decode()
    access_requests.join_request_create(tenant=acme, user=ana)
    assert "ana@acme.test" in client.get(members_url(acme)).content.decode()


def test_approving_a_join_request_with_the_admin_role(
    client, boss, ana, join_request, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(join_request, "approve"), {"role": Role.ADMIN})
    assert Membership.objects.get(tenant=join_request.tenant, user=ana).role == Role.ADMIN
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.APPROVED and join_request.role == Role.ADMIN
    assert InvitationAction.JOIN_APPROVED in actions(join_request.tenant)
    assert mailoutbox[-1].to == [ana.email] and "approved" in mailoutbox[-1].subject


def test_a_full_tenant_is_refused_on_approval_naming_the_limit_and_nothing_changes(
    client, acme, boss, join_request
):
    acme.__class__.objects.filter(pk=acme.pk).update(member_limit_override=1)
    client.force_login(boss)
    before = actions(acme)
    response = client.post(
        decide_url(join_request, "approve"), {"role": Role.COLLABORATOR}, follow=True
    )
    assert "limited to 1 member" in response.content.decode()
    join_request.refresh_from_db()
    assert join_request.is_open
    assert not Membership.objects.filter(user=join_request.requester).exists()
    assert actions(acme) == before


def test_declining_tells_the_requester_and_shows_the_wait(
    client, boss, ana, join_request, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(join_request, "decline"))
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.DECLINED
    assert InvitationAction.JOIN_DECLINED in actions(join_request.tenant)
    assert mailoutbox[-1].to == [ana.email] and "30 days" in mailoutbox[-1].body


def test_approving_an_invite_request_sends_the_invitations(
    client, acme, boss, mailoutbox, django_capture_on_commit_callbacks
):
    collaborator = factories.MembershipFactory(tenant=acme).user
    request = access_requests.invite_request_create(
        tenant=acme, user=collaborator, emails=["li@example.com"]
    )
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(request, "approve"))
    invitation = Invitation.objects.get(tenant=acme)
    assert invitation.email == "li@example.com" and invitation.role == Role.COLLABORATOR
    assert invitation.invited_by == boss
    assert "li@example.com" in [m.to[0] for m in mailoutbox]
    assert InvitationAction.REQUEST_APPROVED in actions(acme)


def test_an_invite_request_whose_address_became_a_member_is_refused_whole(client, acme, boss):
    collaborator = factories.MembershipFactory(tenant=acme).user
    request = access_requests.invite_request_create(
        tenant=acme, user=collaborator, emails=["li@example.com", "mo@example.com"]
    )
    factories.MembershipFactory(tenant=acme, user__email="mo@example.com")
    client.force_login(boss)
    response = client.post(decide_url(request, "approve"), follow=True)
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()
    request.refresh_from_db()
    assert request.is_open


def test_a_collaborator_cannot_approve_or_decline(client, acme, join_request):
    collaborator = factories.MembershipFactory(tenant=acme).user
    client.force_login(collaborator)
    assert client.post(decide_url(join_request, "approve")).status_code == 403
    assert client.post(decide_url(join_request, "decline")).status_code == 403
    join_request.refresh_from_db()
    assert join_request.is_open


def test_a_stranger_gets_404(client, join_request):
    client.force_login(factories.UserFactory())
    assert client.post(decide_url(join_request, "approve")).status_code == 404
    join_request.refresh_from_db()
    assert join_request.is_open


def test_another_tenants_request_id_is_404(client, join_request):
    other_admin = factories.AdminMembershipFactory().user
    client.force_login(other_admin)
    url = reverse(
        "requests:approve",
        kwargs={"tenant_id": other_admin.memberships.get().tenant.public_id, "pk": join_request.pk},
    )
    assert client.post(url).status_code == 404
    join_request.refresh_from_db()
    assert join_request.is_open


def test_a_decided_request_cannot_be_decided_again(boss, join_request):
    access_requests.request_decline(access_request=join_request, actor=Actor.member(boss))
    with pytest.raises(Exception, match="already decided"):
        access_requests.request_approve(access_request=join_request, actor=Actor.member(boss))


# -- History ------------------------------------------------------------------------------------


def test_decided_requests_are_purged_after_the_activity_retention(settings, boss, join_request):
    settings.ACTIVITY_RETENTION_DAYS = 10
    access_requests.request_decline(access_request=join_request, actor=Actor.member(boss))
    open_one = access_requests.join_request_create(
        tenant=join_request.tenant, user=factories.UserFactory(email="li@acme.test")
    )
    assert access_requests_purge_decided(now=timezone.now() + timedelta(days=9)) == 0
    assert access_requests_purge_decided(now=timezone.now() + timedelta(days=11)) == 1
    assert list(AccessRequest.objects.all()) == [open_one]


def test_enrollment_off_refuses_request_to_join(acme, ana):
    acme.domains.update(enrollment=Enrollment.OFF)
    with pytest.raises(Exception, match="does not take join requests"):
        access_requests.join_request_create(tenant=acme, user=ana)
