from django.conf import settings
from django.utils.functional import SimpleLazyObject

from invitations.selectors import pending_invitations_for_user
from tenants.policies import plan_terms
from tenants.selectors import memberships_for_request


def console(request):
    """Header data (the tenant switcher, the user's pending invitations) and the
    plan's figures (``PLAN``: price, included seats, invitation lifetime).

    Lazy, so a page that does not render the header runs no query for it.
    """
    common = {"COMMUNITY_URL": settings.COMMUNITY_URL, "PLAN": SimpleLazyObject(plan_terms)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return common

    return common | {
        "switcher_memberships": SimpleLazyObject(lambda: memberships_for_request(request)),
        "my_pending_invitations": SimpleLazyObject(lambda: _pending_invitations(request, user)),
    }


def _pending_invitations(request, user) -> list:
    """The user's pending invitations, queried once per request however many
    templates ask (a Django page and the Jinja header it includes each run
    this processor)."""
    pending = getattr(request, "_console_pending_invitations", None)
    if pending is None:
        pending = request._console_pending_invitations = list(pending_invitations_for_user(user))
    return pending
