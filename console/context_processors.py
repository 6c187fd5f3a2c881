from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html

from invitations.selectors import header_offers
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
            lambda: _header_offers(request).pending_invitations
        ),
        # Tenants whose verified domain offers this confirmed address **Request to join**.
        "my_join_offers": SimpleLazyObject(lambda: _header_offers(request).join_offers),
    }


def _header_offers(request):
    """``header_offers`` run once per request however many templates ask (a
    Django page and the Jinja header it includes each run this processor)."""
    offers = getattr(request, "_console_header_offers", None)
    if offers is None:
        offers = request._console_header_offers = header_offers(user=request.user)
    return offers


def jinja_csrf_input(request):
    """``{{ csrf_input }}`` in the Jinja fragments, masked once per render.

    The Jinja2 backend's own ``csrf_input`` masks the token anew each time it
    is printed, and the Invitations table prints it in three forms a row: 75
    masks were an eighth of the rendered page's time. One masked token serves
    every form of a page, as Django templates' ``{% csrf_token %}`` does.
    """
    return {
        "csrf_input": SimpleLazyObject(
            lambda: format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
            )
        )
    }
