from django.conf import settings
from django.utils.functional import SimpleLazyObject


def console(request):
    """Header data: the tenant switcher and the user's pending invitations.

    Lazy, so a page that does not render the header runs no query for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"COMMUNITY_URL": settings.COMMUNITY_URL}

    def switcher_memberships():
        from tenants.selectors import memberships_for_request

        return memberships_for_request(request)

    def pending_invitations():
        from invitations.selectors import pending_invitations_for_user

        return list(pending_invitations_for_user(user))

    return {
        "COMMUNITY_URL": settings.COMMUNITY_URL,
        "switcher_memberships": SimpleLazyObject(switcher_memberships),
        "my_pending_invitations": SimpleLazyObject(pending_invitations),
    }
