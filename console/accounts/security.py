"""Each account's own security events: recorded by signal receivers, listed on
the account's Security page (``/accounts/security/``).

These are about one person, not a tenant, so they live here and not in the
tenants' activity log (this app sits below tenants and imports none of them).

Receivers (connected in ``AccountsConfig.ready``):

- Django's ``user_logged_in``, ``user_logged_out``, ``user_login_failed``
  (allauth signs people in and out through Django's ``login``/``logout``, so
  these cover both; a failed sign-in is recorded only for an existing account).
- allauth's ``password_changed``, ``password_set``, ``password_reset``,
  ``email_changed``.
- allauth.mfa's ``authenticator_added`` / ``authenticator_removed`` /
  ``authenticator_reset`` / ``authentication_failed`` and allauth.usersessions'
  ``session_client_changed``, when those apps are installed (importing their
  signal modules needs their models).

Code that signs other sessions out (e.g. a usersessions adapter) calls
``security_event_record(..., action=SecurityAction.SESSIONS_SIGNED_OUT)``.
"""

import logging

from django.apps import apps
from django.contrib.auth import signals as auth_signals

from console.accounts.models import SecurityAction, SecurityEvent, User, normalize_email
from console.client_ip import client_ip

logger = logging.getLogger(__name__)

USER_AGENT_LENGTH = 300
# Credentials keys that carry the typed address, by backend (Django's form, allauth).
LOGIN_KEYS = ("username", "email", "login")


def security_event_record(
    *, user, action: str, request=None, details: dict | None = None
) -> SecurityEvent:
    """Record one security event of ``user`` with the request's IP and browser."""
    if action not in SecurityAction.values:
        raise ValueError(f"Unknown security action: {action!r}")
    meta = getattr(request, "META", {}) if request is not None else {}
    return SecurityEvent.objects.create(
        user=user,
        action=action,
        ip=client_ip(request) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
        details=details or {},
    )


# -- Receivers -----------------------------------------------------------------------------


# A sign-in view that knows more than "signed in" (single sign-on) sets this
# request attribute to the SecurityAction to record and to its details.
SIGN_IN_ACTION_ATTRIBUTE = "console_sign_in_action"


def on_logged_in(sender, request, user, **kwargs):
    action, details = getattr(request, SIGN_IN_ACTION_ATTRIBUTE, (SecurityAction.SIGNED_IN, None))
    security_event_record(user=user, action=action, request=request, details=details)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        security_event_record(user=user, action=SecurityAction.SIGNED_OUT, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    typed = next((credentials[key] for key in LOGIN_KEYS if credentials.get(key)), "")
    if not isinstance(typed, str) or not typed:
        return
    user = User.objects.filter(email=normalize_email(typed)).first()
    if user is not None:  # unknown addresses belong to nobody's page
        security_event_record(user=user, action=SecurityAction.SIGN_IN_FAILED, request=request)


def _simple(action):
    def receiver(sender, request=None, user=None, **kwargs):
        if user is not None:
            security_event_record(user=user, action=action, request=request)

    receiver.__name__ = f"on_{action}"
    return receiver


on_password_changed = _simple(SecurityAction.PASSWORD_CHANGED)
on_password_set = _simple(SecurityAction.PASSWORD_SET)
on_password_reset = _simple(SecurityAction.PASSWORD_RESET)


def on_email_changed(sender, request, user, from_email_address=None, to_email_address=None, **kw):
    security_event_record(
        user=user,
        action=SecurityAction.EMAIL_CHANGED,
        request=request,
        details={
            "from": getattr(from_email_address, "email", "") or "",
            "to": getattr(to_email_address, "email", "") or "",
        },
    )


# allauth.mfa's Authenticator.Type values.
RECOVERY_CODES = "recovery_codes"


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Recovery codes come with the first real method; that method's entry says enough.
    if authenticator.type != RECOVERY_CODES:
        security_event_record(
            user=user,
            action=SecurityAction.TWO_STEP_ON,
            request=request,
            details={"method": authenticator.type},
        )


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    security_event_record(
        user=user,
        action=SecurityAction.TWO_STEP_OFF,
        request=request,
        details={"method": authenticator.type},
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    security_event_record(
        user=user, action=SecurityAction.RECOVERY_CODES_REGENERATED, request=request
    )


def on_authentication_failed(sender, request, user, authenticator=None, **kwargs):
    security_event_record(
        user=user,
        action=SecurityAction.TWO_STEP_FAILED,
        request=request,
        details={"method": getattr(authenticator, "type", "")},
    )


def on_session_client_changed(sender, request, from_session, to_session, **kwargs):
    security_event_record(
        user=to_session.user,
        action=SecurityAction.SESSION_CLIENT_CHANGED,
        request=request,
        details={"from_ip": from_session.ip, "to_ip": to_session.ip},
    )


def connect_receivers() -> None:
    """Connect every receiver whose signal exists here (dispatch_uid: once only)."""
    from allauth.account import signals as account_signals  # plain Signal objects

    pairs = [
        (auth_signals.user_logged_in, on_logged_in),
        (auth_signals.user_logged_out, on_logged_out),
        (auth_signals.user_login_failed, on_login_failed),
        (account_signals.password_changed, on_password_changed),
        (account_signals.password_set, on_password_set),
        (account_signals.password_reset, on_password_reset),
        (account_signals.email_changed, on_email_changed),
    ]
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa_signals

        pairs += [
            (mfa_signals.authenticator_added, on_authenticator_added),
            (mfa_signals.authenticator_removed, on_authenticator_removed),
            (mfa_signals.authenticator_reset, on_authenticator_reset),
            (mfa_signals.authentication_failed, on_authentication_failed),
        ]
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions import signals as usersessions_signals

        pairs.append((usersessions_signals.session_client_changed, on_session_client_changed))
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"security_events.{receiver.__name__}")
