"""The SSRF guard's refusals and the segment descriptions speak the viewer's language."""

import socket

import pytest
from django.utils import translation

from console.accounts.models import Segment
from console.onboarding.checklist import SEGMENT_DESCRIPTIONS
from console.outbound import UnsafeURL
from console.webhooks.guard import validate_webhook_url
from tests.webhooks.test_guard import resolving_to


def refusal(url: str, language: str) -> str:
    with translation.override(language), pytest.raises(UnsafeURL) as refused:
        validate_webhook_url(url)
    return refused.value.message


def test_a_guard_refusal_is_said_in_german():
    assert refusal("not a url", "de") == "Geben Sie eine gültige URL ein, die mit https:// beginnt."


def test_a_private_address_is_refused_in_french(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("10.0.0.7"))

    assert refusal("https://internal.example/hook", "fr").startswith(
        "Cette URL pointe vers une adresse privée"
    )


def test_an_unresolvable_host_is_named_in_the_translation(monkeypatch):
    def nowhere(*args, **kwargs):
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", nowhere)

    assert refusal("https://nowhere.example/hook", "de") == (
        "Der Host „nowhere.example“ konnte nicht aufgelöst werden."
    )


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_segment_description_is_translated(language):
    for segment in Segment.values:
        english = str(SEGMENT_DESCRIPTIONS[segment])
        with translation.override(language):
            assert str(SEGMENT_DESCRIPTIONS[segment]) != english, segment
