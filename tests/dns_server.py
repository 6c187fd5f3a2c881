"""A real DNS server on 127.0.0.1 (dnslib) that the console's domain checks are pointed at.

``records`` maps a name (no trailing dot) to its TXT values; ``mode`` makes
the server answer normally, never answer (a timeout) or answer SERVFAIL.
"""

import time

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class _Resolver(BaseResolver):
    def __init__(self, owner: "FakeDNS"):
        self.owner = owner

    def resolve(self, request, handler):
        self.owner.queries.append(str(request.q.qname).rstrip("."))
        reply = request.reply()
        if self.owner.mode == "timeout":
            time.sleep(self.owner.silence_seconds)
            return None  # dnslib sends nothing when the resolver returns no reply
        if self.owner.mode == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        name = str(request.q.qname).rstrip(".").lower()
        values = self.owner.records.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


class FakeDNS:
    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.queries: list[str] = []
        self.mode = "answer"
        self.silence_seconds = 2.0
        self.server = DNSServer(
            _Resolver(self), address="127.0.0.1", port=0, logger=DNSLogger("-request,-reply")
        )
        self.port = self.server.server.server_address[1]

    def start(self) -> None:
        self.server.start_thread()

    def stop(self) -> None:
        self.server.stop()
        self.server.server.server_close()

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"
