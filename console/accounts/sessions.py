"""Ending sessions: allauth.usersessions' adapter, and a deactivated account's sessions.

allauth sends no signal when someone signs their other sessions out (its
sessions page calls the adapter's ``end_sessions``), so the console's adapter
records "Other sessions signed out" for each person whose sessions ended.
Set as ``USERSESSIONS_ADAPTER`` in settings.

An account saved with ``is_active`` false has its sessions ended
(``end_sessions_of_inactive_account``, a ``post_save`` receiver).
"""

from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession

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


def end_sessions_of_inactive_account(sender, instance, update_fields=None, **kwargs) -> None:
    """An inactive account has no sessions: end every one of ``instance``'s when it is saved
    inactive.

    Django already answers an inactive account's session as signed out (the
    authentication backend refuses it), but the rows stay, and would sign the
    browser back in the moment an operator reactivated the account. A
    ``post_save`` receiver rather than the admin's ``save_model``: an operator
    may untick *active* in the admin, a script or the shell, and every
    ``save()`` of the account passes here (a queryset ``update()`` does not;
    nothing in the console deactivates that way). Saves that do not write
    ``is_active`` (the sign-in's ``last_login``) skip it.

    Every sign-in is tracked by allauth.usersessions (a ``UserSession`` with
    its session key), so ending those ends the database sessions too. No
    security event: the person did not sign anything out; the operator did.
    """
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    for session in UserSession.objects.filter(user_id=instance.pk):
        session.end()
