"""A real SMTP sink for tests, built on aiosmtpd."""

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.receiving += 1
        if self.sink.delay:
            # Hold the reply: a client that dies meanwhile (a killed worker)
            # closes the connection, aiosmtpd cancels this handler, and the
            # message is never accepted, as with a real server.
            await asyncio.sleep(self.sink.delay)
        if self.sink.reject_with:
            return self.sink.reject_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.raw.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SMTPSink:
    """Keeps every delivered message; ``reject_with`` makes it refuse (e.g. a 5xx reply).

    ``delay`` holds each DATA reply that many seconds (a slow server, so a
    test can kill the sender mid-send); ``receiving`` counts the messages
    whose DATA has started, accepted or not.
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[tuple[str, list[str], bytes]] = []  # (from, to, bytes) as received
        self.lock = threading.Lock()
        self.reject_with: str | None = None
        self.delay: float = 0.0
        self.receiving = 0
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.1)
        with self.lock:
            raise AssertionError(f"expected {count} emails, got {len(self.messages)} in {timeout}s")

    def wait_for_receiving(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` messages have started their DATA (a send is in flight)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.receiving >= count:
                    return
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} messages in flight, saw {self.receiving} in {timeout}s"
        )
