from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console.api.keys import PREFIX_LENGTH


class ApiScope(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read_write", _("Read and write")
    # Only /scim/v2/<tenant>/ (an identity provider's provisioning); nothing in /api/v1.
    SCIM = "scim", _("SCIM")


class ApiKey(models.Model):
    """A tenant's API key: the database keeps the prefix (lookup) and a hash, never the key.

    The key acts as the admin who created it (``created_by``), limited by its
    scope: requests are allowed what that person's role allows now, so a key
    never outlives its creator's membership or grants more than they have.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=64)
    scope = models.CharField(max_length=10, choices=ApiScope.choices)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-id"]
        indexes = [models.Index("tenant", models.F("id").desc(), name="api_apikey_tab_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "read_write", "scim"]),
                name="api_apikey_scope_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.READ_WRITE

    @property
    def is_scim(self) -> bool:
        return self.scope == ApiScope.SCIM

    def status(self, now=None) -> str:
        """'Revoked', 'Expired' or 'Active', as the API keys tab shows it."""
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "Expired"
        return "Active"

    def is_usable(self, now=None) -> bool:
        return self.status(now) == "Active"
