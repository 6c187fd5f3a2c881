from django.conf import settings
from django.db import models


class ChecklistState(models.Model):
    """A user's own Get started checklist in one tenant: hidden or not, community followed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checklist_states"
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="checklist_states"
    )
    hidden = models.BooleanField(default=False)
    community_joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="onboarding_one_state_per_user"),
        ]
