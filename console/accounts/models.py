import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    """What the user said describes them; it only changes Get started's guidance."""

    OPEN_SOURCE = "open_source", _("Open-source user")
    INDIVIDUAL = "individual", _("Individual developer")
    ENTERPRISE = "enterprise", _("Enterprise")


@cache
def available_time_zones() -> frozenset[str]:
    """The IANA zone names this system knows (read once per process)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(_("Choose a time zone from the list."), code="invalid_time_zone")


def zone_for(name: str) -> zoneinfo.ZoneInfo:
    """The zone of that name, UTC when it is unknown (a zone dropped from the system's data)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively and stored lower-cased."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    segment = models.CharField(
        "what describes you", max_length=20, choices=Segment.choices, blank=True
    )
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can sign in to the Django admin."
    )
    is_active = models.BooleanField("active", default=True)
    date_joined = models.DateTimeField("date joined", default=timezone.now)
    # Blank: follow the browser's Accept-Language (then English). Set from the
    # language menu; also the language of this account's emails.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    # Every date on the pages is shown in this zone (IANA name).
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.display_name


class SecurityAction(models.TextChoices):
    """A person's own account security events (their Security page)."""

    SIGNED_IN = "signed_in", _("Signed in")
    SIGNED_IN_WITH_SSO = "signed_in_sso", _("Signed in with single sign-on")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGNED_OUT = "signed_out", _("Signed out")
    SESSIONS_SIGNED_OUT = "sessions_signed_out", _("Other sessions signed out")
    SESSION_CLIENT_CHANGED = "session_client_changed", _("Session used from a new address")
    TWO_STEP_ON = "two_step_on", _("Two-step method added")
    TWO_STEP_OFF = "two_step_off", _("Two-step method removed")
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes regenerated")
    TWO_STEP_FAILED = "two_step_failed", _("Failed two-step code")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_SET = "password_set", _("Password set")
    PASSWORD_RESET = "password_reset", _("Password reset")
    EMAIL_CHANGED = "email_changed", _("Email changed")


class SecurityEvent(models.Model):
    """One security event of one account, recorded by the receivers in
    ``console.accounts.security``; shown only to that account's owner."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_events")
    action = models.CharField(max_length=40, choices=SecurityAction.choices)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)  # for the retention

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The Security page: one person's events, newest first.
            models.Index("user", models.F("id").desc(), name="accounts_security_page_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.user_id}) at {self.created_at:%Y-%m-%d %H:%M}"
