"""scim2-tester (a compliance checker nobody here wrote) against the live console.

A real server on 127.0.0.1 (pytest-django's ``live_server``), a real SCIM key,
real HTTP (httpx2). The checker discovers the service (ServiceProviderConfig,
ResourceTypes, Schemas), then creates, reads, lists with ``attributes`` /
``excludedAttributes``, replaces, patches (add, remove, replace) and deletes
Users with values it invents.

The one thing it cannot learn from the published schema is that a
``userName`` must be an address at one of the tenant's verified domains; the
client is told so (the model it describes offers such addresses as examples,
which the checker uses), as an identity provider is configured to send its
people's work addresses.

Not run, outside the spec (README, "SCIM provisioning"):
- Group CRUD: each Group check starts by creating a Group, and the console's
  groups are the two roles (Admins, Collaborators), which cannot be created,
  replaced or deleted. Group read and member patches are covered by
  ``test_scim_users.py``.
- ``POST /.search`` (skipped by the checker itself: the console answers 501).
"""

import uuid
from typing import Annotated

import httpx2
import pytest
from pydantic import Field
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Mutability, Required, ResourceType, ScimProvider, Uniqueness
from scim2_tester import Status, check_server

from console.scim import resources
from tests import factories
from tests.scim.conftest import scim_key

EXPECTED_SKIPS = {"search_with_attributes"}
PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def user_model_at(domain: str):
    """The console's User as a client that knows its domain describes it."""
    addresses = [f"{uuid.uuid4().hex}@{domain}" for _ in range(100_000)]

    class User(resources.User):
        user_name: Annotated[str | None, Uniqueness.server, Required.true, Mutability.immutable] = (
            Field(None, examples=addresses)
        )

    return User


@pytest.mark.django_db(transaction=True)
def test_scim2_tester_reports_no_failed_check(live_server):
    admin = factories.AdminMembershipFactory(tenant__member_limit_override=500)
    factories.DomainFactory(tenant=admin.tenant, name="corp.test", verified=True)
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2/{admin.tenant.public_id}/",
        headers={"Authorization": f"Bearer {scim_key(admin)}"},
        timeout=30,
    )
    user = user_model_at("corp.test")
    provider = ScimProvider(models=[user], resource_types=[ResourceType.from_resource(user)])
    with http:
        results = check_server(SyncSCIMClient(http, provider=provider))

    failed = [
        f"{r.title}: {r.reason}"
        for r in results
        if r.status not in PASSED and r.status is not Status.SKIPPED
    ]
    skipped = {r.title for r in results if r.status is Status.SKIPPED}
    assert failed == []
    assert skipped == EXPECTED_SKIPS
    titles = {r.title for r in results}
    # Discovery and the whole User lifecycle ran.
    assert {"object_creation", "object_replacement", "object_deletion"} <= titles
    assert {"check_add_attribute", "check_remove_attribute", "check_replace_attribute"} <= titles
    assert len([r for r in results if r.status in PASSED]) >= 40
