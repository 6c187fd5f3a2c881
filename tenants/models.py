import secrets
import string

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.activity_actions import activity_action_choices, activity_actions
from tenants.domain_names import domain_display

PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    """An opaque, non-sequential id for URLs (about 62 bits of randomness)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class TenantType(models.TextChoices):
    DEVELOPMENT = "development", _("Development")
    PRODUCTION = "production", _("Production")


class Plan(models.TextChoices):
    FREE = "free", _("Free")
    PRO = "pro", _("Pro")


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
    # Set only by console.sso's services, and only while its connection is enabled.
    require_single_sign_on = models.BooleanField(
        "Require single sign-on",
        default=False,
        help_text="Members at the tenant's verified domains must sign in through its connection.",
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
            return _("Production (%(plan)s)") % {"plan": self.get_plan_display()}
        return str(_("Development"))

    @property
    def is_production_free(self) -> bool:
        return self.type == TenantType.PRODUCTION and self.plan == Plan.FREE

    @property
    def is_pro(self) -> bool:
        return self.type == TenantType.PRODUCTION and self.plan == Plan.PRO


def new_verification_token() -> str:
    """The secret half of a domain's TXT record value (about 190 bits)."""
    return secrets.token_urlsafe(24)


class Enrollment(models.TextChoices):
    """What a verified domain does for people whose confirmed address is at it."""

    ASK = "ask", _("Ask to join")
    AUTOMATIC = "automatic", _("Join automatically")
    OFF = "off", _("Off")


class Domain(models.Model):
    """A domain a tenant claims (``example.com``), Unverified until proven, then Verified.

    The name is stored lower-cased in IDNA form (``tenants.domain_names``).
    A tenant adds a name once; any number of tenants may hold it Unverified,
    but one tenant at most holds it Verified (the partial unique constraint),
    and only a Verified domain has any effect (its ``enrollment``). Written
    only through the domain services in ``tenants.services``.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253)
    verification_token = models.CharField(
        max_length=64, default=new_verification_token, editable=False
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    enrollment = models.CharField(max_length=10, choices=Enrollment.choices, default=Enrollment.ASK)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="tenants_domain_once_per_tenant"
            ),
            # One tenant per verified domain: join-by-domain must never have two answers.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(verified_at__isnull=False),
                name="tenants_domain_verified_once",
            ),
            models.CheckConstraint(
                condition=models.Q(name=Lower("name")),
                name="tenants_domain_name_lower_case",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def display_name(self) -> str:
        """The name as people read it (Unicode for an IDNA name)."""
        return domain_display(self.name)


class ActorKind(models.TextChoices):
    """Who made a change: a signed-in member, an operator in the Django admin,
    a job (expiry, email delivery), or an identity provider through SCIM."""

    MEMBER = "member", _("Member")
    OPERATOR = "operator", _("Operator")
    SYSTEM = "system", _("System")
    SCIM = "scim", _("SCIM")


class TenantAction(models.TextChoices):
    """The tenant's own activity actions. Every other app registers its own
    (``tenants.activity_actions``); the values are stable identifiers (the CSV,
    the API and webhooks carry them), so they are never renamed."""

    CREATED = "tenant.created", _("Tenant created")
    RENAMED = "tenant.renamed", _("Tenant renamed")
    PLAN_CHANGED = "tenant.plan_changed", _("Plan changed")
    MEMBER_LIMIT_CHANGED = "tenant.member_limit_changed", _("Member limit changed")
    TWO_STEP_REQUIREMENT_CHANGED = (
        "tenant.two_step_requirement_changed",
        _("Two-step requirement changed"),
    )
    DOMAIN_ADDED = "domain.added", _("Domain added")
    DOMAIN_VERIFIED = "domain.verified", _("Domain verified")
    DOMAIN_REMOVED = "domain.removed", _("Domain removed")
    DOMAIN_ENROLLMENT_CHANGED = "domain.enrollment_changed", _("Domain enrollment changed")


class ActivityEvent(models.Model):
    """One entry of a tenant's activity log: who did what to whom, when, from where.

    Written only through ``tenants.activity`` inside the transaction of the
    change it describes; never edited. The actor and target users are kept as
    nullable links (an account may be deleted later) next to a copy of their
    email at the time, so the log still reads right afterwards. Deleting the
    tenant deletes its log (CASCADE): the log belongs to the tenant.
    """

    # No database FOREIGN KEY here, on purpose: checking one makes PostgreSQL
    # take FOR KEY SHARE on the tenant row, which waits behind the services'
    # SELECT ... FOR UPDATE of that row. A service holding an invitation lock
    # (revoke, the expiry job) would then wait for the tenant while accept holds
    # the tenant and waits for the invitation: a deadlock. Entries are written
    # only by tenants.activity with a real tenant, and deleting a tenant still
    # deletes its log (Django's CASCADE); the composite indexes cover tenant.
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="activity_events",
        db_constraint=False,
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.EmailField(max_length=254, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # Every app's actions, registered from its AppConfig.ready().
    action = models.CharField(max_length=40, choices=activity_action_choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_email = models.EmailField(max_length=254, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "activity event"
        # Newest first by id: ids grow with time, and the tab pages by them.
        ordering = ["-id"]
        indexes = [
            # The Activity tab: a tenant's entries newest first, optionally one action.
            models.Index("tenant", models.F("id").desc(), name="tenants_activity_page_idx"),
            models.Index(
                "tenant", "action", models.F("id").desc(), name="tenants_activity_action_idx"
            ),
            # The person filter (actor OR target, by the email at the time, so
            # former members and invitees are found too): PostgreSQL ORs these two.
            models.Index(
                "tenant", "actor_email", models.F("id").desc(), name="tenants_activity_actor_idx"
            ),
            models.Index(
                "tenant",
                "target_email",
                models.F("id").desc(),
                name="tenants_activity_target_idx",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_action_display()} in {self.tenant_id} at {self.created_at:%Y-%m-%d %H:%M}"
        )

    @property
    def actor_label(self) -> str:
        """'Operator', 'System' or the member's email at the time."""
        if self.actor_kind == ActorKind.MEMBER:
            return self.actor_email or str(_("(deleted account)"))
        return self.get_actor_kind_display()

    @property
    def summary(self) -> str:
        """The details in words, for the Activity tab and the CSV (its app's summary)."""
        return activity_actions.summary(self.action, self.details)


