"""Join requests and invite requests: ways in that wait for an admin.

- **Request to join**: a person whose confirmed address is at a tenant's
  verified domain with enrollment *Ask to join* asks to become a member
  (``join_request_create``). *Join automatically* makes them a Collaborator
  the next time they sign in or confirm their address (``domain_enroll``),
  or, when the tenant is full or requires two-step verification they lack,
  makes a join request instead.
- **Request invitations**: a collaborator asks for addresses to be invited
  (``invite_request_create``); approving sends them exactly as the invite
  form would (``invitation_create_bulk``: the same refusals, all or nothing).

Rules, each enforced here under the tenant lock: one open request per person
and tenant (also a partial unique constraint); a person declined in the last
``DECLINE_WAIT`` cannot ask again; requests are rate limited per person;
approving a join request checks the member limit as acceptance does. Emails
(the admins about new requests, at most one per admin per tenant per hour;
the requester about the outcome) go through the worker after the commit.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from console.accounts.selectors import email_confirmed, two_step_enabled
from console.ratelimit import Limit, check_and_record
from invitations import tasks
from invitations.activity import InvitationAction
from invitations.exceptions import AlreadyMember, InvitationsRefused, MemberLimitReached
from invitations.models import AccessRequest, RequestKind, RequestStatus
from invitations.services import invitation_create_bulk, invite_check
from members.models import Membership, Role
from members.permissions import INVITE_MEMBERS, MANAGE_MEMBERS
from members.services import membership_add
from tenants import policies
from tenants.activity import activity_record
from tenants.actors import Actor, actor_require
from tenants.domain_names import domain_of_address, is_mail_provider
from tenants.models import Domain, Enrollment, Tenant

DECLINE_WAIT = timedelta(days=30)

NOT_OFFERED = gettext_lazy(
    "“%(tenant)s” does not take join requests from your address. Ask one of its admins "
    "to invite you."
)
ALREADY_OPEN = gettext_lazy(
    "You already have an open request for “%(tenant)s”. Its admins will decide on it."
)
DECLINED_RECENTLY = gettext_lazy(
    "Your last request for “%(tenant)s” was declined. You can ask again from %(date)s."
)
TOO_MANY = gettext_lazy("You have made many requests today. Try again tomorrow.")
NOT_OPEN = gettext_lazy("This request was already decided.")
ADMINS_ONLY = gettext_lazy("Only tenant admins can do this.")
COLLABORATORS_ONLY = gettext_lazy(
    "Admins invite members directly: use Invite members instead of requesting invitations."
)


def requests_per_day() -> Limit:
    return Limit("access-requests", settings.ACCESS_REQUESTS_PER_PERSON_PER_DAY, 24 * 60 * 60)


# -- Reads -------------------------------------------------------------------------------------


def domain_for_user(*, tenant_id: int | None = None, user, enrollment: str | None = None):
    """Verified domains at ``user``'s confirmed address (one at most per tenant), or none
    when the address is not confirmed: a typed address never counts."""
    name = domain_of_address(user.email)
    # A mail provider is never a tenant's domain: nothing to look up (no query).
    if not name or is_mail_provider(name) or not email_confirmed(user=user):
        return Domain.objects.none()
    domains = Domain.objects.filter(name=name, verified_at__isnull=False).select_related("tenant")
    if tenant_id is not None:
        domains = domains.filter(tenant_id=tenant_id)
    if enrollment is not None:
        domains = domains.filter(enrollment=enrollment)
    return domains


def open_requests(*, tenant: Tenant):
    """The Requests section and the API: open requests, oldest first."""
    return (
        AccessRequest.objects.filter(tenant=tenant, status=RequestStatus.OPEN)
        .select_related("requester")
        .order_by("created_at", "id")
    )


def request_in_tenant(*, tenant: Tenant, pk: int) -> AccessRequest:
    """One of ``tenant``'s requests; another tenant's id is ``AccessRequest.DoesNotExist``."""
    return AccessRequest.objects.select_related("requester", "tenant").get(tenant=tenant, pk=pk)


# -- Asking -------------------------------------------------------------------------------------


def _refuse_unless_may_ask(*, tenant: Tenant, user, kind: str) -> None:
    """Under the tenant lock: one open request per person, and the wait after a decline."""
    if AccessRequest.objects.filter(
        tenant=tenant, requester=user, status=RequestStatus.OPEN
    ).exists():
        raise ValidationError(ALREADY_OPEN, code="open", params={"tenant": tenant.name})
    last_declined = (
        AccessRequest.objects.filter(
            tenant=tenant,
            requester=user,
            kind=kind,
            status=RequestStatus.DECLINED,
            decided_at__gt=timezone.now() - DECLINE_WAIT,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if last_declined is not None:
        raise ValidationError(
            DECLINED_RECENTLY,
            code="declined",
            params={
                "tenant": tenant.name,
                "date": date_format(
                    timezone.localtime(last_declined + DECLINE_WAIT), "DATE_FORMAT"
                ),
            },
        )


def _create(
    *, tenant: Tenant, user, kind: str, emails: list[str], ip: str | None, rate_limited: bool
) -> AccessRequest:
    _refuse_unless_may_ask(tenant=tenant, user=user, kind=kind)
    if rate_limited:
        check_and_record(requests_per_day(), str(user.pk), str(TOO_MANY))
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                tenant=tenant, requester=user, kind=kind, emails=emails
            )
    except IntegrityError:  # a second tab asked at the same moment
        raise ValidationError(ALREADY_OPEN, code="open", params={"tenant": tenant.name}) from None
    activity_record(
        tenant=tenant,
        action=(
            InvitationAction.JOIN_REQUESTED
            if kind == RequestKind.JOIN
            else InvitationAction.REQUESTED
        ),
        actor=user,
        target_user=user if kind == RequestKind.JOIN else None,
        details={"emails": emails} if kind == RequestKind.INVITE else {},
        ip=ip,
    )
    _tell_admins_on_commit(tenant.pk)
    return access_request


@transaction.atomic
def join_request_create(*, tenant: Tenant, user, ip: str | None = None) -> AccessRequest:
    """**Request to join**: only for a person whose confirmed address is at one of
    ``tenant``'s verified domains with *Ask to join* (or *Join automatically*, for
    someone who could not join at once), not yet a member."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if (
        not domain_for_user(tenant_id=tenant.pk, user=user)
        .exclude(enrollment=Enrollment.OFF)
        .exists()
    ):
        raise PermissionDenied(str(NOT_OFFERED % {"tenant": tenant.name}))
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise AlreadyMember(
            gettext("You are already a member of “%(tenant)s”.") % {"tenant": tenant.name}
        )
    return _create(
        tenant=tenant,
        user=user,
        kind=RequestKind.JOIN,
        emails=[user.email],
        ip=ip,
        rate_limited=True,
    )


