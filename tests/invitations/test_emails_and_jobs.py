"""The invitation email, its send record (outbox), retries, and the beat jobs."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from console.email_retry import MAX_ATTEMPTS as MAX_EMAIL_ATTEMPTS
from invitations import tasks
from invitations.emails import message_id
from invitations.models import EmailStatus, Invitation, InvitationStatus
from invitations.services import invitation_resend
from members.models import Role
from tenants.actors import Actor
from tests import factories
from tests.factories import invitation_link_token
from tests.invitations.conftest import action_url, invite_url, list_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings, smtp_sink):
    """Deliver through a real SMTP server (the sink) instead of the locmem outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_sink


@pytest.fixture
def scheduled_retries(monkeypatch):
    """Stand in for the broker's delayed redelivery: record each retry instead of running it now."""
    countdowns = []

    def retry(*, countdown, exc):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(tasks.send_invitation_email, "retry", retry)
    return countdowns


def send(invitation) -> None:
    # throw=False: a retry is the task's answer, not an error of the test.
    result = tasks.send_invitation_email.apply(args=[invitation.pk], throw=False)
    assert result.state != "FAILURE", result.traceback
    invitation.refresh_from_db()


# -- The email ------------------------------------------------------------------------


def test_email_has_tenant_inviter_role_link_and_expiry_in_html_and_text(
    invitation, admin, mailoutbox, settings
):
    send(invitation)
    [email] = mailoutbox
    link = f"{settings.SITE_URL}/invitations/{invitation_link_token(invitation)}/"
    html = email.alternatives[0][0]
    assert email.to == ["invitee@example.com"]
    assert invitation.tenant.name in email.subject and admin.display_name in email.subject
    for part in (email.body, html):
        assert invitation.tenant.name in part
        assert admin.display_name in part
        assert "Collaborator" in part
        assert link in part
        assert invitation.expires_at.strftime("%B %-d, %Y") in part
    assert email.alternatives[0][1] == "text/html"
    assert "Accept invitation" in html


def test_names_are_escaped_in_the_html_email(db, mailoutbox):
    tenant = factories.TenantFactory(name="<script>alert(1)</script>")
    admin = factories.AdminMembershipFactory(
        tenant=tenant, user__name="Eve <b>\nBcc: x@evil.example"
    ).user
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    send(invitation)
    [email] = mailoutbox
    html = email.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html
    # a line break in a name cannot start a new header
    assert "\n" not in email.subject
    assert email.message()["Bcc"] is None


def test_message_id_is_stable_per_send_and_new_after_resend(invitation, admin, mailoutbox):
    first = message_id(invitation)
    assert message_id(Invitation.objects.get(pk=invitation.pk)) == first
    invitation_resend(invitation=invitation, actor=Actor.member(admin))
    invitation.refresh_from_db()
    assert message_id(invitation) != first
    assert invitation.link_salt not in first


def test_email_carries_the_message_id(invitation, mailoutbox):
    send(invitation)
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id(invitation)


# -- Exactly once ------------------------------------------------------------------------


def test_a_duplicate_task_sends_nothing(invitation, mailoutbox):
    send(invitation)
    send(invitation)
    assert len(mailoutbox) == 1
    assert invitation.email_status == EmailStatus.SENT
    assert invitation.email_attempts == 1


def test_a_send_claimed_by_a_live_worker_is_left_alone(invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now()
    )
    send(invitation)
    assert mailoutbox == []


def test_a_send_claimed_by_a_dead_worker_is_taken_over_after_the_lease(invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=timezone.now() - timedelta(minutes=6),
        email_attempts=1,
    )
    send(invitation)
    assert len(mailoutbox) == 1
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENT, 2)


@pytest.mark.parametrize(
    "status", [InvitationStatus.REVOKED, InvitationStatus.EXPIRED, InvitationStatus.ACCEPTED]
)
def test_no_email_once_the_invitation_is_not_pending(invitation, mailoutbox, status):
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    send(invitation)
    assert mailoutbox == []


def test_no_email_past_expiry(invitation, mailoutbox):
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        send(invitation)
    assert mailoutbox == []


def test_missing_invitation_is_skipped(db, mailoutbox):
    tasks.send_invitation_email.apply(args=[987654])
    assert mailoutbox == []


# -- SMTP failures ------------------------------------------------------------------------


def test_smtp_4xx_is_retried_with_backoff_then_delivered_exactly_once(
    invitation, smtp, scheduled_retries
):
    # given the server answers "try again later"
    smtp.reject_with = "421 Service not available, try again later"
    send(invitation)
    assert smtp.messages == []
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.QUEUED, 1)
    assert "421" in invitation.email_error
    assert scheduled_retries == [4]

    # when the server is back and the retry runs
    smtp.reject_with = None
    send(invitation)
    # then exactly one email is delivered, and a late duplicate sends nothing
    send(invitation)
    assert len(smtp.wait_for(1)) == 1
    assert invitation.email_status == EmailStatus.SENT
    assert invitation.email_sent_at is not None


def test_backoff_grows_exponentially(invitation, smtp, scheduled_retries):
    smtp.reject_with = "451 Local error in processing"
    for _ in range(4):
        send(invitation)
    assert scheduled_retries == [4, 8, 16, 32]


def test_connection_refused_is_retried(invitation, settings, scheduled_retries):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    send(invitation)
    assert invitation.email_status == EmailStatus.QUEUED
    assert scheduled_retries == [4]


