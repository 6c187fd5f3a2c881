from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members import services
from members.models import Membership, Role
from members.selectors import is_last_admin
from tenants.actors import Actor


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "tenant", "role"]

    def clean_role(self):
        role = self.cleaned_data["role"]
        # An early, friendly refusal; membership_change_role re-checks under the lock.
        if self.instance.pk and role != Role.ADMIN and is_last_admin(self.instance):
            raise forms.ValidationError(services.LAST_ADMIN_MESSAGE)
        return role


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Operators find members by email or tenant. Role changes and removals go
    through the member services, so the last-admin rule holds here too."""

    form = MembershipAdminForm
    list_display = ["user_email", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant__type", "tenant__plan"]
    search_fields = ["user__email", "user__name", "tenant__name", "tenant__public_id"]
    list_select_related = ["user", "tenant"]
    autocomplete_fields = ["user", "tenant"]
    date_hierarchy = "created_at"
    actions = ["remove_members"]
    # The Members tab's page size: bench/run compares the two on the same rows.
    list_per_page = 25

    def get_readonly_fields(self, request, obj=None):
        # Moving a membership to another user or tenant is not a thing; remove and invite instead.
        return ["user", "tenant", "created_at"] if obj else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The bulk delete would skip the last-admin rule; "Remove selected members" keeps it.
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_last_admin(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("User email"), ordering="user__email")
    def user_email(self, membership):
        return membership.user.email

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.membership_add(
                tenant=obj.tenant, user=obj.user, role=obj.role, actor=Actor.operator(request.user)
            )
            obj.pk, obj.created_at = created.pk, created.created_at
        elif "role" in form.changed_data:
            services.membership_change_role(
                membership=obj, role=obj.role, actor=Actor.operator(request.user)
            )

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, actor=Actor.operator(request.user))

    @admin.action(
        description=_("Remove selected members (each tenant keeps an admin)"),
        permissions=["delete"],
    )
    def remove_members(self, request, queryset):
        removed, refused = 0, []
        for membership in queryset.select_related("user", "tenant"):
            try:
                services.membership_remove(
                    membership=membership, actor=Actor.operator(request.user)
                )
            except services.MembershipError:
                refused.append(membership)
            else:
                removed += 1
        if removed:
            self.message_user(
                request,
                ngettext("Removed %(count)s member.", "Removed %(count)s members.", removed)
                % {"count": removed},
                messages.SUCCESS,
            )
        if refused:
            names = ", ".join(f"{m.user.email} ({m.tenant.name})" for m in refused)
            self.message_user(
                request,
                gettext("Not removed, each is their tenant's last admin: %(names)s.")
                % {"names": names},
                messages.ERROR,
            )