def _limit_words(limit) -> str:
    return str(_("the default")) if limit is None else str(limit)


def _kind_words(type_: str, plan: str) -> str:
    if type_ == TenantType.PRODUCTION:
        return _("Production (%(plan)s)") % {
            "plan": Plan(plan).label if plan in Plan.values else plan
        }
    return str(_("Development"))


def _plan_change(d: dict) -> str:
    old = _kind_words(d["old_type"], d["old_plan"])
    return f"{old} → {_kind_words(d['new_type'], d['new_plan'])}"


def _domain_verified(d: dict) -> str:
    how = str(_("by DNS") if d["method"] == "dns" else _("by the admin's own address"))
    return f"{domain_display(d['domain'])}, {how}"


def _enrollment_change(d: dict) -> str:
    old = str(Enrollment(d["old_enrollment"]).label)
    new = str(Enrollment(d["new_enrollment"]).label)
    return f"{domain_display(d['domain'])}: {old} → {new}"


SUMMARIES = {
    TenantAction.CREATED: lambda d: f"“{d['name']}”, {_kind_words(d['type'], d['plan'])}",
    TenantAction.RENAMED: lambda d: f"“{d['old_name']}” → “{d['new_name']}”",
    TenantAction.PLAN_CHANGED: _plan_change,
    TenantAction.MEMBER_LIMIT_CHANGED: (
        lambda d: f"{_limit_words(d['old_limit'])} → {_limit_words(d['new_limit'])}"
    ),
    TenantAction.DOMAIN_ADDED: lambda d: domain_display(d["domain"]),
    TenantAction.DOMAIN_REMOVED: lambda d: domain_display(d["domain"]),
    TenantAction.DOMAIN_VERIFIED: _domain_verified,
    TenantAction.DOMAIN_ENROLLMENT_CHANGED: _enrollment_change,
}
