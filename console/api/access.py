"""What every API endpoint asks first: the key's holder, allowed now, and rows in its tenant."""

from django.db.models import QuerySet

from console.api import selectors
from console.api.problems import Problem
from console.api.schemas import ProblemOut
from tenants.actors import Actor

# Every endpoint may answer these (429: the key's requests per minute).
ERRORS = dict.fromkeys((401, 403, 404, 422, 429), ProblemOut)
WRITE_ERRORS = {**ERRORS, 409: ProblemOut, 413: ProblemOut}


def holder_for(request, permission: str, *, write: bool) -> selectors.KeyHolder:
    """The key's holder, if its scope and its creator's role allow ``permission``.

    An early answer with the API's own words; the services ask again under
    the tenant lock (``tenants.actors.actor_require``).
    """
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


def actor_of(holder: selectors.KeyHolder) -> Actor:
    """The key as the services take the acting person: its creator, with their role now."""
    return Actor.for_api_key(holder.api_key, creator=holder.membership.user)


def in_tenant(queryset: QuerySet, pk: int):
    """The row ``pk`` of a tenant-scoped queryset, or 404 (another tenant's id included)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Problem(404, "Nothing with this id exists in the key's tenant.", code="not-found")
    return row
