from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "console.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from console.webhooks.activity import WebhookAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(WebhookAction)
        # The outbox writer: listens to tenants' activity_recorded signal, so
        # no domain app knows webhooks exist.
        import console.webhooks.receivers  # noqa: F401
