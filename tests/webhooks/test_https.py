"""An https receiver: the worker connects to the checked IP and still verifies the
certificate for the host name (SNI + hostname check), with a certificate made here.

The name ``hooks.example.test`` resolves (mocked) to 127.0.0.1; the test CA
bundle is ``WEBHOOK_CA_BUNDLE``. Nothing leaves loopback.
"""

import datetime
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import transaction

from console.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tenants.activity import activity_record
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_guard import resolving_to

pytestmark = pytest.mark.django_db


def self_signed(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def https_receiver(tmp_path, settings, monkeypatch):
    """An https receiver whose certificate is for ``hooks.example.test``, trusted by the worker."""
    cert_file, key_file = self_signed(tmp_path, "hooks.example.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    receiver = Receiver(tls=context).start()
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # hooks.example.test is 127.0.0.1 here
    settings.WEBHOOK_CA_BUNDLE = str(cert_file)
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("127.0.0.1"))
    yield receiver
    receiver.stop()


def emit(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        activity_record(tenant=tenant, action="member.left", target_email="x@example.com")


def test_https_to_the_checked_address_verifies_the_certificate_for_the_name(
    tenant, make_endpoint, https_receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(
        url=f"https://hooks.example.test:{https_receiver.port}/hooks", events=["member.left"]
    )
    emit(tenant, django_capture_on_commit_callbacks)

    [request] = https_receiver.wait_for(1)
    assert request.headers["Host"] == f"hooks.example.test:{https_receiver.port}"
    assert [p["type"] for p in https_receiver.verified(endpoint.secret)] == ["member.left"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_certificate_for_another_name_is_refused(
    tenant, make_endpoint, https_receiver, django_capture_on_commit_callbacks
):
    # The same server (its certificate names hooks.example.test) reached as another name.
    make_endpoint(
        url=f"https://other.example.test:{https_receiver.port}/hooks", events=["member.left"]
    )
    emit(tenant, django_capture_on_commit_callbacks)

    assert https_receiver.requests == []
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None
    assert "SSL" in attempt.error or "certificate" in attempt.error.lower()
