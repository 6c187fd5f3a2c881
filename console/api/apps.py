from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "console.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # The app's own activity actions, in the log that tenants keeps.
        from console.api.activity import SUMMARIES, ApiKeyAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(ApiKeyAction, summaries=SUMMARIES)
