import json
from datetime import timedelta

import pytest
from django.utils import timezone

from console.api import services
from console.api.models import ApiKey, ApiScope
from tenants.actors import Actor


@pytest.fixture
def make_key(db):
    """Create a key through the service; returns (row, full key)."""

    def make(membership, *, scope=ApiScope.READ_WRITE, expires_at=None, name="HR system"):
        return services.api_key_create(
            tenant=membership.tenant,
            actor=Actor.member(membership.user),
            name=name,
            scope=scope,
            expires_at=expires_at,
        )

    return make


@pytest.fixture
def expired(make_key):
    def make(membership, **kwargs):
        api_key, key = make_key(membership, **kwargs)
        ApiKey.objects.filter(pk=api_key.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        return api_key, key

    return make


class ApiClient:
    """The Django test client speaking JSON with a Bearer key."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.key = key

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers())

    def send(self, method, path, body=None):
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            **self._headers(),
        )

    def post(self, path, body=None):
        return self.send("post", path, body)

    def patch(self, path, body=None):
        return self.send("patch", path, body)

    def delete(self, path):
        return self.send("delete", path)


@pytest.fixture
def api_as(client):
    def make(key: str | None) -> ApiClient:
        return ApiClient(client, key)

    return make
