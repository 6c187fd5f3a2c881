"""Graceful stops (SPEC, Running on more than one machine): a web node told to
stop (SIGTERM) finishes the requests it is serving; a worker told to stop
finishes the email it is sending, which then goes out once, never twice."""

import json
import signal
import socket
import time

import pytest

from console.api.models import ApiScope
from invitations.models import EmailStatus, Invitation
from members.models import Role
from tenants.actors import Actor
from tests import factories

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def admin_key():
    from console.api.services import api_key_create
    from tenants.actors import Actor

    tenant = factories.TenantFactory(pro=True)
    membership = factories.AdminMembershipFactory(tenant=tenant)
    _, key = api_key_create(
        tenant=tenant,
        actor=Actor.member(membership.user),
        name="HR system",
        scope=ApiScope.READ_WRITE,
        expires_at=None,
    )
    return tenant, key


def test_a_web_node_told_to_stop_finishes_the_request_it_is_serving(cluster):
    tenant, key = admin_key()
    node = cluster.node(web_workers=1)
    body = json.dumps({"emails": ["inflight@example.com"], "role": Role.COLLABORATOR}).encode()
    head = (
        "POST /api/v1/invitations HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{node.port}\r\n"
        f"Authorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()

    # given a request in flight: the worker has it and is reading its body
    client = socket.create_connection(("127.0.0.1", node.port), timeout=30)
    client.sendall(head + body[:10])
    time.sleep(1)

    # when the node is told to stop
    node.process.send_signal(signal.SIGTERM)
    time.sleep(1)
    assert node.process.poll() is None  # still finishing

    # then the request still completes, and the node exits afterwards
    client.sendall(body[10:])
    response = b""
    while chunk := client.recv(65536):
        response += chunk
    client.close()
    assert response.startswith(b"HTTP/1.1 201"), response[:300]
    assert Invitation.objects.filter(tenant=tenant, email="inflight@example.com").exists()
    assert node.process.wait(timeout=30) == 0
    # and it takes nothing new
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", node.port), timeout=2)


def test_a_worker_told_to_stop_finishes_its_email_and_it_goes_out_once(cluster, smtp_sink):
    from invitations.services import invitation_create_bulk
    from invitations.tasks import sweep_invitation_outbox

    tenant, _ = admin_key()
    admin = tenant.memberships.get().user
    smtp_sink.delay = 3  # the send is in flight for 3 s
    worker = cluster.worker(INVITATION_EMAIL_LEASE_SECONDS="20")
    [invitation] = invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["ana@example.com"], role=Role.COLLABORATOR
    )
    smtp_sink.wait_for_receiving(1)

    # when the worker gets SIGTERM in the middle of the send (warm shutdown)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0

    # then the email went out, once, and is recorded as sent
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT
    assert [m["To"] for m in smtp_sink.messages] == ["ana@example.com"]

    # and another worker and the sweep find nothing left to send
    smtp_sink.delay = 0
    cluster.worker(INVITATION_EMAIL_LEASE_SECONDS="20")
    sweep_invitation_outbox.delay()
    time.sleep(5)
    assert [m["To"] for m in smtp_sink.messages] == ["ana@example.com"]
    assert invitation.email_attempts == 1