@transaction.atomic
def invite_request_create(
    *, tenant: Tenant, user, emails: list[str], ip: str | None = None
) -> AccessRequest:
    """**Request invitations** (a collaborator): the addresses pass the invite form's
    rules now (``invite_check``) and are checked again when an admin approves."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    membership = Membership.objects.filter(tenant=tenant, user=user).first()
    if membership is None:
        raise PermissionDenied(str(ADMINS_ONLY))
    if membership.can(INVITE_MEMBERS):
        raise ValidationError(COLLABORATORS_ONLY, code="admin")
    check = invite_check(tenant=tenant, emails=emails)
    if not check.ok:
        raise InvitationsRefused(address_errors=check.address_errors, errors=check.errors)
    return _create(
        tenant=tenant,
        user=user,
        kind=RequestKind.INVITE,
        emails=check.addresses,
        ip=ip,
        rate_limited=True,
    )


# -- Join automatically -------------------------------------------------------------------------


def domain_enroll(*, user, ip: str | None = None) -> list[Membership]:
    """On sign-in and on confirming an address: join each tenant whose verified
    domain is at ``user``'s confirmed address with *Join automatically* (as a
    Collaborator, "member joined" with detail "domain").

    When the tenant is full (the limit as at acceptance: members + 1) or
    requires two-step verification the person lacks, a join request is made
    instead (unless one is open or was declined in the last 30 days). An
    unconfirmed address joins nothing.
    """
    joined = []
    for domain in domain_for_user(user=user, enrollment=Enrollment.AUTOMATIC):
        with transaction.atomic():
            tenant = Tenant.objects.select_for_update().get(pk=domain.tenant_id)
            # Re-read under the lock: removed or switched off meanwhile joins nobody.
            if not Domain.objects.filter(
                pk=domain.pk, verified_at__isnull=False, enrollment=Enrollment.AUTOMATIC
            ).exists():
                continue
            membership = join_or_request(tenant=tenant, user=user, via="domain", ip=ip)
            if membership is not None:
                joined.append(membership)
    return joined


def join_or_request(*, tenant: Tenant, user, via: str, ip: str | None = None) -> Membership | None:
    """With the tenant locked by the caller: make ``user`` a Collaborator ("member
    joined" with detail ``via``), or, when the tenant is full or requires two-step
    verification the person lacks, a join request instead (unless one is open or
    was declined in the last 30 days). Returns the new membership, else None
    (already a member, or a request).
    """
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        return None
    if _fits(tenant) and not (tenant.require_two_step and not two_step_enabled(user=user)):
        return membership_add(tenant=tenant, user=user, role=Role.COLLABORATOR, ip=ip, via=via)
    try:
        with transaction.atomic():
            _create(
                tenant=tenant,
                user=user,
                kind=RequestKind.JOIN,
                emails=[user.email],
                ip=ip,
                rate_limited=False,
            )
    except ValidationError:
        pass  # already asked, or declined lately: nothing more to do
    return None


def _fits(tenant: Tenant) -> bool:
    limit = policies.member_limit(tenant)
    return limit is None or tenant.memberships.count() + 1 <= limit


# -- Deciding -----------------------------------------------------------------------------------


def _locked_open(access_request: AccessRequest, actor: Actor) -> tuple[Tenant, AccessRequest]:
    tenant = actor_require(
        actor=actor,
        tenant_id=access_request.tenant_id,
        permission=MANAGE_MEMBERS,
        refusal=ADMINS_ONLY,
    )
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if not locked.is_open:
        raise ValidationError(NOT_OPEN, code="decided")
    locked.tenant = tenant
    return tenant, locked


def _close(access_request: AccessRequest, *, status: str, actor: Actor, role: str = "") -> None:
    access_request.status = status
    access_request.decided_at = timezone.now()
    access_request.decided_by = actor.user
    access_request.role = role
    access_request.save(update_fields=["status", "decided_at", "decided_by", "role"])
    _after_commit(tasks.send_request_outcome, access_request.pk)


@transaction.atomic
def request_approve(
    *,
    access_request: AccessRequest,
    actor: Actor,
    role: str = Role.COLLABORATOR,
    ip: str | None = None,
) -> AccessRequest:
    """**Approve**: a join request makes the member with ``role`` (refused, nothing
    changed, when the tenant is full: the message names the limit); an invite
    request invites its addresses as Collaborators through the invite form's
    own service (its refusals, all or nothing)."""
    tenant, locked = _locked_open(access_request, actor)
    if locked.kind == RequestKind.JOIN:
        if role not in Role.values:
            raise ValidationError(gettext_lazy("Choose a role: Admin or Collaborator."))
        user = locked.requester
        if Membership.objects.filter(tenant=tenant, user=user).exists():
            raise AlreadyMember(
                gettext("%(email)s is already a member of “%(tenant)s”.")
                % {"email": user.email, "tenant": tenant.name}
            )
        limit = policies.member_limit(tenant)
        members = tenant.memberships.count()
        if limit is not None and members + 1 > limit:
            raise MemberLimitReached(
                policies.member_limit_full_message(tenant, limit=limit, members=members)
            )
        membership_add(tenant=tenant, user=user, role=role, ip=ip, via="request")
        activity_record(
            tenant=tenant,
            action=InvitationAction.JOIN_APPROVED,
            target_user=user,
            details={"role": role},
            ip=ip,
            **actor.recorded_as,
        )
        _close(locked, status=RequestStatus.APPROVED, actor=actor, role=role)
    else:
        invitation_create_bulk(
            tenant=tenant, actor=actor, emails=list(locked.emails), role=Role.COLLABORATOR, ip=ip
        )
        activity_record(
            tenant=tenant,
            action=InvitationAction.REQUEST_APPROVED,
            target_user=locked.requester,
            details={"emails": locked.emails},
            ip=ip,
            **actor.recorded_as,
        )
        _close(locked, status=RequestStatus.APPROVED, actor=actor, role=Role.COLLABORATOR)
    return locked


@transaction.atomic
def request_decline(
    *, access_request: AccessRequest, actor: Actor, ip: str | None = None
) -> AccessRequest:
    """**Decline**: the requester is told, and cannot ask again for ``DECLINE_WAIT``."""
    tenant, locked = _locked_open(access_request, actor)
    activity_record(
        tenant=tenant,
        action=(
            InvitationAction.JOIN_DECLINED
            if locked.kind == RequestKind.JOIN
            else InvitationAction.REQUEST_DECLINED
        ),
        target_user=locked.requester,
        details={"emails": locked.emails} if locked.kind == RequestKind.INVITE else {},
        ip=ip,
        **actor.recorded_as,
    )
    _close(locked, status=RequestStatus.DECLINED, actor=actor)
    return locked


# -- Emails (sent by the worker) ---------------------------------------------------------------


def _after_commit(task, *args) -> None:
    # robust: the change is committed by then; a broker that does not answer is
    # logged, never shown as a 500 (these notices have no outbox to redo them).
    transaction.on_commit(lambda: task.apply_async(args=args), robust=True)


def _tell_admins_on_commit(tenant_id: int) -> None:
    _after_commit(tasks.send_request_notice_to_admins, tenant_id)
