"""API keys keep working under Require single sign-on (the spec says so)."""

import pytest

from console.api.services import api_key_create
from tenants.actors import Actor
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_an_api_key_keeps_working_when_single_sign_on_is_required(client, sso_admin):
    _key, secret = api_key_create(
        tenant=sso_admin.tenant, actor=Actor.member(sso_admin.user), name="HR", scope="read"
    )
    Tenant.objects.filter(pk=sso_admin.tenant.pk).update(require_single_sign_on=True)

    response = client.get("/api/v1/members", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert sso_admin.user.email in response.content.decode()
