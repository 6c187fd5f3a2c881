"""Connection services: a verified domain first, discovery through the guard, the secret
encrypted, a test before Enable, and an activity entry for each change."""

import pytest
from allauth.socialaccount.models import SocialApp
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from console.outbound import UnsafeURL
from console.sso import encryption
from console.sso.models import SsoConnection
from console.sso.services import (
    sso_connection_delete,
    sso_connection_disable,
    sso_connection_enable,
    sso_connection_save,
    sso_connection_test_passed,
)
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _save(admin, issuer, **kwargs):
    values = {"issuer": issuer.url, "client_id": "console", "client_secret": "s3cret"} | kwargs
    return sso_connection_save(tenant=admin.tenant, actor=Actor.member(admin.user), **values)


def _actions(tenant):
    return list(
        ActivityEvent.objects.filter(tenant=tenant).order_by("id").values_list("action", flat=True)
    )


def test_creating_a_connection_makes_its_social_app_and_stores_the_secret_encrypted(
    sso_admin, issuer_server
):
    connection = _save(sso_admin, issuer_server)

    app = SocialApp.objects.get()
    assert app.provider == "openid_connect"
    assert app.provider_id == f"tenant-{sso_admin.tenant.public_id}"
    assert app.client_id == "console"
    assert app.secret == ""  # the secret is never in the SocialApp row
    assert app.settings["server_url"] == issuer_server.url
    assert "s3cret" not in connection.secret_encrypted
    assert encryption.decrypt(connection.secret_encrypted) == "s3cret"
    assert not connection.enabled
    assert "sso.connection_created" in _actions(sso_admin.tenant)


def test_a_tenant_without_a_verified_domain_cannot_have_a_connection(issuer_server, db):
    admin = factories.AdminMembershipFactory()
    factories.DomainFactory(tenant=admin.tenant, name="unverified.test")
    with pytest.raises(ValidationError, match="Verify a domain"):
        _save(admin, issuer_server)
    assert not SsoConnection.objects.exists()
    assert not SocialApp.objects.exists()


def test_an_issuer_whose_discovery_names_another_issuer_is_refused(sso_admin, issuer_server):
    issuer_server.serve("/idp/.well-known/openid-configuration", {"issuer": "https://evil.example"})
    with pytest.raises(ValidationError, match="names another issuer"):
        _save(sso_admin, issuer_server)
    assert not SocialApp.objects.exists()


def test_an_oversized_discovery_document_is_refused(sso_admin, issuer_server):
    issuer_server.serve("/idp/.well-known/openid-configuration", b"{" + b" " * 100_000 + b"}")
    with pytest.raises(ValidationError, match="could not be read"):
        _save(sso_admin, issuer_server)
    assert not SocialApp.objects.exists()


def test_a_loopback_issuer_is_refused_without_sso_allow_private_urls(
    sso_admin, issuer_server, settings
):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    with pytest.raises(UnsafeURL):
        _save(sso_admin, issuer_server)
    assert not SocialApp.objects.exists()
    assert _actions(sso_admin.tenant) == []


def test_the_webhooks_setting_does_not_open_sso_to_private_urls(sso_admin, issuer_server, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    with pytest.raises(UnsafeURL):
        _save(sso_admin, issuer_server)


def test_enable_needs_a_test_since_the_last_change(sso_admin, issuer_server):
    connection = _save(sso_admin, issuer_server)
    with pytest.raises(ValidationError, match="Test sign-in first"):
        sso_connection_enable(connection=connection, actor=Actor.member(sso_admin.user))

    assert sso_connection_test_passed(connection=connection, version=connection.version)
    connection = sso_connection_enable(connection=connection, actor=Actor.member(sso_admin.user))
    assert connection.enabled

    changed = _save(sso_admin, issuer_server, client_id="other", client_secret="")
    assert not changed.enabled  # a change needs a new test
    assert encryption.decrypt(changed.secret_encrypted) == "s3cret"  # blank keeps the secret
    with pytest.raises(ValidationError, match="Test sign-in first"):
        sso_connection_enable(connection=changed, actor=Actor.member(sso_admin.user))
    assert _actions(sso_admin.tenant)[-3:] == [
        "sso.connection_created",
        "sso.connection_enabled",
        "sso.connection_changed",
    ]


def test_a_test_of_an_older_version_does_not_count(sso_admin, issuer_server):
    connection = _save(sso_admin, issuer_server)
    old_version = connection.version
    _save(sso_admin, issuer_server, client_id="other")
    assert not sso_connection_test_passed(connection=connection, version=old_version)


def test_disable_turns_require_single_sign_on_off_and_delete_removes_the_app(
    sso_admin, issuer_server
):
    connection = _save(sso_admin, issuer_server)
    sso_connection_test_passed(connection=connection, version=connection.version)
    sso_connection_enable(connection=connection, actor=Actor.member(sso_admin.user))
    type(sso_admin.tenant).objects.filter(pk=sso_admin.tenant.pk).update(  # the policy is on
        require_single_sign_on=True
    )

    sso_connection_disable(connection=connection, actor=Actor.member(sso_admin.user))
    sso_admin.tenant.refresh_from_db()
    assert not sso_admin.tenant.require_single_sign_on

    sso_connection_delete(connection=connection, actor=Actor.member(sso_admin.user))
    assert not SsoConnection.objects.exists()
    assert not SocialApp.objects.exists()
    assert _actions(sso_admin.tenant)[-2:] == ["sso.connection_disabled", "sso.connection_deleted"]


def test_secrets_survive_key_rotation(settings):
    old = encryption.encrypt("s3cret")
    settings.SSO_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.SSO_ENCRYPTION_KEYS]
    assert encryption.decrypt(old) == "s3cret"
    rotated = encryption.reencrypt(old)
    settings.SSO_ENCRYPTION_KEYS = settings.SSO_ENCRYPTION_KEYS[:1]
    assert encryption.decrypt(rotated) == "s3cret"
