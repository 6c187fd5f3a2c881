"""allauth's socialaccount adapter for per-tenant connections.

- ``list_apps``: the client secret is decrypted from the tenant's
  ``SsoConnection`` into the in-memory ``SocialApp`` (the database row holds
  none).
- ``get_requests_session``: every call the provider makes (discovery, token,
  keys, user info) passes the outbound-URL guard first, with a timeout.
"""

import requests
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from console.sso import discovery, encryption
from console.sso.models import SsoConnection


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
            if connection is not None:
                app.secret = encryption.decrypt(connection.secret_encrypted)
        return apps

    def get_requests_session(self):
        return GuardedSession()
