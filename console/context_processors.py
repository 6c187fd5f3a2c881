from django.conf import settings
from django.utils.functional import SimpleLazyObject

from invitations.access_requests import join_offers
from invitations.selectors import pending_invitations_for_user
from tenants.policies import plan_terms
from tenants.selectors import memberships_for_request


def console(request):
    """Header data (the tenant switcher, the user's pending invitations and join
    offers) and the
    plan's figures (``PLAN``: price, included seats, invitation lifetime).

    Lazy, so a page that does not render the header runs no query for it.
    """
    common = {"COMMUNITY_URL": settings.COMMUNITY_URL, "PLAN": SimpleLazyObject(plan_terms)}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return common

    return common | {
        "switcher_memberships": SimpleLazyObject(lambda: memberships_for_request(request)),
        "my_pending_invitations": SimpleLazyObject(
            lambda: _once_per_request(request, "pending_invitations", pending_invitations_for_user)
        ),
        # Tenants whose verified domain offers this confirmed address **Request to join**.
        "my_join_offers": SimpleLazyObject(
            lambda: _once_per_request(request, "join_offers", join_offers)
        ),
    }


def _once_per_request(request, name: str, query) -> list:
    """``query(user=...)`` run once per request however many templates ask (a
    Django page and the Jinja header it includes each run this processor)."""
    attribute = f"_console_{name}"
    found = getattr(request, attribute, None)
    if found is None:
        found = list(query(user=request.user))
        setattr(request, attribute, found)
    return found
