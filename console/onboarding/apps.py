from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "console.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"

    def ready(self):
        # The welcome after the first confirmation of an address (see receivers).
        import console.onboarding.receivers  # noqa: F401
        from console import page_cache
        from console.onboarding.models import ChecklistState

        # The Get started page: the person's own checklist (links followed, hidden).
        page_cache.register(ChecklistState, users=lambda state: [state.user_id])
