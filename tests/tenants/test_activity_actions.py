"""Atomicity: every action records exactly its entry with its change, and a
refused change records nothing (the Zulip RealmAuditLog pattern)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from invitations import outbox
from invitations import services as invitation_services
from invitations.activity import InvitationAction
from invitations.exceptions import (
    InvitationActionNotAllowed,
    InvitationEmailMismatch,
    InvitationsRefused,
    MemberLimitReached,
)
from invitations.expiry import invitations_expire_stale
from invitations.models import EmailStatus, Invitation, InvitationStatus
from invitations.tasks import expire_stale_invitations
from members import services as member_services
from members.activity import MemberAction
from members.models import Membership, Role
from tenants import services as tenant_services
from tenants.actors import Actor
from tenants.models import ActivityEvent, ActorKind, Plan, TenantAction, TenantType
from tests import factories
from tests.invitations.conftest import action_url, invite_url, open_url

pytestmark = pytest.mark.django_db

IP = "127.0.0.1"  # the test client's REMOTE_ADDR


def only_entry(tenant, action) -> ActivityEvent:
    """The tenant's one entry, which must be ``action``."""
    events = list(ActivityEvent.objects.filter(tenant=tenant))
    assert [e.action for e in events] == [action]
    return events[0]


def no_entries():
    assert not ActivityEvent.objects.exists()


@pytest.fixture
def operator_client(client):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    client.operator = operator
    return client


# -- Members ------------------------------------------------------------------------------


def members_url(tenant, name, pk):
    return reverse(f"members:{name}", kwargs={"tenant_id": tenant.public_id, "pk": pk})


def test_role_changed_by_an_admin(admin_client, tenant, admin):
    target = factories.MembershipFactory(tenant=tenant)
    admin_client.post(members_url(tenant, "change_role", target.pk), {"role": Role.ADMIN})
    event = only_entry(tenant, MemberAction.ROLE_CHANGED)
    assert (event.actor, event.actor_kind, event.target_user, event.ip) == (
        admin,
        ActorKind.MEMBER,
        target.user,
        IP,
    )
    assert event.details == {"old_role": "collaborator", "new_role": "admin"}


def test_demoting_the_last_admin_records_nothing(admin_membership):
    with pytest.raises(member_services.LastAdminError):
        member_services.membership_change_role(
            membership=admin_membership,
            role=Role.COLLABORATOR,
            actor=Actor.member(admin_membership.user),
        )
    no_entries()


def test_same_role_records_nothing(tenant, admin_membership):
    target = factories.MembershipFactory(tenant=tenant)
    member_services.membership_change_role(
        membership=target, role=Role.COLLABORATOR, actor=Actor.member(admin_membership.user)
    )
    no_entries()


def test_member_removed_by_an_admin(admin_client, tenant, admin):
    target = factories.MembershipFactory(tenant=tenant)
    admin_client.post(members_url(tenant, "remove", target.pk))
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = only_entry(tenant, MemberAction.REMOVED)
    assert (event.actor, event.target_user, event.target_email, event.ip) == (
        admin,
        target.user,
        target.user.email,
        IP,
    )
    assert event.details == {"role": "collaborator"}


def test_removal_by_a_demoted_admin_records_nothing(tenant, admin_membership):
    target = factories.MembershipFactory(tenant=tenant)
    stale = factories.AdminMembershipFactory(tenant=tenant)
    Membership.objects.filter(pk=stale.pk).update(role=Role.COLLABORATOR)
    with pytest.raises(PermissionDenied):
        member_services.membership_remove(membership=target, actor=Actor.member(stale.user))
    no_entries()


def test_member_left(client, tenant, admin):
    member = factories.MembershipFactory(tenant=tenant)
    client.force_login(member.user)
    client.post(reverse("members:leave", kwargs={"tenant_id": tenant.public_id}))
    event = only_entry(tenant, MemberAction.LEFT)
    assert (event.actor, event.target_user, event.ip) == (member.user, member.user, IP)


def test_last_admin_leaving_records_nothing(admin_client, tenant, admin_membership):
    admin_client.post(reverse("members:leave", kwargs={"tenant_id": tenant.public_id}))
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
    no_entries()


@pytest.mark.parametrize("then", ["stay", "leave"])
def test_ownership_transferred(admin_client, tenant, admin, then):
    target = factories.MembershipFactory(tenant=tenant)
    admin_client.post(members_url(tenant, "transfer", target.pk), {"then": then})
    event = only_entry(tenant, MemberAction.OWNERSHIP_TRANSFERRED)
    assert (event.actor, event.target_user, event.ip) == (admin, target.user, IP)
    assert event.details == {"receiver_old_role": "collaborator", "then": then}


