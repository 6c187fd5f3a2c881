"""A webhook receiver for tests: a threaded HTTP server on 127.0.0.1.

It keeps every request (body and headers) and answers from a script:
``respond(500, 200)`` answers 500 once, then 200 (the last answer repeats).
An answer may be a ``Reply`` with a body or a delay (to test timeouts).
``verified()`` checks each request's signature with the ``standardwebhooks``
package, as a real receiver would.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self, *, tls=None):
        self.requests: list[Received] = []
        self.script: list[Reply] = [Reply()]
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    reply = (
                        receiver.script.pop(0) if len(receiver.script) > 1 else receiver.script[0]
                    )
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format, *args):  # quiet test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:  # an ssl.SSLContext with the test certificate loaded
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, *replies) -> None:
        with self.lock:
            self.script = [r if isinstance(r, Reply) else Reply(status=r) for r in replies]

    def verified(self, secret: str) -> list[dict]:
        """Every request's payload, each verified against ``secret`` (raises if one is not)."""
        with self.lock:
            requests = list(self.requests)
        return [Webhook(secret).verify(r.body, r.headers) for r in requests]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"the receiver got {len(self.requests)} request(s), not {count}")