@pytest.fixture
def eager_retries():
    """Eager retries run at once, one inside the other, when errors do not propagate."""
    from console.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


def test_out_of_retries_is_marked_failed(invitation, smtp, eager_retries):
    smtp.reject_with = "421 Service not available"
    send(invitation)  # eager: each retry runs at once, until the last
    assert smtp.messages == []
    assert (invitation.email_status, invitation.email_attempts) == (
        EmailStatus.FAILED,
        MAX_EMAIL_ATTEMPTS,
    )


def test_smtp_5xx_is_failed_at_once_shown_on_the_tab_then_resend_delivers(
    admin_client, invitation, smtp, scheduled_retries, on_commit
):
    smtp.reject_with = "550 No such user here"
    send(invitation)
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.FAILED, 1)
    assert scheduled_retries == []
    assert "Email failed" in admin_client.get(list_url(invitation.tenant)).content.decode()

    smtp.reject_with = None
    with on_commit():
        admin_client.post(action_url(invitation, "resend"))

    [message] = smtp.wait_for(1)
    invitation.refresh_from_db()
    assert message["To"] == invitation.email
    assert invitation_link_token(invitation) in message.get_body(("plain",)).get_content()
    assert invitation.email_status == EmailStatus.SENT
    assert "Email failed" not in admin_client.get(list_url(invitation.tenant)).content.decode()


def test_delivery_through_smtp_has_both_parts(invitation, smtp):
    send(invitation)
    [message] = smtp.wait_for(1)
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None
    assert message["Message-ID"] == message_id(invitation)


# -- Broker outage and the outbox sweep ------------------------------------------------------


def test_invite_succeeds_while_the_broker_is_down_and_the_sweep_sends_later(
    admin_client, tenant, on_commit, mailoutbox, monkeypatch, caplog
):
    calls = []

    def broker_down(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_invitation_batch, "delay", broker_down)
    with on_commit():
        response = admin_client.post(
            invite_url(tenant), {"emails": "a@example.com b@example.com", "role": Role.COLLABORATOR}
        )

    assert response.status_code == 302
    assert Invitation.objects.filter(email_status=EmailStatus.QUEUED).count() == 2
    assert len(calls) == 1  # gave up after the first failure instead of waiting on each
    assert "left for the outbox sweep" in caplog.text
    assert mailoutbox == []

    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.sweep_invitation_outbox.apply().get() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]


def test_sweep_leaves_fresh_sends_to_their_own_task(invitation, mailoutbox):
    assert tasks.sweep_invitation_outbox.apply().get() == 0
    assert mailoutbox == []


def test_sweep_takes_over_a_dead_workers_send(invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now() - timedelta(minutes=10)
    )
    assert tasks.sweep_invitation_outbox.apply().get() == 1
    assert len(mailoutbox) == 1


def test_sweep_ignores_sent_failed_and_not_pending(tenant, admin, mailoutbox):
    old = timezone.now() - timedelta(hours=1)
    for email_status in (EmailStatus.SENT, EmailStatus.FAILED):
        factories.InvitationFactory(
            tenant=tenant, invited_by=admin, sent_at=old, email_status=email_status
        )
    factories.InvitationFactory(
        tenant=tenant, invited_by=admin, sent_at=old, status=InvitationStatus.REVOKED
    )
    assert tasks.sweep_invitation_outbox.apply().get() == 0


# -- Expiry -------------------------------------------------------------------------------------


def test_job_expires_pending_invitations_past_their_expiry_in_one_update(tenant, admin):
    stale = factories.InvitationFactory.create_batch(3, tenant=tenant, invited_by=admin)
    fresh = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, sent_at=timezone.now() + timedelta(days=1)
    )
    revoked = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, status=InvitationStatus.REVOKED
    )

    with (
        time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)),
        CaptureQueriesContext(connection) as captured,
    ):
        assert tasks.expire_stale_invitations.apply().get() == 3

    # Left out: console.webhooks' receiver looking up the endpoints of the
    # tenants whose invitations expired (a SELECT).
    statements = [
        q["sql"]
        for q in captured
        if "SAVEPOINT" not in q["sql"] and "webhooks_webhookendpoint" not in q["sql"]
    ]
    if connection.vendor == "postgresql":
        # One statement: the UPDATE feeds the activity entries' INSERT (a CTE).
        assert len(statements) == 1 and statements[0].lstrip().startswith("WITH expired AS")
    assert all(Invitation.objects.get(pk=i.pk).status == InvitationStatus.EXPIRED for i in stale)
    assert Invitation.objects.get(pk=fresh.pk).status == InvitationStatus.PENDING
    assert Invitation.objects.get(pk=revoked.pk).status == InvitationStatus.REVOKED


def test_job_leaves_invitations_within_their_week(invitation):
    with time_machine.travel(invitation.expires_at - timedelta(seconds=1)):
        assert tasks.expire_stale_invitations.apply().get() == 0


def test_expire_invitations_command_runs_the_same_code(invitation):
    out = StringIO()
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        call_command("expire_invitations", stdout=out)
    assert out.getvalue().strip() == "Expired 1 invitation."
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED


def test_the_lease_is_a_setting(invitation, mailoutbox, settings):
    settings.INVITATION_EMAIL_LEASE_SECONDS = 30
    Invitation.objects.filter(pk=invitation.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now() - timedelta(seconds=31)
    )
    assert tasks.sweep_invitation_outbox.apply().get() == 1
    assert len(mailoutbox) == 1
