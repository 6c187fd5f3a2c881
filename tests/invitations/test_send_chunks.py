"""A bulk invite's emails go out in chunks: one task sends up to SEND_CHUNK in turn.

Each email is still claimed on its own (sent once even if a chunk runs
twice); an email that fails for now is retried on its own with the backoff,
a permanent failure marks only that email, and a slow chunk hands the rest on.
"""

from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from invitations import services, tasks
from invitations.models import EmailStatus, Invitation
from tenants.actors import Actor
from tests import factories
from tests.invitations.test_emails_and_jobs import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.AdminMembershipFactory(tenant=factories.TenantFactory(pro=True)).user


def invite(admin, count: int) -> list[int]:
    with mock.patch.object(tasks.send_invitation_batch, "delay"):
        created = services.invitation_create_bulk(
            tenant=admin.memberships.get().tenant,
            actor=Actor.member(admin),
            emails=[f"c{i}@example.com" for i in range(count)],
            role="collaborator",
        )
    return [invitation.pk for invitation in created]


def statuses(ids) -> dict[str, int]:
    found: dict[str, int] = {}
    for status in Invitation.objects.filter(pk__in=ids).values_list("email_status", flat=True):
        found[status] = found.get(status, 0) + 1
    return found


def test_a_batch_is_enqueued_in_chunks(admin):
    ids = invite(admin, 2 * tasks.SEND_CHUNK + 1)
    with mock.patch.object(tasks.send_invitation_emails, "apply_async") as chunk:
        assert tasks.send_invitation_batch(ids) == len(ids)
    sent_chunks = [call.kwargs["args"][0] for call in chunk.call_args_list]
    assert [len(c) for c in sent_chunks] == [tasks.SEND_CHUNK, tasks.SEND_CHUNK, 1]
    assert [pk for c in sent_chunks for pk in c] == ids


def test_a_chunk_sends_each_email_once_even_if_run_twice(admin, mailoutbox):
    ids = invite(admin, 3)
    assert tasks.send_invitation_emails(ids) == 3
    assert tasks.send_invitation_emails(ids) == 0  # redelivered: every send already claimed
    assert len(mailoutbox) == 3
    assert statuses(ids) == {EmailStatus.SENT: 3}


def test_a_transient_failure_is_retried_on_its_own_and_the_rest_go_out(admin, smtp):  # noqa: F811
    ids = invite(admin, 3)
    smtp.reject_with = "421 Service not available, try again later"
    with mock.patch.object(tasks.send_invitation_email, "apply_async") as retry:
        tasks.send_invitation_emails(ids[:1])
    smtp.reject_with = None
    assert tasks.send_invitation_emails(ids[1:]) == 2
    retry.assert_called_once_with(args=(ids[0],), countdown=4)
    assert statuses(ids) == {EmailStatus.QUEUED: 1, EmailStatus.SENT: 2}
    assert len(smtp.wait_for(2)) == 2


def test_a_permanent_failure_marks_only_that_email(admin, smtp):  # noqa: F811
    ids = invite(admin, 2)
    smtp.reject_with = "550 No such user"
    assert tasks.send_invitation_emails(ids[:1]) == 0
    smtp.reject_with = None
    assert tasks.send_invitation_emails(ids[1:]) == 1
    assert statuses(ids) == {EmailStatus.FAILED: 1, EmailStatus.SENT: 1}


def test_a_slow_chunk_hands_the_rest_to_a_new_one(admin, mailoutbox, monkeypatch):
    ids = invite(admin, 3)
    monkeypatch.setattr(tasks, "CHUNK_SECONDS", -1)  # out of time after the first email
    with mock.patch.object(tasks.send_invitation_emails, "apply_async") as rest:
        assert tasks.send_invitation_emails(ids) == 1
    rest.assert_called_once_with(args=(ids[1:],), countdown=None)
    assert len(mailoutbox) == 1


def test_broker_down_mid_batch_leaves_the_rest_to_the_sweep(admin, caplog):
    ids = invite(admin, tasks.SEND_CHUNK + 1)
    calls = []

    def first_only(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch.object(tasks.send_invitation_emails, "apply_async", first_only):
        assert tasks.send_invitation_batch(ids) == tasks.SEND_CHUNK
    assert "1 invitation email(s) left for the outbox sweep" in caplog.text
    assert statuses(ids) == {EmailStatus.QUEUED: len(ids)}
