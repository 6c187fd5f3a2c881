"""Send progress of a bulk invite: the batch id, the counts on the Invitations
tab, the polling fragment, and the one enqueue that fans out."""

import uuid
from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from invitations import services, tasks
from invitations.models import EmailStatus, Invitation
from members.models import Role
from tenants.actors import Actor
from tests import factories
from tests.invitations.conftest import invite_url, list_url

pytestmark = pytest.mark.django_db


def progress_url(tenant, batch_id) -> str:
    return reverse(
        "tenant_invitations:batch_progress",
        kwargs={"tenant_id": tenant.public_id, "batch_id": batch_id},
    )


def post(client, tenant, emails: str):
    """The invite form. Unless run in ``on_commit()``, the enqueue after the
    commit does not run in a test: every email stays queued."""
    return client.post(invite_url(tenant), {"emails": emails, "role": Role.COLLABORATOR})


def test_one_bulk_invite_is_one_batch(pro_tenant, pro_admin):
    tenant, admin = pro_tenant, pro_admin
    first = services.invitation_create_bulk(
        tenant=tenant,
        actor=Actor.member(admin),
        emails=["a@example.com", "b@example.com"],
        role="admin",
    )
    second = services.invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["c@example.com"], role="admin"
    )
    assert first[0].batch_id is not None
    assert {i.batch_id for i in first} == {first[0].batch_id}
    assert second[0].batch_id != first[0].batch_id


def test_after_inviting_the_tab_shows_the_batch_queued_and_polls(admin_client, tenant):
    response = post(admin_client, tenant, "ana@example.com li@example.com")
    batch_id = Invitation.objects.values_list("batch_id", flat=True).first()
    assert response["Location"] == f"{list_url(tenant)}?batch={batch_id}"

    page = admin_client.get(response["Location"]).content.decode()
    assert 'role="status" aria-live="polite"' in page
    assert "2 queued</span>" in page and "0 sent</span>" in page and "0 failed</span>" in page
    assert f'hx-get="{progress_url(tenant, batch_id)}" hx-trigger="every 3s"' in page


def test_the_fragment_stops_polling_once_none_is_queued(client, pro_tenant, pro_admin):
    admin_client, tenant = client, pro_tenant
    admin_client.force_login(pro_admin)
    batch_id = services.invitation_create_bulk(
        tenant=tenant,
        actor=Actor.member(pro_admin),
        emails=["ana@example.com", "li@example.com", "bo@example.com"],
        role=Role.COLLABORATOR,
    )[0].batch_id
    emails = Invitation.objects.order_by("email")
    Invitation.objects.filter(pk=emails[0].pk).update(email_status=EmailStatus.SENDING)
    Invitation.objects.filter(pk=emails[1].pk).update(email_status=EmailStatus.SENT)
    Invitation.objects.filter(pk=emails[2].pk).update(email_status=EmailStatus.FAILED)

    fragment = admin_client.get(progress_url(tenant, batch_id), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in text
    # Being sent right now still counts as queued: the polling goes on.
    assert "1 queued</span>" in text and "1 sent</span>" in text and "1 failed</span>" in text
    assert 'hx-trigger="every 3s"' in text

    Invitation.objects.filter(pk=emails[0].pk).update(email_status=EmailStatus.SENT)
    text = admin_client.get(progress_url(tenant, batch_id)).content.decode()
    assert "0 queued</span>" in text and "2 sent</span>" in text
    assert "hx-trigger" not in text and "hx-get" not in text
    assert "Resend the failed ones" in text


def test_all_sent_says_so(admin_client, tenant, on_commit, mailoutbox):
    with on_commit():
        response = post(admin_client, tenant, "ana@example.com li@example.com")
    assert len(mailoutbox) == 2
    page = admin_client.get(response["Location"]).content.decode()
    assert "2 sent</span>" in page and "All sent." in page and "every 3s" not in page


def test_the_tab_without_a_batch_or_with_a_bad_one_shows_no_progress(admin_client, tenant, admin):
    factories.InvitationFactory(tenant=tenant, invited_by=admin)
    for query in ("", "?batch=not-a-uuid", f"?batch={uuid.uuid4()}"):
        response = admin_client.get(list_url(tenant) + query)
        assert response.status_code == 200
        assert response.context["progress"] is None
        assert "batch-progress" not in response.content.decode()


def test_progress_is_admin_only_and_tenant_scoped(client, collaborator_client, tenant, admin):
    batch_id = services.invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["a@example.com"], role=Role.COLLABORATOR
    )[0].batch_id
    assert collaborator_client.get(progress_url(tenant, batch_id)).status_code == 403

    other = factories.AdminMembershipFactory()
    client.force_login(other.user)
    # An outsider: the tenant is not theirs.
    assert client.get(progress_url(tenant, batch_id)).status_code == 404
    # Their own tenant's URL with this tenant's batch: no such batch there.
    assert client.get(progress_url(other.tenant, batch_id)).status_code == 404
    page = client.get(list_url(other.tenant) + f"?batch={batch_id}")
    assert page.context["progress"] is None


def test_the_invite_form_cannot_be_sent_twice(admin_client, tenant):
    page = admin_client.get(invite_url(tenant)).content.decode()
    assert 'class="invite-form" novalidate data-disable-on-submit>' in page


# -- Enqueueing -------------------------------------------------------------------------


def test_a_bulk_invite_enqueues_one_task_that_fans_out(pro_tenant, pro_admin, on_commit):
    tenant, admin = pro_tenant, pro_admin
    with mock.patch.object(tasks.send_invitation_batch, "delay") as batch, on_commit():
        created = services.invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=[f"p{i}@example.com" for i in range(5)],
            role="admin",
        )
    batch.assert_called_once_with([i.pk for i in created])


def test_a_single_send_is_enqueued_directly(tenant, admin, on_commit):
    with (
        mock.patch.object(tasks.send_invitation_batch, "delay") as batch,
        mock.patch.object(tasks.send_invitation_email, "delay") as send,
        on_commit(),
    ):
        created = services.invitation_create_bulk(
            tenant=tenant, actor=Actor.member(admin), emails=["one@example.com"], role="admin"
        )
    batch.assert_not_called()
    send.assert_called_once_with(created[0].pk)


def test_the_batch_task_sends_each_email_once_even_if_run_twice(tenant, admin, mailoutbox):
    created = services.invitation_create_bulk(
        tenant=tenant,
        actor=Actor.member(admin),
        emails=["a@example.com", "b@example.com"],
        role="admin",
    )
    ids = [i.pk for i in created]
    assert tasks.send_invitation_batch(ids) == 2
    assert tasks.send_invitation_batch(ids) == 2  # redelivered: enqueued again, claimed once
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]
    assert set(Invitation.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_broker_down_leaves_the_batch_to_the_sweep(admin_client, tenant, on_commit, caplog):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch.object(tasks.send_invitation_batch, "delay", broker_down), on_commit():
        response = post(admin_client, tenant, "a@example.com b@example.com")
    assert response.status_code == 302
    assert Invitation.objects.filter(email_status=EmailStatus.QUEUED).count() == 2
    assert "2 invitation email(s) left for the outbox sweep" in caplog.text
    # The sweep's own enqueue (one task per due send) picks them up later.
    with mock.patch.object(tasks.send_invitation_email, "delay") as send:
        tasks.enqueue_invitation_emails(
            Invitation.objects.values_list("pk", flat=True).order_by("pk")
        )
    assert send.call_count == 2
