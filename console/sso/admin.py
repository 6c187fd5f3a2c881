from django.contrib import admin

from console.readonly_admin import ReadOnlyModelAdmin
from console.sso.models import SsoConnection


@admin.register(SsoConnection)
class SsoConnectionAdmin(ReadOnlyModelAdmin):
    """Operators can see which tenants have single sign-on and its state. Read-only:
    connections (and their allauth ``SocialApp``) change only through the tenant's
    Single sign-on tab, so each change has its activity entry. The secret is never
    shown, not even encrypted."""

    list_display = ["tenant", "protocol", "issuer", "client_id", "enabled", "changed_at"]
    list_filter = ["protocol", "enabled"]
    search_fields = ["tenant__name", "tenant__public_id", "issuer", "client_id"]
    list_select_related = ["tenant"]
    exclude = ["secret_encrypted", "app"]
