"""The SSRF guard: what a webhook URL may point to, checked without connecting anywhere.

The resolver is replaced (``socket.getaddrinfo``) so each test decides what a
name resolves to, and ``socket.socket.connect`` fails the test if anything
tries to connect.
"""

import socket

import pytest

from console.outbound import UnsafeURL, is_public_address
from console.webhooks.guard import resolve_webhook_target as resolve_target
from console.webhooks.guard import validate_webhook_url

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"

NON_PUBLIC = [
    "10.0.0.5",  # private
    "172.16.3.4",  # private
    "192.168.1.10",  # private
    "127.0.0.1",  # loopback
    "127.8.9.10",  # loopback
    "169.254.169.254",  # link-local (cloud metadata)
    "100.64.0.1",  # CGNAT
    "0.0.0.0",  # unspecified
    "224.0.0.251",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",  # loopback
    "::",  # unspecified
    "fc00::1",  # unique local
    "fd12:3456::1",  # unique local
    "fe80::1",  # link-local
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2001:db8::1",  # documentation
]


def resolving_to(*addresses):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    return fake_getaddrinfo


@pytest.fixture(autouse=True)
def no_connections(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the guard must not connect anywhere")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def resolve(monkeypatch):
    def to(*addresses):
        monkeypatch.setattr(socket, "getaddrinfo", resolving_to(*addresses))

    return to


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_a_host_resolving_to_a_non_public_address_is_refused(resolve, address):
    resolve(address)
    with pytest.raises(UnsafeURL) as refused:
        validate_webhook_url("https://hooks.example.com/in")
    assert "private, loopback or link-local" in refused.value.messages[0]
    assert refused.value.code == "private"


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_not_public(address):
    import ipaddress

    assert not is_public_address(ipaddress.ip_address(address))


def test_an_ip_literal_in_the_url_is_checked_too(resolve):
    resolve("169.254.169.254")
    with pytest.raises(UnsafeURL):
        validate_webhook_url("https://169.254.169.254/latest/meta-data/")


def test_one_private_address_among_public_ones_is_refused(resolve):
    # A name with several records: the connection could land on any of them.
    resolve(PUBLIC_V4, "10.1.2.3")
    with pytest.raises(UnsafeURL):
        validate_webhook_url("https://hooks.example.com/in")


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6])
def test_a_public_https_url_is_accepted_and_the_checked_address_is_the_target(resolve, address):
    resolve(address)
    target = resolve_target("https://hooks.example.com:8443/in?token=abc")
    assert (target.scheme, target.host, target.ip, target.port, target.path) == (
        "https",
        "hooks.example.com",
        address,
        8443,
        "/in?token=abc",
    )


def test_plain_http_is_refused_for_a_public_address(resolve, settings):
    resolve(PUBLIC_V4)
    for allowed in (False, True):
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = allowed
        with pytest.raises(UnsafeURL) as refused:
            validate_webhook_url("http://hooks.example.com/in")
        assert refused.value.messages == ["The URL must start with https://."]


def test_allow_private_urls_lets_loopback_and_plain_http_through(resolve, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    resolve("127.0.0.1")
    target = resolve_target("http://localhost:8000/hooks")
    assert (target.ip, target.port, target.scheme) == ("127.0.0.1", 8000, "http")


def test_private_urls_are_refused_by_default(resolve, settings):
    assert settings.WEBHOOKS_ALLOW_PRIVATE_URLS is False
    resolve("127.0.0.1")
    with pytest.raises(UnsafeURL):
        validate_webhook_url("https://localhost/hooks")


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/", "hooks.example.com/in", "https://", "javascript:alert(1)", ""],
)
def test_malformed_urls_are_refused(resolve, url):
    resolve(PUBLIC_V4)
    with pytest.raises(UnsafeURL) as refused:
        validate_webhook_url(url)
    assert refused.value.code == "invalid"


def test_credentials_in_the_url_are_refused(resolve):
    resolve(PUBLIC_V4)
    with pytest.raises(UnsafeURL) as refused:
        validate_webhook_url("https://user:pass@hooks.example.com/in")
    assert refused.value.code == "credentials"


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeURL) as refused:
        validate_webhook_url("https://nowhere.invalid/in")
    assert refused.value.code == "unresolvable"
