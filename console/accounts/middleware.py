"""allauth's per-session record (browser, IP, last seen), refreshed at most every few minutes.

allauth's own middleware (``USERSESSIONS_TRACK_ACTIVITY``) rewrites the
record on every request: five queries on every page. "Last seen" to the
minute is not worth that, so the record is refreshed once per
``SEEN_EVERY_SECONDS`` per session; sign-in creates it (allauth's signal).
"""

import time

from allauth.usersessions.models import UserSession
from django.utils import timezone, translation

from console.accounts.models import zone_for

SEEN_EVERY_SECONDS = 5 * 60
SESSION_KEY = "usersession_seen_at"


class UserSessionSeenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.session_key
            and user is not None
            and user.is_authenticated
        ):
            now = int(time.time())
            if now - session.get(SESSION_KEY, 0) >= SEEN_EVERY_SECONDS:
                UserSession.objects.create_from_request(request, user=user, session=session)
                session[SESSION_KEY] = now
        return self.get_response(request)


def mark_seen_at_sign_in(sender, request, user, **kwargs):
    """Sign-in records the session (allauth's receiver); the next refresh is due later."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = int(time.time())


class UserPreferencesMiddleware:
    """Apply a signed-in person's saved language and time zone to the request.

    Runs after LocaleMiddleware (which picked the anonymous cookie or the
    browser's Accept-Language, else English) and after authentication: a
    saved language wins over both. The user is already loaded by the
    middleware above, so this costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            timezone.activate(zone_for(user.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
