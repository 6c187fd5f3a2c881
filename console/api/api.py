"""The JSON API under ``/api/v1/`` (django-ninja): thin endpoints over the same services.

Every endpoint authenticates the Bearer key (401), checks the key's scope
(a read key writing: 403), asks ``members.permissions`` whether the key's
creator may do this now (403), resolves ids inside the key's tenant only
(404 otherwise), then calls the service the console's views call. Errors
are problem details (``console.api.problems``).

The acting person, for the services and the activity log, is the admin who
created the key: the services re-check their role under the tenant lock, the
daily invitation limits count against them, and the log names them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import URLPattern
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Status
from ninja.security import HttpBearer

from console import ratelimit
from console.api import cursors, problems, selectors, services
from console.api.problems import Problem
from console.api.schemas import (
    ActivityPage,
    InvitationOut,
    InvitationPage,
    InvitationsCreated,
    InviteIn,
    MemberOut,
    MemberPage,
    ProblemOut,
    RoleIn,
)
from console.client_ip import client_ip
from invitations import services as invitation_services
from invitations import validators
from invitations.exceptions import InvitationActionNotAllowed, InvitationsRefused
from invitations.models import Invitation, InvitationStatus
from invitations.selectors import invitations_for_tab
from members import services as member_services
from members.models import Membership
from members.permissions import (
    INVITE_MEMBERS,
    MANAGE_INVITATIONS,
    MANAGE_MEMBERS,
    VIEW_ACTIVITY,
    VIEW_MEMBERS,
)
from tenants.models import ActivityAction, ActivityEvent
from tenants.selectors import two_step_missing


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer tc_<prefix>_<secret>``: the key's holder, or None (401).

    While the key's tenant requires two-step verification and its creator has
    none, the key is refused (401, naming why) by the same selector that sends
    that person to set it up on the tenant's pages: a key never reaches what
    its creator's browser cannot. It works again once they turn it on.
    """

    def authenticate(self, request, token: str):
        holder = selectors.key_holder_for_token(token, now=timezone.now())
        if holder is None:
            return None
        if two_step_missing(tenant=holder.tenant, user=holder.membership.user):
            raise problems.two_step_required()
        _count_request(holder.api_key)
        services.api_key_mark_used(api_key=holder.api_key)
        return holder


def request_limit() -> ratelimit.Limit:
    return ratelimit.Limit("api-requests", settings.API_REQUESTS_PER_KEY_PER_MINUTE, 60)


def _count_request(api_key) -> None:
    """Refuse (429) a key past its requests per minute; counted only for valid keys."""
    limit = request_limit()
    try:
        ratelimit.check_and_record(
            limit,
            str(api_key.pk),
            f"This key may send at most {limit.max_hits:,} requests a minute. Try again shortly.",
        )
    except ratelimit.RateLimited as error:
        raise _too_many(str(error), limit.window_seconds) from error


