from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "console.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"
