from django.conf import settings
from django.db import models


class ChecklistState(models.Model):
    """A user's own Get started checklist in one tenant: hidden or not, links followed.

    Everything else the checklist shows is computed from data (members,
    invitations, tenants); only what leaves no other trace is stored here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checklist_states"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="checklist_states"
    )
    hidden = models.BooleanField(default=False)
    community_joined_at = models.DateTimeField(null=True, blank=True)
    self_hosting_guide_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant"], name="onboarding_one_state_per_user"
            ),
        ]

    def __str__(self):
        return f"Get started of {self.user} in {self.tenant}"
