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
        # The confirmation code last mailed to each address, for sign-in to reuse.
        from console.accounts import codes

        codes.connect_receivers()
        user_logged_in.connect(mark_seen_at_sign_in, dispatch_uid="accounts-session-seen")
        # A deactivated account's sessions end, whoever saved it inactive.
        from django.db.models.signals import post_save

        from console.accounts.sessions import end_sessions_of_inactive_account

        post_save.connect(
            end_sessions_of_inactive_account,
            sender=self.get_model("User"),
            dispatch_uid="accounts-end-sessions-of-inactive-account",
        )
