from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "console.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # The outbox writer: listens to tenants' activity_recorded signal, so
        # no domain app knows webhooks exist.
        import console.webhooks.receivers  # noqa: F401
