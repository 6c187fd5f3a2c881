"""The JSON API under ``/api/v1/`` (django-ninja): thin endpoints over the same services.

Every endpoint authenticates the Bearer key (401), checks the key's scope
(a read key writing: 403), asks ``members.permissions`` whether the key's
creator may do this now (403), resolves ids inside the key's tenant only
(404 otherwise; ``console.api.access``), then calls the service the console's
views call, reading through the same selectors. The endpoints live in one
``Router`` per resource (``console.api.routers``); errors are problem details,
mapped once for every endpoint (``console.api.problems.install``).

The acting person, for the services and the activity log, is the admin who
created the key: the services re-check their role under the tenant lock, the
daily invitation limits count against them, and the log names them.
"""

from django.conf import settings
from django.urls import URLPattern
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.security import HttpBearer

from console import ratelimit
from console.api import problems, selectors, services
from console.api.problems import Problem
from console.api.routers import activity, invitations, members, requests
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
        if holder.api_key.is_scim:
            raise Problem(
                403,
                "This key has the SCIM scope: it works only for SCIM provisioning "
                "(/scim/v2/<tenant>/), not in this API.",
                code="scim-key",
            )
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

for resource in (members, invitations, activity, requests):
    api.add_router("/", resource.router)


def _too_many(message: str, retry_after: int) -> Problem:
    # The limits are fixed windows whose start is not kept: the window's
    # length is an honest upper bound on the wait.
    return Problem(429, message, code="rate-limited", headers={"Retry-After": str(retry_after)})
