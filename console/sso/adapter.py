"""allauth's socialaccount adapter for per-tenant connections.

- ``list_apps``: the client secret is decrypted from the tenant's
  ``SsoConnection`` into the in-memory ``SocialApp`` (the database row holds
  none).
- ``get_requests_session``: every call the provider makes (discovery, token,
  keys, user info) passes the outbound-URL guard first, with a timeout.
- ``pre_social_login``: allauth has checked the state (bound to this
  connection's provider id, used once) and, for OpenID Connect, the ID token
  (signature, issuer, audience, expiry) or, for SAML, the response
  (python3-saml: the assertion's signature, audience, destination, validity,
  answering a request of this session: ``console.sso.saml_views``); here
  the answer becomes either a passed **Test sign-in** or a sign-in
  (``console.sso.sign_in``). allauth's own social accounts and sign-up pages
  are never used.
- ``on_authentication_error``: every provider error ends on one clear page
  and in the log, with nothing created.
"""

import logging

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from console.sso import discovery, encryption, sign_in
from console.sso.models import SsoConnection

logger = logging.getLogger("console.sso")


class GuardedSession(requests.Session):
    """A requests session that checks each URL with the outbound-URL guard and
    never follows a redirect or waits longer than ``SSO_TIMEOUT_SECONDS``."""

    def request(self, method, url, *args, **kwargs):
        discovery.check_url(url)
        kwargs.setdefault("timeout", discovery.timeout_seconds())
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        connections = {
            connection.app_id: connection
            for connection in SsoConnection.objects.filter(app__in=[a for a in apps if a.pk])
        }
        for app in apps:
            connection = connections.get(app.pk)
            if connection is not None and connection.secret_encrypted:  # SAML has none
                app.secret = encryption.decrypt(connection.secret_encrypted)
        return apps

    def get_requests_session(self):
        return GuardedSession()

    def pre_social_login(self, request, sociallogin):
        raise ImmediateHttpResponse(sign_in.provider_answered(request, sociallogin))

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        raise ImmediateHttpResponse(
            sign_in.provider_failed(
                request,
                provider=provider,
                error=error,
                exception=exception,
                reason=(extra_context or {}).get("saml_last_error_reason") or "",
            )
        )
