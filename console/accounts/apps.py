from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "console.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Each account's security events (sign-ins, password, two-step, ...).
        from console.accounts.security import connect_receivers

        connect_receivers()
