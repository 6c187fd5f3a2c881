from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "console.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from console import page_cache
        from console.sso.activity import SUMMARIES, SsoAction
        from console.sso.models import SsoConnection
        from tenants.activity_actions import activity_actions

        activity_actions.register(SsoAction, summaries=SUMMARIES)
        # The tenant's Settings pages read the connection (its tab, the policy).
        page_cache.register(SsoConnection, tenants=lambda connection: [connection.tenant_id])
