"""A worker reuses its SMTP connection from one email to the next, and never a broken one."""

import smtplib
import socket
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from console import mail as console_mail
from tests.smtp import SMTPSink

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def fresh_connection():
    console_mail._close()
    yield
    console_mail._close()


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return settings


@pytest.fixture
def connects():
    with mock.patch.object(
        smtplib.SMTP, "connect", autospec=True, side_effect=smtplib.SMTP.connect
    ) as spy:
        yield spy


def message(to="ana@example.com"):
    return EmailMessage("Hello", "Body", "console@example.com", [to])


def test_messages_in_a_row_share_one_connection(smtp_settings, smtp_sink, connects):
    for address in ("ana@example.com", "bo@example.com", "cy@example.com"):
        assert console_mail.send_reusing_connection(message(address)) == 1

    assert [m["To"] for m in smtp_sink.wait_for(3)] == [
        "ana@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    assert connects.call_count == 1


def test_a_refused_message_closes_the_connection_and_the_next_one_reconnects(
    smtp_settings, smtp_sink, connects
):
    smtp_sink.reject_with = "550 No such user"
    with pytest.raises(smtplib.SMTPDataError):
        console_mail.send_reusing_connection(message())
    smtp_sink.reject_with = None

    console_mail.send_reusing_connection(message("bo@example.com"))

    assert [m["To"] for m in smtp_sink.wait_for(1)] == ["bo@example.com"]
    assert connects.call_count == 2


def test_a_connection_the_server_dropped_while_idle_is_replaced(
    smtp_settings, smtp_sink, connects, monkeypatch
):
    console_mail.send_reusing_connection(message())
    console_mail._local.backend.connection.sock.shutdown(
        socket.SHUT_RDWR
    )  # as if the server hung up
    monkeypatch.setattr(console_mail, "PROBE_AFTER_IDLE_SECONDS", 0)

    console_mail.send_reusing_connection(message("bo@example.com"))

    assert len(smtp_sink.wait_for(2)) == 2
    assert connects.call_count == 2


def test_at_most_so_many_messages_go_over_one_connection(
    smtp_settings, smtp_sink, connects, monkeypatch
):
    monkeypatch.setattr(console_mail, "MAX_MESSAGES_PER_CONNECTION", 2)

    for _ in range(5):
        console_mail.send_reusing_connection(message())

    assert len(smtp_sink.wait_for(5)) == 5
    assert connects.call_count == 3


def test_new_email_settings_open_a_connection_to_the_new_server(smtp_settings, smtp_sink):
    console_mail.send_reusing_connection(message())
    other = SMTPSink()
    other.start()
    try:
        smtp_settings.EMAIL_PORT = other.port
        console_mail.send_reusing_connection(message("bo@example.com"))
        assert [m["To"] for m in other.wait_for(1)] == ["bo@example.com"]
    finally:
        other.stop()
    assert len(smtp_sink.messages) == 1


def test_other_backends_send_as_usual(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert console_mail.send_reusing_connection(message()) == 1

    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert getattr(console_mail._local, "backend", None) is None
