from django.conf import settings
from django.db import models

from members.permissions import Role, permissions_for

__all__ = ["Membership", "Role"]


class MembershipManager(models.Manager["Membership"]):
    def create_owner(self, *, user) -> "Membership":
        """A new tenant's first member, its admin. ``tenants`` calls it through
        ``tenant.memberships`` and so needs no word for the role."""
        return self.create(user=user, role=Role.ADMIN)


class Membership(models.Model):
    """A user's place in a tenant, with their role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COLLABORATOR)
    created_at = models.DateTimeField("joined", auto_now_add=True)

    objects = MembershipManager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant"], name="members_one_membership_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "role"], name="members_tenant_role_idx"),
            # The Members tab's order (created_at, pk), read from the index without a sort.
            models.Index(fields=["tenant", "created_at", "id"], name="members_tenant_page_idx"),
        ]

    def __str__(self):
        return f"{self.user} in {self.tenant} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.role)

    def can(self, permission: str) -> bool:
        return permission in self.permissions
