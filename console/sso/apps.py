from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "console.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        # allauth's own admin pages would let an operator edit a tenant's SocialApp
        # (or its secret) by hand: connections change only through our services,
        # and no social accounts or tokens are kept. (admin's autodiscover ran
        # before this: django.contrib.admin comes first in INSTALLED_APPS.)
        from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
        from django.contrib import admin

        for model in (SocialApp, SocialAccount, SocialToken):
            if admin.site.is_registered(model):
                admin.site.unregister(model)

        from console import page_cache
        from console.sso.activity import SUMMARIES, SsoAction
        from console.sso.models import SsoConnection
        from tenants.activity_actions import activity_actions

        activity_actions.register(SsoAction, summaries=SUMMARIES)
        # The tenant's Settings pages read the connection (its tab, the policy).
        page_cache.register(SsoConnection, tenants=lambda connection: [connection.tenant_id])
