from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Role


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class EmailStatus(models.TextChoices):
    """The outbox state of the invitation's current send."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Email failed")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def holding_seats(self) -> "InvitationQuerySet":
        """The invitations that hold a seat: the Pending ones. ``tenants`` counts
        them through ``tenant.invitations`` and so needs no word for the status."""
        return self.filter(status=InvitationStatus.PENDING)


class Invitation(models.Model):
    """An invitation of an email address into a tenant with a role.

    The link's secret is never stored: it is an HMAC of ``link_salt`` under
    the ``SECRET_KEY`` (so the worker can rebuild it for the email), and only
    its SHA-256 (``token_hash``) is kept for lookup. Resend draws a new salt,
    which supersedes the old link.
    """

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        related_name="invitations",
        # The (tenant, ...) indexes below serve every lookup by tenant; a lone
        # tenant index would only slow down each write (the expiry job's UPDATE).
        db_index=False,
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COLLABORATOR)
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField("sent", default=timezone.now)
    expires_at = models.DateTimeField("expires")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    link_salt = models.CharField(max_length=64, editable=False)
    # Unique through Meta.constraints: a field's unique=True would also add a
    # LIKE-pattern index on PostgreSQL that no query uses and every write pays for.
    token_hash = models.CharField(max_length=64, editable=False)

    # The outbox: the current send, written in the same transaction as the
    # invitation and claimed by the worker with a conditional UPDATE.
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True)
    # The bulk invite that created it: the Invitations tab follows that batch's sends.
    batch_id = models.UUIDField(null=True, blank=True, editable=False)
    # The language the invitation email is written in (the invite form's
    # "Email language"); the expiry in it is shown in the inviter's zone.
    email_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="invitations_one_pending_per_email",
            ),
            models.UniqueConstraint(fields=["token_hash"], name="invitations_unique_token_hash"),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="invitations_pending_expiry_idx",
            ),
            # The Invitations tab, newest first: all (tenant, created_at, id) and
            # per status (tenant, status, created_at, id). With the id in the key,
            # a page's primary keys come from the index alone (DeferredJoinPaginator).
            models.Index(fields=["tenant", "created_at", "id"], name="invitations_tenant_page_idx"),
            models.Index(
                fields=["tenant", "status", "created_at", "id"], name="invitations_status_page_idx"
            ),
            # Seats (pending count) and the tab's per-status counts, which also
            # need expires_at: index-only scans.
            models.Index(
                fields=["tenant", "status", "expires_at"], name="invitations_status_count_idx"
            ),
            models.Index(
                fields=["email"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="invitations_pending_email_idx",
            ),
            # A batch's send progress (partial: rows without a batch, e.g. the
            # expiry job's, never write it).
            models.Index(
                fields=["batch_id", "email_status"],
                condition=models.Q(batch_id__isnull=False),
                name="invitations_batch_idx",
            ),
            models.Index(
                fields=["email_claimed_at"],
                condition=models.Q(email_status__in=[EmailStatus.QUEUED, EmailStatus.SENDING]),
                name="invitations_outbox_idx",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.tenant} ({self.get_status_display()})"

    @property
    def is_past_expiry(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        """The status a person should see: a Pending invitation past expiry is Expired."""
        if self.status == InvitationStatus.PENDING and self.is_past_expiry:
            return InvitationStatus.EXPIRED
        return self.status


class SupersededLink(models.Model):
    """The hash of a link that Resend replaced.

    Resend gives an invitation a new secret, so the old link no longer matches
    the invitation's ``token_hash``. Keeping the old hash lets the accept page
    tell "replaced by a newer one" (410) from a link that never existed (404).
    Only the SHA-256 is kept, like ``Invitation.token_hash``.
    """

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="superseded_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    superseded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-superseded_at", "-pk"]

    def __str__(self):
        return f"Superseded link of invitation {self.invitation_id}"


class RequestKind(models.TextChoices):
    JOIN = "join", _("Join request")
    INVITE = "invite", _("Invite request")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class AccessRequest(models.Model):
    """A way in that waits for an admin: a person's **Request to join** (through a
    verified domain) or a collaborator's **Request invitations** for addresses.

    One open request per person and tenant (the partial unique constraint);
    decided requests stay, for the 30-day wait after a decline and the
    history in the Django admin, until the activity retention purges them.
    Written only through ``invitations.access_requests``.
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="access_requests", db_index=False
    )
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    # The requester's address when they asked (a join), or the addresses to invite.
    emails = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The role an approved join request gave.
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "requester"],
                condition=models.Q(status="open"),
                name="invitations_request_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="invitations_request_decided_when_closed",
            ),
        ]
        indexes = [
            # The Members tab's Requests section and the API list.
            models.Index(fields=["tenant", "status", "created_at"], name="inv_request_tab_idx"),
            # The purge of decided requests.
            models.Index(
                fields=["decided_at"],
                condition=~models.Q(status="open"),
                name="inv_request_decided_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.requester_id} in {self.tenant_id}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN
