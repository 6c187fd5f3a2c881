from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "console.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from console.accounts.middleware import mark_seen_at_sign_in

        # Each account's security events (sign-ins, password, two-step, ...).
        from console.accounts.security import connect_receivers

        connect_receivers()
        user_logged_in.connect(mark_seen_at_sign_in, dispatch_uid="accounts-session-seen")
