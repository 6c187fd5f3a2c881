from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        # The log's own actions; every other app registers its own the same way.
        from tenants.activity_actions import activity_actions
        from tenants.models import SUMMARIES, TenantAction

        activity_actions.register(TenantAction, summaries=SUMMARIES)
