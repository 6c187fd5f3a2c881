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
        from allauth.account.models import EmailAddress

        from console import page_cache
        from console.accounts.models import User
        from invitations.models import Invitation, InvitationStatus
        from tenants.models import Tenant

        def invitees(invitations):
            """The accounts whose header lists these invitations (the switcher's Join)."""
            emails = invitations.filter(status=InvitationStatus.PENDING).values("email")
            return User.objects.filter(email__in=emails).values_list("pk", flat=True)

        # The Invitations tab and its invitee's header.
        page_cache.register(
            Invitation,
            tenants=lambda invitation: [invitation.tenant_id],
            users=lambda invitation: User.objects.filter(email=invitation.email).values_list(
                "pk", flat=True
            ),
        )
        # The inviter's name on the tab and in the invitees' headers; deleted,
        # ``invited_by`` is set to NULL by a cascade that sends no signal: the
        # registry runs this before the delete, while the rows still point here.
        page_cache.register(
            User,
            tenants=lambda user: Invitation.objects.filter(invited_by=user).values_list(
                "tenant_id", flat=True
            ),
            users=lambda user: invitees(Invitation.objects.filter(invited_by=user)),
            ignore_fields={"last_login"},
        )
        # The tenant's name in the invitees' headers (its members' keys carry it).
        page_cache.register(
            Tenant, users=lambda tenant: invitees(Invitation.objects.filter(tenant=tenant))
        )
        # Which invitations a person may join (a confirmed address) shows in their header.
        page_cache.register(EmailAddress, users=lambda address: [address.user_id])
        # A join or invite request: the Members tab's Requests section, the requester's header.
        from invitations.models import AccessRequest

        page_cache.register(
            AccessRequest,
            tenants=lambda request: [request.tenant_id],
            users=lambda request: [request.requester_id],
        )
        from invitations import domain_receivers

        domain_receivers.connect_receivers()
