"""Crash recovery within 3 minutes (SPEC, Jobs), under the production timings.

A worker is SIGKILLed in the middle of a send. Nothing is shortened here (no
FAST_FAULTS): the killed worker's message stays unacknowledged on the broker
for the production visibility timeout (1 h), so the only way back is the
production path: a beat process with the production schedule runs the outbox
sweep, which hands the stale claim (older than the production lease) to
another worker. The email must go out once, within 3 minutes of the claim.

Takes about two and a half minutes.
"""

from datetime import timedelta

import pytest

from invitations.models import EmailStatus
from members.models import Role
from tenants.actors import Actor
from tests import factories
from tests.conftest import WorkerProcess
from tests.reliability.faults import smtp_url, wait_until

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

THREE_MINUTES = 180


class BeatProcess(WorkerProcess):
    """``celery -A console beat`` with the production schedule (its state in a temp file)."""

    ready_marker = b"Starting..."

    def __init__(self, *, schedule_path, **kwargs):
        super().__init__(**kwargs)
        self.schedule_path = schedule_path

    def command(self) -> list[str]:
        return [
            *super().command()[:5],
            "beat",
            "--loglevel=INFO",
            f"--schedule={self.schedule_path}",
        ]


@pytest.fixture
def beat(shared_broker, smtp_sink, tmp_path):
    process = BeatProcess(
        redis_url=shared_broker,
        email_url=smtp_url(smtp_sink.port),
        schedule_path=tmp_path / "celerybeat-schedule",
    )
    yield process
    process.stop()


def test_a_send_whose_worker_was_killed_goes_out_within_three_minutes(
    shared_broker, workers, smtp_sink, beat
):
    from invitations.services import invitation_create_bulk

    # given a production worker caught in the middle of a send (a slow SMTP server)
    smtp_sink.delay = 5
    first = workers(shared_broker, smtp_url(smtp_sink.port))
    tenant = factories.TenantFactory(pro=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    [invitation] = invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["ana@example.com"], role=Role.COLLABORATOR
    )
    smtp_sink.wait_for_receiving(1)

    # when it is SIGKILLed before the server accepted the message
    first.kill()
    smtp_sink.delay = 0
    invitation.refresh_from_db()
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENDING, 1)
    claimed_at = invitation.email_claimed_at

    # and the rest of production carries on: another worker and beat
    workers(shared_broker, smtp_url(smtp_sink.port))
    beat.start()

    # then the email goes out once, within 3 minutes of the dead worker's claim
    def sent():
        invitation.refresh_from_db()
        return invitation.email_status == EmailStatus.SENT

    wait_until(sent, timeout=THREE_MINUTES, interval=1, what="the email to be sent")
    took = invitation.email_sent_at - claimed_at
    assert took <= timedelta(seconds=THREE_MINUTES), f"sent {took} after the claim"
    assert invitation.email_attempts == 2  # the killed attempt and the one that sent
    assert [m["To"] for m in smtp_sink.messages] == ["ana@example.com"]
