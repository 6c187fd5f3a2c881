"""Read paths for onboarding: the Get started checklist's facts, from data."""

from django.db.models import Count, Q

from console.onboarding.checklist import Checklist, ChecklistFacts, build_checklist
from console.onboarding.models import ChecklistState
from invitations.models import Invitation
from members.models import Membership, Role
from tenants.models import Tenant, TenantType


def checklist_facts(*, user, tenant, memberships=None) -> ChecklistFacts:
    """Four small indexed queries, however many members or invitations the tenant has:
    member and admin counts, whether any invitation was ever created, whether the
    user is in a production tenant, and the user's stored state.

    ``memberships``, the user's memberships with their tenants when the caller
    already has them (the header's list), answers the production question
    without a query.
    """
    counts = Membership.objects.filter(tenant=tenant).aggregate(
        members=Count("pk"), admins=Count("pk", filter=Q(role=Role.ADMIN))
    )
    invitation_sent = Invitation.objects.filter(tenant=tenant).exists()
    if memberships is None:
        in_production_tenant = Membership.objects.filter(
            user=user, tenant__type=TenantType.PRODUCTION
        ).exists()
    else:
        in_production_tenant = any(m.tenant.type == TenantType.PRODUCTION for m in memberships)
    state = ChecklistState.objects.filter(user=user, tenant=tenant).first()
    return ChecklistFacts(
        members=counts["members"],
        admins=counts["admins"],
        invitation_sent=invitation_sent,
        in_production_tenant=in_production_tenant,
        community_joined=bool(state and state.community_joined_at),
        self_hosting_guide_opened=bool(state and state.self_hosting_guide_opened_at),
        hidden=bool(state and state.hidden),
    )


def get_started_checklist(*, user, membership, memberships=None) -> Checklist:
    """The user's checklist in the membership's tenant, with done states computed from data."""
    tenant = membership.tenant
    return build_checklist(
        facts=checklist_facts(user=user, tenant=tenant, memberships=memberships),
        segment=user.segment,
        tenant_id=tenant.public_id,
        permissions=membership.permissions,
    )


def signup_tenant(*, user) -> Tenant | None:
    """The Development tenant made for ``user`` at sign-up (their first one), if any."""
    return (
        Tenant.objects.filter(
            memberships__user=user,
            memberships__role=Role.ADMIN,
            type=TenantType.DEVELOPMENT,
        )
        .order_by("created_at", "pk")
        .first()
    )
