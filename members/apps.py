from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        # The app's own activity actions, in the log that tenants keeps.
        from members.activity import SUMMARIES, MemberAction
        from tenants.activity_actions import activity_actions

        activity_actions.register(MemberAction, summaries=SUMMARIES)
        from allauth.mfa.models import Authenticator

        from console import page_cache
        from console.accounts.models import User
        from members.models import Membership

        def tenants_of(user_id):
            return Membership.objects.filter(user_id=user_id).values_list("tenant_id", flat=True)

        # What the Members tab and Get started show (a person's own switcher
        # reads their memberships, which are part of every page key).
        page_cache.register(Membership, tenants=lambda membership: [membership.tenant_id])
        # Each member's name, address and two-step badge, in each of their tenants.
        page_cache.register(
            User, tenants=lambda user: tenants_of(user.pk), ignore_fields={"last_login"}
        )
        page_cache.register(Authenticator, tenants=lambda key: tenants_of(key.user_id))
