"""The OpenAPI document lists the spec's endpoints; the docs page keeps the CSP."""

import re

from django.contrib.staticfiles import finders


def test_openapi_lists_exactly_the_specs_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path) for path, methods in schema["paths"].items() for method in methods
    }
    assert operations == {
        ("GET", "/api/v1/members"),
        ("PATCH", "/api/v1/members/{member_id}"),
        ("DELETE", "/api/v1/members/{member_id}"),
        ("GET", "/api/v1/invitations"),
        ("POST", "/api/v1/invitations"),
        ("POST", "/api/v1/invitations/{invitation_id}/resend"),
        ("POST", "/api/v1/invitations/{invitation_id}/revoke"),
        ("DELETE", "/api/v1/invitations/{invitation_id}"),
        ("GET", "/api/v1/activity"),
        ("GET", "/api/v1/requests"),
        ("POST", "/api/v1/requests/{request_id}/approve"),
        ("POST", "/api/v1/requests/{request_id}/decline"),
    }
    [scheme] = schema["components"]["securitySchemes"].values()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_docs_page_uses_only_packaged_assets_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, page
    for url in assets:
        # same origin, and served from the installed ninja package's static files
        assert url.startswith("/static/ninja/"), url
        assert finders.find(url.removeprefix("/static/")), url
    for attributes in re.findall(r"<script([^>]*)>", page):
        # the only script without src is Swagger's settings, JSON data that never runs
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers
