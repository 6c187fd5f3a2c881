"""What happens when a tenant's identity provider answers (called by the adapter).

A **Test sign-in** started from the Single sign-on tab (the session says
which connection and version) records the test and goes back to the tab;
the admin stays signed in as they were. Otherwise the answer signs a person
in (``services.sso_sign_in``) and the session remembers that it went through
this tenant's connection (``tenants.mixins.SSO_SESSION_KEY``, read by the
Require single sign-on policy). Refusals and provider errors render one
page (status 403 / 400), are logged, and create nothing.
"""

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from console.accounts.models import SecurityAction
from console.accounts.security import SIGN_IN_ACTION_ATTRIBUTE
from console.client_ip import client_ip
from console.sso import services
from console.sso.models import SsoConnection
from tenants.mixins import SSO_SESSION_KEY

logger = logging.getLogger("console.sso")

TEST_SESSION_KEY = "sso_test"
BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _connection_for(sociallogin) -> SsoConnection | None:
    app = getattr(sociallogin.provider, "app", None)
    if app is None or app.pk is None:
        return None
    return SsoConnection.objects.select_related("tenant").filter(app_id=app.pk).first()


def _saml_claims(sociallogin) -> dict:
    """A SAML assertion's attributes (name: list of values) as one value per mapped key."""
    attributes = sociallogin.account.extra_data or {}
    mapping = sociallogin.provider.app.settings.get("attribute_mapping") or {}
    claims = {}
    for key, names in mapping.items():
        for name in [names] if isinstance(names, str) else names:
            values = attributes.get(name)
            if values:
                claims[key] = values[0] if isinstance(values, list) else values
                break
    return claims


def _asserted(sociallogin) -> tuple[str, str]:
    """The address and the name the provider asserted (OpenID Connect: user info, else
    the ID token; SAML: the assertion's attributes, the address also from the NameID)."""
    if getattr(sociallogin.provider, "id", "") == "saml":
        claims = _saml_claims(sociallogin)
    else:
        extra = sociallogin.account.extra_data or {}
        claims = extra.get("userinfo") or extra.get("id_token") or extra
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    email = getattr(sociallogin.user, "email", "") or ""
    # A provider that says outright it has not verified the address is not
    # believed (one that says nothing, like Entra ID, is: it is the tenant's own).
    if str(claims.get("email_verified", "")).lower() == "false":
        email = ""
    return (email, str(name or "").strip())


def refusal_page(request, message, *, status: int = 403):
    return render(request, "sso/sign_in_failed.html", {"message": message}, status=status)


def provider_answered(request, sociallogin):
    connection = _connection_for(sociallogin)
    if connection is None:
        logger.warning("sso.refused", extra={"reason": "unknown_connection"})
        return refusal_page(request, _("This sign-in is not for any tenant. Nothing was changed."))
    email, name = _asserted(sociallogin)
    test = request.session.pop(TEST_SESSION_KEY, None)
    if test is not None and test.get("connection") == connection.pk:
        return _test_answered(request, connection, test, email)
    try:
        user, membership = services.sso_sign_in(
            connection=connection, email=email, name=name, ip=client_ip(request)
        )
    except services.SignInRefused as refused:
        logger.warning(
            "sso.refused",
            extra={"reason": refused.reason, "tenant": connection.tenant.public_id},
        )
        return refusal_page(request, refused.message)
    setattr(
        request,
        SIGN_IN_ACTION_ATTRIBUTE,
        (SecurityAction.SIGNED_IN_WITH_SSO, {"tenant": connection.tenant.name}),
    )
    login(request, user, backend=BACKEND)
    signed_in = list(request.session.get(SSO_SESSION_KEY, []))
    if connection.tenant.public_id not in signed_in:
        signed_in.append(connection.tenant.public_id)
    request.session[SSO_SESSION_KEY] = signed_in
    logger.info("sso.signed_in", extra={"tenant": connection.tenant.public_id})
    next_url = (getattr(sociallogin, "state", None) or {}).get("next") or ""
    if (
        membership is not None
        and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and next_url != reverse("home")
    ):
        return redirect(next_url)
    if membership is None:
        messages.info(
            request,
            _("You asked to join “%(tenant)s”: its admins decide.")
            % {"tenant": connection.tenant.name},
        )
        return redirect("home")
    return redirect("onboarding:get_started", tenant_id=connection.tenant.public_id)


def _test_answered(request, connection, test, email):
    tab = reverse("tenant_sso:settings", kwargs={"tenant_id": connection.tenant.public_id})
    try:
        services.sso_address_check(connection=connection, email=email)
    except services.SignInRefused as refused:
        logger.warning("sso.test_failed", extra={"reason": refused.reason})
        messages.error(request, _("Test sign-in failed: %(reason)s") % {"reason": refused.message})
        return redirect(tab)
    if services.sso_connection_test_passed(connection=connection, version=test["version"]):
        messages.success(
            request,
            _("Test sign-in succeeded as %(email)s. You can enable the connection.")
            % {"email": email},
        )
    else:
        messages.error(request, _("The connection changed during the test. Test it again."))
    return redirect(tab)


def provider_failed(request, *, provider, error, exception, reason: str = ""):
    test = request.session.pop(TEST_SESSION_KEY, None)
    logger.warning(
        "sso.provider_error",
        extra={
            "provider_id": getattr(provider, "id", ""),
            "error": str(error or ""),
            "exception": type(exception).__name__ if exception else "",
            # SAML: python3-saml's reason (signature, audience, destination, …).
            "detail": (str(exception) if exception else reason)[:300],
        },
    )
    message = _(
        "The identity provider did not sign you in (it refused, or its answer was invalid, "
        "expired or already used). Nothing was changed."
    )
    if test is not None:
        messages.error(request, _("Test sign-in failed: %(reason)s") % {"reason": message})
        return redirect("tenant_sso:settings", tenant_id=test["tenant"])
    return refusal_page(request, message, status=400)