def test_transfer_by_a_non_admin_records_nothing(tenant, admin_membership):
    giver = factories.MembershipFactory(tenant=tenant)
    with pytest.raises(PermissionDenied):
        member_services.ownership_transfer(
            tenant=tenant,
            actor=Actor.member(giver.user),
            to_membership=admin_membership,
            then="stay",
        )
    no_entries()


def test_operator_role_change_and_removal_in_the_django_admin(operator_client, tenant, admin):
    target = factories.MembershipFactory(tenant=tenant)
    change = reverse("admin:members_membership_change", args=[target.pk])
    operator_client.post(change, {"role": Role.ADMIN})
    operator_client.post(
        reverse("admin:members_membership_delete", args=[target.pk]), {"post": "yes"}
    )
    events = list(ActivityEvent.objects.filter(tenant=tenant).order_by("id"))
    assert [e.action for e in events] == [
        MemberAction.ROLE_CHANGED,
        MemberAction.REMOVED,
    ]
    assert {(e.actor, e.actor_kind, e.actor_label) for e in events} == {
        (operator_client.operator, ActorKind.OPERATOR, "Operator")
    }


def test_operator_adding_a_member_records_member_joined(operator_client, tenant):
    user = factories.UserFactory()
    operator_client.post(
        reverse("admin:members_membership_add"),
        {"user": user.pk, "tenant": tenant.pk, "role": Role.COLLABORATOR},
    )
    event = only_entry(tenant, MemberAction.JOINED)
    assert (event.actor, event.actor_kind, event.target_user) == (
        operator_client.operator,
        ActorKind.OPERATOR,
        user,
    )


# -- Invitations -----------------------------------------------------------------------------


def test_invitation_sent_one_entry_per_address(admin_client, tenant, admin, mailoutbox):
    tenant.type, tenant.plan = TenantType.PRODUCTION, Plan.PRO
    tenant.save()
    emails = [f"p{i}@example.com" for i in range(3)]
    admin_client.post(
        invite_url(tenant),
        {"emails": "\n".join(emails), "role": Role.COLLABORATOR, "reviewed_cost": "8.00"},
    )
    events = list(ActivityEvent.objects.filter(tenant=tenant).order_by("id"))
    assert [e.action for e in events] == [InvitationAction.SENT] * 3
    assert [e.target_email for e in events] == emails
    assert {(e.actor, e.ip, e.details["role"]) for e in events} == {(admin, IP, "collaborator")}


def test_refused_invite_records_nothing(tenant, admin):
    with pytest.raises(InvitationsRefused):
        invitation_services.invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=["ok@example.com", "not-an-address"],
            role="admin",
        )
    no_entries()


def test_invite_over_the_member_limit_records_nothing(tenant, admin):
    emails = [f"p{i}@example.com" for i in range(5)]  # a Development tenant holds 3
    with pytest.raises(InvitationsRefused):
        invitation_services.invitation_create_bulk(
            tenant=tenant, actor=Actor.member(admin), emails=emails, role=Role.COLLABORATOR
        )
    assert not Invitation.objects.exists()
    no_entries()


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("resend", InvitationAction.RESENT),
        ("revoke", InvitationAction.REVOKED),
    ],
)
def test_pending_invitation_actions(admin_client, tenant, admin, action, expected):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, role=Role.ADMIN)
    admin_client.post(action_url(invitation, action))
    event = only_entry(tenant, expected)
    assert (event.actor, event.target_email, event.ip, event.details) == (
        admin,
        invitation.email,
        IP,
        {"role": "admin"},
    )


def test_invitation_deleted(admin_client, tenant, admin):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, status=InvitationStatus.REVOKED
    )
    admin_client.post(action_url(invitation, "delete"))
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    event = only_entry(tenant, InvitationAction.DELETED)
    assert (event.actor, event.target_email) == (admin, invitation.email)
    assert event.details == {"role": "collaborator", "status": "revoked"}


@pytest.mark.parametrize(
    ("service", "status"),
    [
        (invitation_services.invitation_resend, InvitationStatus.REVOKED),
        (invitation_services.invitation_revoke, InvitationStatus.ACCEPTED),
        (invitation_services.invitation_delete, InvitationStatus.PENDING),
        (invitation_services.invitation_expire_now, InvitationStatus.REVOKED),
    ],
)
def test_refused_invitation_actions_record_nothing(tenant, admin, service, status):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    with pytest.raises(InvitationActionNotAllowed):
        service(invitation=invitation, actor=Actor.member(admin))
    no_entries()


