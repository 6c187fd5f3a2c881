"""Every API error as ``application/problem+json`` (RFC 9457).

A problem has ``type`` (a URN naming the kind of problem, ``about:blank``
when the status code says it all), ``title`` (the same for every problem of
that type), ``status``, ``detail`` (this occurrence, in words a person can
act on) and, when input was wrong, ``errors``: one object per wrong address
or field, each with ``detail`` and a JSON ``pointer`` into the request
(``#/emails/2``), plus ``address`` for an email address.

Endpoints map no errors themselves: a service refuses with a
``django.core.exceptions.ValidationError`` (README, "One error style") or
``PermissionDenied``, and ``install`` maps each kind to its status here, once.
"""

import functools
import json
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as Refusal
from django.http import Http404, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from console import ratelimit
from invitations.exceptions import (
    InvitationActionNotAllowed,
    InvitationsRefused,
    MemberLimitReached,
)
from invitations.validators import MAX_ADDRESSES_PER_SUBMISSION
from members.services import LastAdminError, MemberGoneError
from tenants.actors import TenantGone

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:tenant-console:problem:"


class Problem(Exception):
    """Raised by endpoints; turned into a problem response by the API's handler."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(detail)


# The titles of the problem types the endpoints raise; the type's meaning never varies.
TITLES = {
    "invalid-input": "The request is not valid",
    "invalid-addresses": "Some addresses cannot be invited",
    "member-limit": "The member limit does not allow this",
    "last-admin": "A tenant needs at least one admin",
    "not-allowed-in-status": "Not allowed in the invitation's status",
    "rate-limited": "Too many requests",
    "read-only-key": "This API key is read-only",
    "forbidden": "Not allowed for this key's role",
    "unauthorized": "A valid API key is required",
    "two-step-required": "Two-step verification is required",
    "not-found": "Not found",
    "too-large": "The request is too large",
    "method-not-allowed": "Method not allowed",
}


BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def two_step_required() -> Problem:
    """A 401 for a key whose creator lacks the two-step verification its tenant requires."""
    return Problem(
        401,
        "The tenant requires two-step verification, and the admin who created this key "
        "has not turned it on. The key works again once they turn on two-step "
        "verification for their account.",
        code="two-step-required",
        headers=BEARER_CHALLENGE,
    )


def problem_response(problem: Problem) -> JsonResponse:
    body = {
        "type": f"{TYPE_PREFIX}{problem.code}" if problem.code else "about:blank",
        "title": problem.title or TITLES.get(problem.code or "", HTTPStatus(problem.status).phrase),
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def method_not_allowed_as_problem(view):
    """Wrap an API URL's view so its 405 is a problem too, ``Allow`` kept.

    ninja (and ``require_safe`` on the docs) answer a method no operation
    handles with Django's plain-text ``HttpResponseNotAllowed`` before any
    exception handler runs, so the answer is rewritten on its way out.
    """

    @functools.wraps(view)  # keeps ninja's csrf_exempt on the wrapper
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type") == PROBLEM_CONTENT_TYPE:
            return response
        allowed = response.get("Allow", "")
        detail = f"{request.method} is not allowed here."
        if allowed:
            detail += f" Allowed: {allowed}."
        return problem_response(
            Problem(
                405,
                detail,
                code="method-not-allowed",
                headers={"Allow": allowed} if allowed else None,
            )
        )

    return wrapped


def pointer(loc) -> str:
    """A JSON pointer into the request from ninja's error location (``body``/``query`` dropped)."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
    if parts and parts[0] == "payload":  # ninja names the body parameter
        parts = parts[1:]
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def refusal_problem(request, refusal: Refusal) -> Problem:
    """A service's refusal as a problem: the ``ValidationError`` hierarchy, most specific first."""
    detail = " ".join(str(message) for message in refusal.messages)
    if isinstance(refusal, ratelimit.RateLimited):
        # The limits are fixed windows whose start is not kept: the window's
        # length is an honest upper bound on the wait (a day when not said).
        retry_after = refusal.retry_after or ratelimit.DAY
        return Problem(429, detail, code="rate-limited", headers={"Retry-After": str(retry_after)})
    if isinstance(refusal, InvitationsRefused):
        return _invitations_refused(request, refusal)
    if isinstance(refusal, MemberLimitReached):
        return Problem(409, detail, code="member-limit")
    if refusal.code == "decided":  # a join or invite request approved or declined already
        return Problem(409, detail, code="already-decided")
    if isinstance(refusal, LastAdminError):
        return Problem(409, detail, code="last-admin")
    if isinstance(refusal, (MemberGoneError, TenantGone)) or refusal.code == "tenant_gone":
        return Problem(404, detail, code="not-found")
    if isinstance(refusal, InvitationActionNotAllowed):
        return Problem(409, detail, code="not-allowed-in-status")
    return Problem(422, detail, code="invalid-input")


def _typed_emails(request) -> list[str]:
    """The ``emails`` of the request's JSON body, as typed (already validated by ninja)."""
    try:
        emails = json.loads(request.body).get("emails", [])
    except (ValueError, AttributeError):
        return []
    return emails if isinstance(emails, list) else []


def _invitations_refused(request, refused: InvitationsRefused) -> Problem:
    if not refused.address_errors:
        # Only whole-submission refusals are left: the member limit or the plan.
        return Problem(409, " ".join(refused.errors), code="member-limit")
    emails = _typed_emails(request)
    errors = [
        {
            "pointer": f"#/emails/{emails.index(typed)}" if typed in emails else "#/emails",
            "address": typed,
            "detail": message,
        }
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


def install(api) -> None:
    """Replace ninja's error handlers so every error the API returns is a problem."""

    @api.exception_handler(Problem)
    def on_problem(request, exc: Problem):
        return problem_response(exc)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return problem_response(
            Problem(
                401,
                "Send a valid, unrevoked, unexpired API key as “Authorization: Bearer <key>”.",
                code="unauthorized",
                headers=BEARER_CHALLENGE,
            )
        )

    @api.exception_handler(ValidationError)
    def on_invalid(request, exc: ValidationError):
        errors = [
            {"pointer": pointer(error.get("loc", ())), "detail": error.get("msg", "Invalid.")}
            for error in exc.errors
        ]
        return problem_response(
            Problem(422, "Some fields are not valid.", code="invalid-input", errors=errors)
        )

    @api.exception_handler(Refusal)
    def on_refused(request, exc: Refusal):
        return problem_response(refusal_problem(request, exc))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return problem_response(
            Problem(404, "Nothing with this id exists in the key's tenant.", code="not-found")
        )

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return problem_response(Problem(403, str(exc) or "Not allowed.", code="forbidden"))

    @api.exception_handler(RequestDataTooBig)
    def on_too_large(request, exc):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the
        # invite form answers 413 for the same reason.
        return problem_response(
            Problem(
                413,
                f"This request is too large. Send at most {MAX_ADDRESSES_PER_SUBMISSION:,} "
                "addresses at a time; split the list and send the rest separately. "
                "Nothing was sent.",
                code="too-large",
            )
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        return problem_response(Problem(exc.status_code, str(exc)))
