from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Invitations"

    def ready(self):
        # The app's own activity actions, in the log that tenants keeps.
        from invitations.activity import SUMMARIES, InvitationAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(InvitationAction, summaries=SUMMARIES)