def test_invitation_accepted_records_accepted_and_member_joined(tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    invitee = factories.UserFactory(email=invitation.email)
    invitation_services.invitation_accept(invitation=invitation, user=invitee, ip="198.51.100.4")
    events = list(ActivityEvent.objects.filter(tenant=tenant).order_by("id"))
    assert [e.action for e in events] == [
        MemberAction.JOINED,
        InvitationAction.ACCEPTED,
    ]
    assert {(e.actor, e.actor_kind, e.target_user, e.ip) for e in events} == {
        (invitee, ActorKind.MEMBER, invitee, "198.51.100.4")
    }
    assert events[0].details == events[1].details == {"role": "collaborator"}


def test_accept_through_the_review_page_records_the_ip(client, tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    client.force_login(factories.UserFactory(email=invitation.email))
    client.get(open_url(factories.invitation_link_token(invitation)))
    client.post(reverse("invitations:review"))
    assert set(ActivityEvent.objects.values_list("action", "ip")) == {
        (MemberAction.JOINED, IP),
        (InvitationAction.ACCEPTED, IP),
    }


def test_accept_over_the_limit_records_nothing(tenant, admin):
    tenant.type, tenant.plan = TenantType.PRODUCTION, Plan.FREE
    tenant.save()
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    with pytest.raises(MemberLimitReached):
        invitation_services.invitation_accept(
            invitation=invitation, user=factories.UserFactory(email=invitation.email)
        )
    no_entries()


def test_accept_by_another_address_records_nothing(tenant, admin):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    with pytest.raises(InvitationEmailMismatch):
        invitation_services.invitation_accept(invitation=invitation, user=factories.UserFactory())
    no_entries()


def test_expiry_job_records_one_system_entry_per_expired_invitation(tenant, admin):
    stale = factories.InvitationFactory.create_batch(3, tenant=tenant, invited_by=admin)
    other = factories.InvitationFactory()  # another tenant's, also stale
    fresh = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, sent_at=timezone.now() + timedelta(days=1)
    )
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert expire_stale_invitations.apply().get() == 4
    events = list(ActivityEvent.objects.order_by("id"))
    assert {e.action for e in events} == {InvitationAction.EXPIRED}
    assert {(e.actor, e.actor_kind, e.actor_label, e.ip) for e in events} == {
        (None, ActorKind.SYSTEM, "System", None)
    }
    assert sorted((e.tenant_id, e.target_email) for e in events) == sorted(
        (i.tenant_id, i.email) for i in [*stale, other]
    )
    assert fresh.email not in {e.target_email for e in events}
    assert all(e.details == {"role": "collaborator"} for e in events)


def test_expiry_job_with_nothing_stale_records_nothing(tenant, admin):
    factories.InvitationFactory(tenant=tenant, invited_by=admin)
    assert expire_stale_invitations.apply().get() == 0
    no_entries()


def test_expiry_sends_the_signal_with_the_entries(tenant, admin):
    from tenants.activity import activity_recorded

    received = []

    def receiver(sender, events, **kwargs):
        received.extend(events)

    factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin)
    activity_recorded.connect(receiver)
    try:
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            assert invitations_expire_stale() == 2
    finally:
        activity_recorded.disconnect(receiver)
    assert sorted(e.pk for e in received) == sorted(
        ActivityEvent.objects.values_list("pk", flat=True)
    )
    assert all(e.action == InvitationAction.EXPIRED and e.tenant_id for e in received)


def test_stale_invitations_expired_while_inviting_are_recorded(tenant, admin):
    old = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        invitation_services.invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=["new@example.com"],
            role=Role.COLLABORATOR,
        )
    assert sorted(ActivityEvent.objects.values_list("action", "target_email")) == [
        (InvitationAction.EXPIRED, old.email),
        (InvitationAction.SENT, "new@example.com"),
    ]


def test_operator_expire_now_and_revoke_in_the_django_admin(operator_client, tenant, admin):
    first, second = factories.InvitationFactory.create_batch(2, tenant=tenant, invited_by=admin)
    changelist = reverse("admin:invitations_invitation_changelist")
    operator_client.post(
        changelist, {"action": "expire_invitations_now", ACTION_CHECKBOX_NAME: [first.pk]}
    )
    operator_client.post(
        changelist, {"action": "revoke_invitations", ACTION_CHECKBOX_NAME: [second.pk]}
    )
    events = list(ActivityEvent.objects.order_by("id"))
    assert [(e.action, e.target_email) for e in events] == [
        (InvitationAction.EXPIRED, first.email),
        (InvitationAction.REVOKED, second.email),
    ]
    assert {(e.actor, e.actor_kind, e.ip) for e in events} == {
        (operator_client.operator, ActorKind.OPERATOR, IP)
    }


def test_refused_admin_bulk_action_records_nothing(operator_client, tenant, admin):
    pending = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    revoked = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, status=InvitationStatus.REVOKED
    )
    operator_client.post(
        reverse("admin:invitations_invitation_changelist"),
        {"action": "revoke_invitations", ACTION_CHECKBOX_NAME: [pending.pk, revoked.pk]},
    )
    assert Invitation.objects.get(pk=pending.pk).status == InvitationStatus.PENDING
    no_entries()