class ConsoleAPI(NinjaAPI):
    """NinjaAPI whose URLs answer every error, 405 included, as a problem."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return [_problem_405(pattern) for pattern in patterns], app_name, namespace


def _problem_405(pattern):
    if not isinstance(pattern, URLPattern):  # ninja's URLs are all plain patterns today
        return pattern
    return URLPattern(
        pattern.pattern,
        problems.method_not_allowed_as_problem(pattern.callback),
        pattern.default_args,
        pattern.name,
    )


api = ConsoleAPI(
    title="Tenant console API",
    version="1",
    description=(
        "Manage one tenant's members and invitations. Authenticate with "
        "`Authorization: Bearer <key>`; create keys on the tenant's API keys tab."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The docs page and the schema are read-only: other methods are 405.
    docs_decorator=require_safe,
)
problems.install(api)

# Every endpoint may answer these (429: the key's requests per minute).
ERRORS = dict.fromkeys((401, 403, 404, 422, 429), ProblemOut)
WRITE_ERRORS = {**ERRORS, 409: ProblemOut, 413: ProblemOut}


def _holder(request, permission: str, *, write: bool) -> selectors.KeyHolder:
    """The key's holder, if its scope and its creator's role allow ``permission``."""
    holder: selectors.KeyHolder = request.auth
    if write and not holder.api_key.can_write:
        raise Problem(
            403, "This key has the Read scope: it cannot change anything.", code="read-only-key"
        )
    if not holder.membership.can(permission):
        raise Problem(
            403,
            "The admin who created this key is no longer allowed to do this in the tenant.",
            code="forbidden",
        )
    return holder


def _in_tenant(queryset: QuerySet, pk: int):
    """The row ``pk`` of a tenant-scoped queryset, or 404 (another tenant's id included)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Problem(404, "Nothing with this id exists in the key's tenant.", code="not-found")
    return row


def _too_many(message: str, retry_after: int) -> Problem:
    # The limits are fixed windows whose start is not kept: the window's
    # length is an honest upper bound on the wait.
    return Problem(429, message, code="rate-limited", headers={"Retry-After": str(retry_after)})


def _membership_refused(error: member_services.MembershipError) -> Problem:
    if isinstance(error, member_services.LastAdminError):
        return Problem(409, str(error.message), code="last-admin")
    if isinstance(error, member_services.MemberGoneError) or error.code == "tenant_gone":
        return Problem(404, str(error.message), code="not-found")
    return Problem(422, str(error.message), code="invalid-input")


# -- Members ------------------------------------------------------------------------------------


@api.get("/members", response={200: MemberPage, **ERRORS}, url_name="members", tags=["members"])
def list_members(request, cursor: str | None = None, limit: int = cursors.DEFAULT_LIMIT):
    """The tenant's members, oldest first."""
    holder = _holder(request, VIEW_MEMBERS, write=False)
    memberships = Membership.objects.filter(tenant_id=holder.tenant.pk).select_related("user")
    return cursors.page(memberships, cursor=cursor, limit=limit, newest_first=False)


@api.patch(
    "/members/{member_id}",
    response={200: MemberOut, **WRITE_ERRORS},
    url_name="member",
    tags=["members"],
)
def change_member_role(request, member_id: int, payload: RoleIn):
    """Give a member a role. Refused (409) when it would leave the tenant without an admin."""
    holder = _holder(request, MANAGE_MEMBERS, write=True)
    membership = _in_tenant(holder.tenant.memberships.select_related("user"), member_id)
    try:
        return member_services.membership_change_role(
            membership=membership,
            role=payload.role,
            actor_membership=holder.membership,
            ip=client_ip(request),
        )
    except member_services.MembershipError as error:
        raise _membership_refused(error) from error


@api.delete(
    "/members/{member_id}",
    response={204: None, **WRITE_ERRORS},
    url_name="member",
    tags=["members"],
)
def remove_member(request, member_id: int):
    """Remove a member. The tenant's last admin cannot be removed (409)."""
    holder = _holder(request, MANAGE_MEMBERS, write=True)
    membership = _in_tenant(holder.tenant.memberships.select_related("user"), member_id)
    try:
        member_services.membership_remove(
            membership=membership, actor_membership=holder.membership, ip=client_ip(request)
        )
    except member_services.MembershipError as error:
        raise _membership_refused(error) from error
    return Status(204, None)


# -- Invitations --------------------------------------------------------------------------------


@api.get(
    "/invitations",
    response={200: InvitationPage, **ERRORS},
    url_name="invitations",
    tags=["invitations"],
)
def list_invitations(
    request,
    status: InvitationStatus | None = None,
    cursor: str | None = None,
    limit: int = cursors.DEFAULT_LIMIT,
):
    """The tenant's invitations, newest first, optionally of one status (as the tab shows it)."""
    holder = _holder(request, MANAGE_INVITATIONS, write=False)
    invitations = invitations_for_tab(tenant=holder.tenant, status=status or "")
    return cursors.page(invitations, cursor=cursor, limit=limit, newest_first=True)


@api.post(
    "/invitations",
    response={201: InvitationsCreated, **WRITE_ERRORS},
    url_name="invitations",
    tags=["invitations"],
)
def create_invitations(request, payload: InviteIn):
    """Invite every address with one role, all or none, under the same rules as the invite form.

    Wrong addresses (not an address, already a member, already invited) are
    listed in ``errors`` (422); a submission past the member limit or the
    plan is 409; past a daily invitation limit, 429. Nothing is created then.
    """
    holder = _holder(request, INVITE_MEMBERS, write=True)
    # The form's own size check and wording (one home: invitations.validators).
    try:
        validators.validate_submission_size([a for a in payload.emails if a.strip()])
    except ValidationError as error:
        raise Problem(422, " ".join(error.messages), code="invalid-input") from error
    try:
        created = invitation_services.invitation_create_bulk(
            tenant=holder.tenant,
            inviter=holder.membership.user,
            emails=payload.emails,
            role=payload.role,
            ip=client_ip(request),
            email_language=payload.language or "",
        )
    except InvitationsRefused as refused:
        raise _invitations_refused(refused, payload.emails) from refused
    except ratelimit.RateLimited as error:
        raise _too_many(str(error.message), ratelimit.DAY) from error
    return Status(201, {"items": created})


def _invitations_refused(refused: InvitationsRefused, emails: list[str]) -> Problem:
    if not refused.address_errors:
        # Only whole-submission refusals are left: the member limit or the plan.
        return Problem(409, " ".join(refused.errors), code="member-limit")
    errors = [
        {"pointer": f"#/emails/{emails.index(typed)}", "address": typed, "detail": message}
        for typed, message in refused.address_errors.items()
    ]
    errors += [{"pointer": "#/emails", "detail": message} for message in refused.errors]
    count = len(refused.address_errors)
    return Problem(
        422,
        f"{count} address{'es' if count != 1 else ''} cannot be invited. Nothing was sent.",
        code="invalid-addresses",
        errors=errors,
    )


def _invitation(holder: selectors.KeyHolder, invitation_id: int) -> Invitation:
    return _in_tenant(
        Invitation.objects.filter(tenant_id=holder.tenant.pk).select_related("invited_by"),
        invitation_id,
    )


def _not_allowed(error: InvitationActionNotAllowed) -> Problem:
    return Problem(409, str(error.message), code="not-allowed-in-status")


@api.post(
    "/invitations/{invitation_id}/resend",
    response={200: InvitationOut, **WRITE_ERRORS},
    url_name="invitation_resend",
    tags=["invitations"],
)
def resend_invitation(request, invitation_id: int):
    """Send a Pending invitation again with a new link and 7 more days (3 times an hour at most)."""
    holder = _holder(request, MANAGE_INVITATIONS, write=True)
    invitation = _invitation(holder, invitation_id)
    try:
        invitation = invitation_services.invitation_resend(
            invitation=invitation, actor=holder.membership.user, ip=client_ip(request)
        )
    except InvitationActionNotAllowed as error:
        raise _not_allowed(error) from error
    except ratelimit.RateLimited as error:
        raise _too_many(
            str(error.message), ratelimit.invitation_resend_limit().window_seconds
        ) from error
    return _invitation(holder, invitation.pk)


@api.post(
    "/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **WRITE_ERRORS},
    url_name="invitation_revoke",
    tags=["invitations"],
)
def revoke_invitation(request, invitation_id: int):
    """Revoke a Pending invitation: its link stops working and its seat is freed."""
    holder = _holder(request, MANAGE_INVITATIONS, write=True)
    invitation = _invitation(holder, invitation_id)
    try:
        invitation_services.invitation_revoke(
            invitation=invitation, actor=holder.membership.user, ip=client_ip(request)
        )
    except InvitationActionNotAllowed as error:
        raise _not_allowed(error) from error
    return _invitation(holder, invitation.pk)


@api.delete(
    "/invitations/{invitation_id}",
    response={204: None, **WRITE_ERRORS},
    url_name="invitation",
    tags=["invitations"],
)
def delete_invitation(request, invitation_id: int):
    """Delete an Accepted, Expired or Revoked invitation (revoke a Pending one first)."""
    holder = _holder(request, MANAGE_INVITATIONS, write=True)
    invitation = _invitation(holder, invitation_id)
    try:
        invitation_services.invitation_delete(
            invitation=invitation, actor=holder.membership.user, ip=client_ip(request)
        )
    except InvitationActionNotAllowed as error:
        raise _not_allowed(error) from error
    return Status(204, None)


# -- Activity -----------------------------------------------------------------------------------


@api.get(
    "/activity", response={200: ActivityPage, **ERRORS}, url_name="activity", tags=["activity"]
)
def list_activity(
    request,
    action: ActivityAction | None = None,
    cursor: str | None = None,
    limit: int = cursors.DEFAULT_LIMIT,
):
    """The tenant's activity log, newest first, optionally one action."""
    holder = _holder(request, VIEW_ACTIVITY, write=False)
    events = ActivityEvent.objects.filter(tenant_id=holder.tenant.pk)
    if action:
        events = events.filter(action=action)
    return cursors.page(events, cursor=cursor, limit=limit, newest_first=True)


api.add_router("/requests", "console.api.requests.router")  # issue 21: join and invite requests
