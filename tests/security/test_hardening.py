"""Hardening under the production settings: HTTPS only, secure cookies, HSTS, CSP, framing.

The production values are read from a real ``DEBUG=false`` settings load (a
subprocess with a production environment), then applied to this process's
settings so that real responses can be inspected. ``manage.py check --deploy
--fail-level WARNING`` itself is run by tests/console/test_platform.py and by
``.ci/run``.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories
from tests.console.test_platform import ROOT, _production_env
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.security, pytest.mark.django_db]

PRODUCTION_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "SESSION_ENGINE",
]
TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="module")
def production():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {PRODUCTION_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def as_production(settings, production):
    """This process answers with the production security settings."""
    for name, value in production.items():
        if name != "DEBUG":
            setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["testserver"]
    return settings


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


# -- The values ------------------------------------------------------------------------------------


def test_production_settings_are_https_only_with_a_year_of_hsts(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert (
        production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
        and production["SECURE_HSTS_PRELOAD"] is True
    )
    # Behind a TLS-terminating proxy, only its X-Forwarded-Proto says "https".
    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_production_cookies_are_secure_http_only_and_same_site(production):
    for cookie in ("SESSION", "CSRF"):
        assert production[f"{cookie}_COOKIE_SECURE"] is True
        assert production[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert production[f"{cookie}_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    # Sessions live in the database: a Redis outage logs nobody out.
    assert production["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_content_security_policy_allows_no_inline_or_foreign_script(production):
    policy = directives(production["CONTENT_SECURITY_POLICY"])
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert "unsafe" not in production["CONTENT_SECURITY_POLICY"]
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"


# -- The responses ---------------------------------------------------------------------------------


def test_plain_http_is_redirected_to_https(client, as_production):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("accounts:login")


def test_https_pages_send_hsts_csp_and_refuse_framing(client, as_production):
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Content-Security-Policy"] == as_production.CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_proxys_https_header_counts_as_https(client, as_production):
    response = client.get(reverse("accounts:login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


def test_csrf_and_session_cookies_are_secure_and_http_only(client, as_production, user):
    page = client.get(reverse("accounts:login"), secure=True)
    csrf = page.cookies["csrftoken"]
    response = client.post(
        reverse("accounts:login"),
        {"login": user.email, "password": TEST_PASSWORD},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    "page",
    ["get_started", "members", "invitations", "not_found", "forbidden", "too_many"],
)
def test_signed_in_and_error_pages_carry_the_same_headers(client, as_production, page, settings):
    membership = factories.MembershipFactory()
    client.force_login(membership.user)
    tenant_id = membership.tenant.public_id
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "0/15m/key"}
    requests = {
        "get_started": (reverse("onboarding:get_started", kwargs={"tenant_id": tenant_id}), 200),
        "members": (reverse("members:list", kwargs={"tenant_id": tenant_id}), 200),
        "invitations": (reverse("tenant_invitations:list", kwargs={"tenant_id": tenant_id}), 403),
        "not_found": (reverse("members:list", kwargs={"tenant_id": "no-such-tenant"}), 404),
        "forbidden": (reverse("tenant_settings:billing", kwargs={"tenant_id": tenant_id}), 403),
        "too_many": (reverse("accounts:login"), 429),
    }
    url, status = requests[page]
    if page == "too_many":
        client.logout()
        response = client.post(url, {"login": "a@example.com", "password": "x"}, secure=True)
    else:
        response = client.get(url, secure=True)
    assert response.status_code == status
    assert response["Content-Security-Policy"] == as_production.CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" in response
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_admin_cannot_be_framed_either(client, as_production):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/", secure=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


# -- No inline script anywhere (the CSP would block it) --------------------------------------------

# A <script type="application/json"> is data (allauth's WebAuthn settings, json_script):
# browsers never run it, so the CSP's script-src does not apply to it.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE
)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def page_templates() -> list[Path]:
    """Every template a browser renders; emails need inline styles and never meet the CSP."""
    return [
        path
        for path in TEMPLATES.rglob("*.html")
        if "email" not in path.parent.name and not path.name.endswith("_email.html")
    ]


def test_no_template_has_inline_script_event_handlers_or_style_attributes():
    offenders = []
    for path in page_templates():
        text = path.read_text()
        for rule in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, JAVASCRIPT_URL):
            if rule.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {rule.pattern}")
    assert offenders == []
    assert len(page_templates()) >= 20
