from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "console.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"

    def ready(self):
        # The welcome after the first confirmation of an address (see receivers).
        import console.onboarding.receivers  # noqa: F401
