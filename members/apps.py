from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        # The app's own activity actions, in the log that tenants keeps.
        from members.activity import SUMMARIES, MemberAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(MemberAction, summaries=SUMMARIES)
