"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Emails go through the real SMTP protocol to an aiosmtpd sink; tests read links
from the received messages, never from the database.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"browser journeys need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make themselves (fixtures, assertions) are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _same_fake_names():
    """The same generated names on every run, so screenshots only change when pages do."""
    import factory.random

    factory.random.reseed_random("tenant-console-e2e")


@pytest.fixture
def mail(smtp_sink, settings):
    """Emails from the live server go over SMTP to the sink (tasks run in-process)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


@pytest.fixture
def site(live_server, settings, mail):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser, site):
    """Open a fresh browser context (a separate person) at desktop or phone size."""
    contexts = []

    def open_page(viewport=DESKTOP, **context_options):
        context = browser.new_context(viewport=viewport, base_url=site, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_in(new_page):
    """A fresh browser context (another person) whose browser asks for ``locale``."""
    return lambda locale: new_page(locale=locale)


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name: str) -> None:
    """Save the page at desktop and phone width, for people who want to look without running it.

    At both widths the page must fit: nothing may push it wider than the
    window (a sideways scroll on a phone is a broken layout).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (
            f"{name} is {overflow}px wider than the {label} window ({viewport['width']}px)"
        )
        # An open menu must fit too (one running off the left edge adds no scroll width).
        outside = page.evaluate(
            """[...document.querySelectorAll('.dropdown-menu.show')].filter(m => {
                const r = m.getBoundingClientRect();
                return r.left < 0 || r.right > window.innerWidth;
            }).length"""
        )
        assert outside == 0, f"{name}: an open menu runs off the {label} window"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, "\n".join(bad)


def log_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the log-in form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def accept_confirmations(page) -> list[str]:
    """Say OK to every confirmation dialog (``<form data-confirm>``); returns their messages."""
    seen: list[str] = []

    def accept(dialog):
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return seen


def message_to(messages, address: str):
    """The one received email addressed to ``address``."""
    found = [m for m in messages if address in m["To"]]
    assert len(found) == 1, f"{len(found)} emails to {address}: {[m['To'] for m in messages]}"
    return found[0]


LINK = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_\-]+/")


def link_in(message, pattern=LINK) -> str:
    """The first link matching ``pattern`` in the plain-text part of an email."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = pattern.search(body)
    assert match, f"no link in email:\n{body}"
    return match.group(0)
