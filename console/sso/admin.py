from django.contrib import admin
from django.db import models

from console.readonly_admin import ReadOnlyModelAdmin
from console.sso.models import SsoConnection


@admin.register(SsoConnection)
class SsoConnectionAdmin(ReadOnlyModelAdmin):
    """Operators can see which tenants have single sign-on and its state. Read-only:
    connections (and their allauth ``SocialApp``) change only through the tenant's
    Single sign-on tab, so each change has its activity entry. The secret is never
    shown, not even encrypted."""

    list_display = ["tenant", "protocol", "issuer", "client_id", "enabled", "changed_at"]
    # issuer: the OpenID Connect issuer or the SAML identity provider's entity ID.
    list_filter = ["protocol", "enabled"]
    search_fields = ["tenant__name", "tenant__public_id", "issuer", "client_id"]
    list_select_related = ["tenant"]
    exclude = ["secret_encrypted", "app"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
