import secrets
import string

from django.core.validators import MinLengthValidator
from django.db import models

PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    """An opaque, non-sequential id for URLs (about 62 bits of randomness)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class TenantType(models.TextChoices):
    DEVELOPMENT = "development", "Development"
    PRODUCTION = "production", "Production"


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"


class Tenant(models.Model):
    """A workspace. Production tenants carry a plan; development tenants do not."""

    public_id = models.CharField(
        max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False
    )
    name = models.CharField(max_length=64, validators=[MinLengthValidator(1)])
    type = models.CharField(
        max_length=20, choices=TenantType.choices, default=TenantType.DEVELOPMENT
    )
    plan = models.CharField(max_length=10, choices=Plan.choices, blank=True)
    member_limit_override = models.PositiveIntegerField(
        "Member limit",
        null=True,
        blank=True,
        help_text="Leave empty for the default of the tenant's type and plan.",
    )
    require_two_step = models.BooleanField(
        "Require two-step verification",
        default=False,
        help_text="Members without two-step verification are sent to set it up first.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(type=TenantType.DEVELOPMENT, plan="")
                    | models.Q(type=TenantType.PRODUCTION, plan__in=[Plan.FREE, Plan.PRO])
                ),
                name="tenants_tenant_plan_matches_type",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""), name="tenants_tenant_name_not_empty"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def kind_label(self) -> str:
        """'Development', 'Production (Free)' or 'Production (Pro)'."""
        if self.type == TenantType.PRODUCTION:
            return f"Production ({self.get_plan_display()})"
        return "Development"

    @property
    def is_production_free(self) -> bool:
        return self.type == TenantType.PRODUCTION and self.plan == Plan.FREE

    @property
    def is_pro(self) -> bool:
        return self.type == TenantType.PRODUCTION and self.plan == Plan.PRO
