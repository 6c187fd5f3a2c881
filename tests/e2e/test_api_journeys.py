"""API journeys against the live server and a real Celery worker: a key made in
the browser drives the JSON API; invitation emails arrive over SMTP from the worker."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from invitations.models import Invitation
from members.models import Membership, Role
from tests import factories
from tests.e2e.conftest import accept_confirmations, assert_accessible, log_in, screenshot


def call_api(site: str, method: str, path: str, key: str, body=None) -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of one API request over HTTP to the live server."""
    request = urllib.request.Request(
        f"{site}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def create_key(page, tenant, name: str, scope: str) -> str:
    """Create a key on the API keys tab; returns the key shown once."""
    page.goto(f"/t/{tenant.public_id}/settings/")
    page.get_by_role("link", name="API keys", exact=True).click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("radio", name=scope, exact=True).check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text(f"Key “{name}” created")).to_be_visible()
    return page.get_by_role(
        "textbox", name="Copy it now: it will not be shown again."
    ).input_value()


@pytest.mark.services
def test_a_key_made_in_the_browser_invites_three_people_and_the_emails_arrive(
    site, page, celery_worker, smtp_sink
):
    # given an admin who creates a read-and-write key in the browser
    admin = factories.AdminMembershipFactory(
        user__email="ada@example.com", tenant__name="Acme", tenant__member_limit_override=10
    )
    log_in(page, "ada@example.com")
    key = create_key(page, admin.tenant, "HR system", "Read and write")
    assert key.startswith("tc_")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert_accessible(page)
    screenshot(page, "api-keys")

    # when an address is invalid, the whole request is refused per address
    status, headers, problem = call_api(
        site,
        "POST",
        "/invitations",
        key,
        {"emails": ["ana@example.com", "ana(at)example.com"], "role": "collaborator"},
    )
    assert status == 422
    assert headers["Content-Type"] == "application/problem+json"
    assert problem["errors"] == [
        {
            "pointer": "#/emails/1",
            "address": "ana(at)example.com",
            "detail": "“ana(at)example.com” is not an email address.",
        }
    ]
    assert not Invitation.objects.exists()

    # when three valid addresses are sent through the API
    addresses = ["ana@example.com", "li@example.com", "sam@example.com"]
    status, _, body = call_api(
        site, "POST", "/invitations", key, {"emails": addresses, "role": "collaborator"}
    )
    assert status == 201, body
    assert sorted(item["email"] for item in body["items"]) == addresses

    # then the worker delivers the three emails (and only those: the refused request sent none)
    messages = smtp_sink.wait_for(3, timeout=60)
    assert sorted(m["To"] for m in messages) == addresses

    # and the tab shows the key was used; the API's view of the invitations agrees
    page.goto(f"/t/{admin.tenant.public_id}/settings/api-keys/")
    row = page.get_by_role("row").filter(has_text="HR system")
    expect(row.get_by_text("Active")).to_be_visible()
    expect(row.locator('td[data-label="Last used"]')).not_to_have_text("Never")
    status, _, listed = call_api(site, "GET", "/invitations?status=pending", key)
    assert status == 200 and len(listed["items"]) == 3


def test_a_role_changes_through_the_api_and_a_read_key_cannot_write(site, page):
    admin = factories.AdminMembershipFactory(user__email="ada@example.com", tenant__name="Acme")
    bo = factories.MembershipFactory(tenant=admin.tenant, user__email="bo@example.com")
    log_in(page, "ada@example.com")
    write_key = create_key(page, admin.tenant, "Sync", "Read and write")
    read_key = create_key(page, admin.tenant, "Dashboard", "Read")

    # a read key reads, but gets 403 on a write, and nothing changes
    status, _, members = call_api(site, "GET", "/members", read_key)
    assert status == 200
    assert {m["email"] for m in members["items"]} == {"ada@example.com", "bo@example.com"}
    status, headers, problem = call_api(
        site, "PATCH", f"/members/{bo.pk}", read_key, {"role": "admin"}
    )
    assert status == 403
    assert headers["Content-Type"] == "application/problem+json"
    assert problem["type"].endswith(":read-only-key")
    assert Membership.objects.get(pk=bo.pk).role == Role.COLLABORATOR

    # the read-and-write key makes Bo an admin; the Members tab shows it
    status, _, member = call_api(site, "PATCH", f"/members/{bo.pk}", write_key, {"role": "admin"})
    assert status == 200 and member["role"] == "admin"
    page.goto(f"/t/{admin.tenant.public_id}/settings/members/")
    expect(page.get_by_role("row").filter(has_text="bo@example.com")).to_contain_text("Admin")

    # revoking the key in the browser stops it at once
    accept_confirmations(page)
    page.goto(f"/t/{admin.tenant.public_id}/settings/api-keys/")
    page.get_by_role("row").filter(has_text="Sync").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The API key “Sync” was revoked.")).to_be_visible()
    status, _, _ = call_api(site, "GET", "/members", write_key)
    assert status == 401


def test_the_docs_page_works_under_the_content_security_policy(site, page):
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Refused" in message.text else None,
    )
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tenant console API")
    expect(page.get_by_text("/api/v1/invitations/{invitation_id}/resend")).to_be_visible()
    # every asset from this server (the installed package), none from a CDN
    assert all(url.startswith(site) for url in requests), requests
    assert not [text for text in refused if "script" in text], refused
