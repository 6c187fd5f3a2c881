"""Sending email from a worker over one SMTP connection, reused from one message to the next.

Django's SMTP backend opens a connection for every ``send()``: connect, read
the greeting, EHLO (and STARTTLS, AUTH), the message, QUIT. The handshake
costs several times the message itself (figures in the README); a worker
that sends one email per task would pay it on every task.
Here each worker thread keeps its connection open between tasks.

What keeps this as safe as a fresh connection:

- any error while sending closes the connection, so the next message (or the
  task's retry) starts a clean session;
- a connection idle for a while is probed with NOOP first and replaced if the
  server has dropped it (servers drop idle clients after a few minutes);
- at most ``MAX_MESSAGES_PER_CONNECTION`` messages go over one connection,
  as some servers limit that;
- a change of the email settings (tests point them at a new server) opens a
  new connection;
- only Django's SMTP backend is kept open; others (console, locmem) send as usual.
"""

import contextlib
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

MAX_MESSAGES_PER_CONNECTION = 100
PROBE_AFTER_IDLE_SECONDS = 5.0

_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "EMAIL_SSL_CERTFILE",
    "EMAIL_SSL_KEYFILE",
)

_local = threading.local()  # one connection per worker thread (prefork: per process)


def _settings_key() -> tuple:
    return tuple(getattr(settings, name, None) for name in _SETTINGS)


def _close_quietly(backend: SMTPBackend) -> None:
    with contextlib.suppress(Exception):
        backend.close()  # QUIT; a dead connection is just dropped


def _close() -> None:
    backend = getattr(_local, "backend", None)
    _local.backend = None
    if backend is not None:
        _close_quietly(backend)


def _alive(backend: SMTPBackend) -> bool:
    if backend.connection is None:  # never opened, or closed
        return False
    try:
        return backend.connection.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _open_backend():
    """This thread's open SMTP backend, or None when email does not go through SMTP."""
    key = _settings_key()
    backend = getattr(_local, "backend", None)
    if backend is not None:
        idle = time.monotonic() - _local.last_used
        if (
            _local.key != key
            or _local.sent >= MAX_MESSAGES_PER_CONNECTION
            or (idle > PROBE_AFTER_IDLE_SECONDS and not _alive(backend))
        ):
            _close()
            backend = None
    if backend is None:
        backend = get_connection(fail_silently=False)
        if not isinstance(backend, SMTPBackend):
            return None
        try:
            backend.open()
        except BaseException:
            _close_quietly(backend)  # e.g. connected, then refused at AUTH
            raise
        _local.backend, _local.key, _local.sent = backend, key, 0
        _local.last_used = time.monotonic()
    return backend


def send_reusing_connection(message: EmailMessage) -> int:
    """Send ``message`` like ``message.send(fail_silently=False)``, over this thread's open
    connection."""
    backend = _open_backend()
    if backend is None:
        return message.send(fail_silently=False)
    try:
        # The connection is already open, so the backend leaves it open afterwards.
        sent = backend.send_messages([message])
    except BaseException:
        _close()
        raise
    _local.sent += 1
    _local.last_used = time.monotonic()
    return sent
