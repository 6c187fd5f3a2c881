from dataclasses import dataclass

import pytest

from console.api.models import ApiScope
from console.api.services import api_key_create
from members.models import Membership
from tenants.actors import Actor
from tests import factories


@dataclass
class Scim:
    """A tenant with a verified domain, its admin and a SCIM key; ``url(path)`` under its base."""

    tenant: object
    admin: Membership
    domain: str
    key: str
    client: object

    def url(self, path: str = "") -> str:
        return f"/scim/v2/{self.tenant.public_id}/{path}"

    def headers(self, key: str | None = None) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {key or self.key}"}

    def get(self, path, key=None, **params):
        return self.client.get(self.url(path), params, **self.headers(key))

    def send(self, method, path, body, key=None, raw=None):
        import json

        data = raw if raw is not None else json.dumps(body)
        return getattr(self.client, method)(
            self.url(path), data, content_type="application/scim+json", **self.headers(key)
        )


def scim_key(membership) -> str:
    return api_key_create(
        tenant=membership.tenant,
        actor=Actor.member(membership.user),
        name="idp",
        scope=ApiScope.SCIM,
    )[1]


@pytest.fixture
def scim(db, client):
    admin = factories.AdminMembershipFactory(
        tenant__member_limit_override=50, user__email="owner@corp.test"
    )
    domain = factories.DomainFactory(tenant=admin.tenant, name="corp.test", verified=True)
    return Scim(
        tenant=admin.tenant, admin=admin, domain=domain.name, key=scim_key(admin), client=client
    )
