"""Every page of the permission matrix, in German and in French, holds no English sentence.

The English sentences are the catalogs' msgids: a page that still shows one
(a string left unmarked next to a marked one, or a marked one missing from
the catalog) fails. Placeholders and tags split a msgid into literal pieces;
each piece of two words or more must be absent from the page (its text and
its attributes: labels, titles, confirmations).
"""

import html
import re

import pytest
from django.urls import reverse

from tests.i18n.catalogs import po_path, read_po
from tests.security.test_permission_matrix import MATRIX, user_of, world  # noqa: F401

pytestmark = pytest.mark.django_db

# Pieces that are the same in every language, each for a reason:
ALLOWED = {
    "Tenant Console",  # the brand
    "Standard Webhooks",  # the name of a specification
    "Authorization: Bearer",  # an HTTP header, typed as is
    "Docker Compose",  # a product name
    "OpenID Connect",  # the name of a protocol
    "SAML 2.0",  # likewise
}

PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>")


def english_pieces() -> set[str]:
    pieces = set()
    for entry in read_po(po_path("de")):
        for text in (entry.msgid, entry.msgid_plural or ""):
            for piece in PLACEHOLDER.split(html.unescape(text)):
                piece = piece.strip(" .,:;()“”’'")
                if len(piece.split()) >= 2 and piece not in ALLOWED:
                    pieces.add(piece)
    return pieces


PIECES = english_pieces()

# Signed-in visitors in the order they are tried; the first who gets 200 is used.
ROLE_ORDER = ["admin", "collaborator", "invitee", "outsider", "anonymous"]

PAGES = [
    pytest.param(name, id=name)
    for name, methods in MATRIX.items()
    if "get" in methods
    and any(methods["get"].expect[role].status == 200 for role in ROLE_ORDER)
    and not name.startswith("api:")  # the JSON API and its docs page are for programs
    and name not in {"healthz", "readyz", "tenant_settings:activity_csv"}  # not HTML pages
]


def visible_text(content: str) -> str:
    """The page as people meet it: text and attribute values, entities decoded."""
    content = re.sub(r"<script.*?</script>|<style.*?</style>", " ", content, flags=re.S)
    attributes = " ".join(
        re.findall(r'(?:aria-label|title|placeholder|data-confirm|alt)="([^"]*)"', content)
    )
    text = re.sub(r"<[^>]+>", " ", content)
    return html.unescape(re.sub(r"\s+", " ", f"{text} {attributes}"))


def english_left(content: str) -> list[str]:
    text = visible_text(content)
    return sorted(piece for piece in PIECES if piece in text)


@pytest.mark.parametrize("language", ["de", "fr"])
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_english_sentence(client, world, name, language, settings):  # noqa: F811
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    case = MATRIX[name]["get"]
    role = next(r for r in ROLE_ORDER if case.expect[r].status == 200)
    user = user_of(world, role)
    if user is not None:
        client.force_login(user)
    if case.prepare:
        case.prepare(client, world)
    response = client.get(case.url(world), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    content = response.content.decode()
    if "<html" in content:  # htmx fragments (row menus, progress) have no <html>
        assert f'<html lang="{language}"' in content
    assert english_left(response.content.decode()) == []


def test_the_check_finds_english_on_an_english_page(client, world):  # noqa: F811
    """The same check on the English page finds plenty: it is not vacuous."""
    client.force_login(world.admin.user)
    response = client.get(
        reverse("members:list", kwargs={"tenant_id": world.tenant.public_id}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert len(english_left(response.content.decode())) > 10
