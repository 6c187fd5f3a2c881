from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, ngettext

from console.client_ip import client_ip
from console.readonly_admin import ReadOnlyModelAdmin
from invitations import services
from invitations.models import AccessRequest, Invitation, InvitationStatus, SupersededLink
from tenants.actors import Actor


class SupersededLinkInline(admin.TabularInline):
    model = SupersededLink
    fields = ["superseded_at"]
    readonly_fields = ["superseded_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Superseded links (replaced by Resend)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "tenant",
        "role",
        "status",
        "email_status",
        "invited_by",
        "sent_at",
        "expires_at",
    ]
    list_filter = [
        "status",
        "email_status",
        "role",
        "tenant__type",
        "tenant__plan",
        ("tenant", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["email", "tenant__name", "tenant__public_id"]
    list_select_related = ["tenant", "invited_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    raw_id_fields = ["tenant", "invited_by", "accepted_by"]
    # The link secret is never stored; its salt and hash are not for eyes either.
    exclude = ["link_salt", "token_hash"]
    readonly_fields = [
        "created_at",
        "sent_at",
        "accepted_by",
        "accepted_at",
        "email_status",
        "email_attempts",
        "email_claimed_at",
        "email_sent_at",
        "email_error",
    ]
    inlines = [SupersededLinkInline]
    actions = ["resend_invitations", "revoke_invitations", "expire_invitations_now"]

    def has_add_permission(self, request):
        # Invitations are created by admins from the console (limits, links, emails).
        return False

    def _run_all_or_nothing(self, request, queryset, action, verb: str, check=None):
        """Apply one service to every selected invitation, or to none if any is refused."""
        invitations = list(queryset.select_related("tenant"))
        refused = []
        if check:
            refused = [
                f"{i.email} ({i.tenant}): {reason}" for i in invitations if (reason := check(i))
            ]
        if not refused:
            try:
                with transaction.atomic():
                    for invitation in invitations:
                        try:
                            # Operators act outside tenant roles; recorded as Operator.
                            action(
                                invitation=invitation,
                                actor=Actor.operator(request.user),
                                ip=client_ip(request),
                            )
                        except ValidationError as error:  # every refusal, rate limits too
                            refused.append(
                                f"{invitation.email} ({invitation.tenant}): "
                                + " ".join(error.messages)
                            )
                    if refused:
                        raise _Refused
            except _Refused:
                pass
        if refused:
            self.message_user(
                request,
                NOTHING_DONE[verb]
                % {"reasons": "; ".join(refused[:10]) + (" …" if len(refused) > 10 else "")},
                messages.ERROR,
            )
            return
        count = len(invitations)
        self.message_user(request, done_message(verb, count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Resend selected invitations (new link, new expiry)"))
    def resend_invitations(self, request, queryset):
        def check(invitation):
            if invitation.effective_status != InvitationStatus.PENDING:
                return gettext("only pending invitations can be resent.")
            if not services.invitation_resend_allowed(invitation=invitation):
                return services.RESEND_LIMIT_MESSAGE
            return None

        self._run_all_or_nothing(request, queryset, services.invitation_resend, "resent", check)

    @admin.action(description=gettext_lazy("Revoke selected invitations"))
    def revoke_invitations(self, request, queryset):
        self._run_all_or_nothing(request, queryset, services.invitation_revoke, "revoked")

    @admin.action(description=gettext_lazy("Expire selected invitations now"))
    def expire_invitations_now(self, request, queryset):
        self._run_all_or_nothing(request, queryset, services.invitation_expire_now, "expired")


NOTHING_DONE = {
    "resent": gettext_lazy("Nothing was resent: %(reasons)s"),
    "revoked": gettext_lazy("Nothing was revoked: %(reasons)s"),
    "expired": gettext_lazy("Nothing was expired: %(reasons)s"),
}


def done_message(verb: str, count: int) -> str:
    # Whole sentences per action, so each language can say them its own way.
    if verb == "resent":
        return ngettext("%(count)s invitation resent.", "%(count)s invitations resent.", count)
    if verb == "revoked":
        return ngettext("%(count)s invitation revoked.", "%(count)s invitations revoked.", count)
    return ngettext("%(count)s invitation expired.", "%(count)s invitations expired.", count)


class _Refused(Exception):
    """Rolls back an all-or-nothing admin action."""


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyModelAdmin):
    """Join and invite requests and their history, read-only: they are decided
    on the Members tab or through the API, where each decision is recorded."""

    list_display = [
        "created_at",
        "tenant",
        "kind",
        "requester",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["requester__email", "tenant__name", "tenant__public_id"]
    list_select_related = ["tenant", "requester", "decided_by"]
    date_hierarchy = "created_at"
