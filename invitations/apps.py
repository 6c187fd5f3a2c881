from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Invitations"

    def ready(self):
        # The email timings rule, checked by `manage.py check` and at every start.
        from invitations import checks  # noqa: F401

        # The app's own activity actions, in the log that tenants keeps.
        from invitations.activity import SUMMARIES, InvitationAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(InvitationAction, summaries=SUMMARIES)
