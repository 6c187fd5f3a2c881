"""allauth.usersessions' adapter with a security event when sessions are signed out.

allauth sends no signal when someone signs their other sessions out (its
sessions page calls the adapter's ``end_sessions``), so the console's adapter
records "Other sessions signed out" for each person whose sessions ended.
Set as ``USERSESSIONS_ADAPTER`` in settings.
"""

from allauth.usersessions.adapter import DefaultUserSessionsAdapter

from console.accounts.models import SecurityAction
from console.accounts.security import security_event_record


def _current_request():
    """The request allauth is serving, if any (its middleware keeps it in a context var)."""
    try:
        from allauth.core import context
    except ImportError:  # pragma: no cover - allauth always ships it
        return None
    return getattr(context, "request", None)


class SecurityEventsUserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        sessions = list(sessions)
        super().end_sessions(sessions)
        counts: dict = {}
        for session in sessions:
            counts.setdefault(session.user_id, [session.user, 0])[1] += 1
        request = _current_request()
        for user, count in counts.values():
            security_event_record(
                user=user,
                action=SecurityAction.SESSIONS_SIGNED_OUT,
                request=request,
                details={"count": count},
            )
