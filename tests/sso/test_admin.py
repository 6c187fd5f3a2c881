"""Operators read connections in the Django admin and cannot edit them (or allauth's app)."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.urls import reverse

from console.sso.models import SsoConnection
from console.sso.services import sso_connection_save
from tenants.actors import Actor
from tests import factories

pytestmark = pytest.mark.django_db


def test_allauths_social_models_are_not_in_the_admin():
    for model in (SocialApp, SocialAccount, SocialToken):
        assert not admin.site.is_registered(model)


def test_operators_see_connections_read_only_and_never_the_secret(client, sso_admin, issuer_server):
    connection = sso_connection_save(
        tenant=sso_admin.tenant,
        actor=Actor.member(sso_admin.user),
        issuer=issuer_server.url,
        client_id="console",
        client_secret="s3cret-value",
    )
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)

    listing = client.get(reverse("admin:sso_ssoconnection_changelist"))
    detail = client.get(reverse("admin:sso_ssoconnection_change", args=[connection.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing, detail):
        assert "s3cret-value" not in page.content.decode()
        assert connection.secret_encrypted not in page.content.decode()
    response = client.post(
        reverse("admin:sso_ssoconnection_change", args=[connection.pk]),
        {"issuer": "https://evil.example", "client_id": "x"},
    )
    assert response.status_code == 403
    assert SsoConnection.objects.get().issuer == issuer_server.url