def test_email_failed_records_a_system_entry(tenant, admin):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email_status=EmailStatus.QUEUED
    )
    claimed = outbox.invitation_email_claim(invitation_id=invitation.pk)
    assert outbox.invitation_email_mark_failed(invitation=claimed, error="550 no")
    event = only_entry(tenant, InvitationAction.EMAIL_FAILED)
    assert (event.actor_kind, event.target_email, event.details) == (
        ActorKind.SYSTEM,
        invitation.email,
        {"role": "collaborator", "error": "550 no"},
    )


def test_email_failed_after_a_resend_records_nothing(tenant, admin):
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email_status=EmailStatus.QUEUED
    )
    claimed = outbox.invitation_email_claim(invitation_id=invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(link_salt="another-link")
    assert not outbox.invitation_email_mark_failed(invitation=claimed, error="550")
    no_entries()


# -- Tenants ----------------------------------------------------------------------------------


def test_tenant_created_from_the_console(client, user):
    client.force_login(user)
    client.post(reverse("tenants:create"), {"name": "Acme", "type": TenantType.DEVELOPMENT})
    event = ActivityEvent.objects.get()
    assert (event.action, event.tenant.name, event.actor, event.ip) == (
        TenantAction.CREATED,
        "Acme",
        user,
        IP,
    )
    assert event.details == {"name": "Acme", "type": "development", "plan": ""}


def test_invalid_tenant_records_nothing(user):
    with pytest.raises(ValidationError):
        tenant_services.tenant_create(owner=user, name="   ")
    no_entries()


def test_tenant_renamed(admin_client, tenant, admin):
    old = tenant.name
    admin_client.post(
        reverse("tenant_settings:settings", kwargs={"tenant_id": tenant.public_id}),
        {"name": "New name"},
    )
    event = only_entry(tenant, TenantAction.RENAMED)
    assert (event.actor, event.ip, event.details) == (
        admin,
        IP,
        {"old_name": old, "new_name": "New name"},
    )


def test_refused_rename_records_nothing(tenant, admin):
    with pytest.raises(ValidationError):
        tenant_services.tenant_rename(tenant=tenant, name="x" * 65, actor=Actor.member(admin))
    no_entries()


def tenant_admin_post(client, tenant, **changes):
    data = {
        "name": tenant.name,
        "type": tenant.type,
        "plan": tenant.plan,
        "member_limit_override": tenant.member_limit_override or "",
        **changes,
    }
    return client.post(reverse("admin:tenants_tenant_change", args=[tenant.pk]), data)


def test_operator_changes_plan_and_member_limit(operator_client, tenant):
    tenant_admin_post(
        operator_client,
        tenant,
        type=TenantType.PRODUCTION,
        plan=Plan.PRO,
        member_limit_override=10,
    )
    events = {e.action: e for e in ActivityEvent.objects.filter(tenant=tenant)}
    assert set(events) == {TenantAction.PLAN_CHANGED, TenantAction.MEMBER_LIMIT_CHANGED}
    assert events[TenantAction.PLAN_CHANGED].details == {
        "old_type": "development",
        "old_plan": "",
        "new_type": "production",
        "new_plan": "pro",
    }
    assert events[TenantAction.MEMBER_LIMIT_CHANGED].details == {
        "old_limit": None,
        "new_limit": 10,
    }
    assert {(e.actor, e.actor_kind, e.ip) for e in events.values()} == {
        (operator_client.operator, ActorKind.OPERATOR, IP)
    }


def test_operator_rename_and_unchanged_save(operator_client, tenant):
    old = tenant.name
    tenant_admin_post(operator_client, tenant)  # nothing changed: nothing recorded
    no_entries()
    tenant_admin_post(operator_client, tenant, name="Renamed")
    event = only_entry(tenant, TenantAction.RENAMED)
    assert event.actor_kind == ActorKind.OPERATOR
    assert event.details == {"old_name": old, "new_name": "Renamed"}


def test_operator_invalid_edit_records_nothing(operator_client, tenant):
    tenant.name = ""
    with pytest.raises(ValidationError):
        tenant_services.tenant_operator_save(
            tenant=tenant, actor=Actor.operator(operator_client.operator)
        )
    tenant_admin_post(operator_client, tenant, name="", member_limit_override=5)
    no_entries()


def test_operator_creates_a_tenant(operator_client):
    operator_client.post(
        reverse("admin:tenants_tenant_add"),
        {"name": "Made by ops", "type": TenantType.PRODUCTION, "plan": Plan.FREE},
    )
    event = ActivityEvent.objects.get()
    assert (event.action, event.tenant.name, event.actor_kind) == (
        TenantAction.CREATED,
        "Made by ops",
        ActorKind.OPERATOR,
    )
