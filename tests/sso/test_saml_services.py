"""SAML connection services: metadata read through the guard (or pasted) and checked,
what it says written into the SocialApp (allauth never fetches), a test before Enable."""

import base64
import datetime

import pytest
from allauth.socialaccount.models import SocialApp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError

from console.outbound import UnsafeURL
from console.sso.models import Protocol, SsoConnection
from console.sso.services import (
    sso_connection_enable,
    sso_connection_save,
    sso_connection_test_passed,
    sso_saml_connection_save,
)
from tenants.actors import Actor
from tenants.models import ActivityEvent

pytestmark = pytest.mark.django_db


def _certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


CERTIFICATE = _certificate()


def metadata(
    entity_id="https://idp.example/entity",
    sso_url="https://idp.example/sso",
    certificate=CERTIFICATE,
    prolog="",
) -> str:
    key = (
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        if certificate
        else ""
    )
    return (
        f"{prolog}"
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key}"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def _save(admin, **kwargs):
    return sso_saml_connection_save(tenant=admin.tenant, actor=Actor.member(admin.user), **kwargs)


def _nothing_saved():
    assert not SsoConnection.objects.exists()
    assert not SocialApp.objects.exists()


def test_a_metadata_url_is_read_once_and_what_it_says_goes_into_the_social_app(
    sso_admin, issuer_server
):
    issuer_server.serve("/idp/metadata", metadata().encode())

    connection = _save(sso_admin, metadata_url=f"{issuer_server.url}/metadata")

    app = SocialApp.objects.get()
    slug = f"tenant-{sso_admin.tenant.public_id}"
    assert (app.provider, app.provider_id, app.client_id, app.secret) == ("saml", slug, slug, "")
    assert app.settings["idp"] == {
        "entity_id": "https://idp.example/entity",
        "sso_url": "https://idp.example/sso",
        "x509cert": CERTIFICATE,
    }
    assert "metadata_url" not in app.settings["idp"]  # allauth never fetches on its own
    assert app.settings["advanced"]["want_assertion_signed"] is True
    assert app.settings["advanced"]["reject_idp_initiated_sso"] is True
    assert connection.protocol == Protocol.SAML
    assert connection.issuer == "https://idp.example/entity"
    assert connection.metadata_url == f"{issuer_server.url}/metadata"
    assert not connection.enabled
    event = ActivityEvent.objects.get(tenant=sso_admin.tenant)
    assert event.action == "sso.connection_created"
    assert event.details["protocol"] == "saml"


def test_pasted_metadata_makes_a_connection_without_a_url(sso_admin, settings):
    settings.SSO_ALLOW_PRIVATE_URLS = False

    connection = _save(sso_admin, metadata_xml=metadata())

    assert connection.metadata_url == ""
    assert connection.metadata_xml.startswith("<md:EntityDescriptor")


def test_a_loopback_metadata_url_is_refused_without_sso_allow_private_urls(
    sso_admin, issuer_server, settings
):
    issuer_server.serve("/idp/metadata", metadata().encode())
    settings.SSO_ALLOW_PRIVATE_URLS = False
    with pytest.raises(UnsafeURL):
        _save(sso_admin, metadata_url=f"{issuer_server.url}/metadata")
    _nothing_saved()


def test_oversized_metadata_is_refused(sso_admin, issuer_server):
    issuer_server.serve("/idp/metadata", metadata().encode() + b" " * 600_000)
    with pytest.raises(ValidationError, match="could not be read"):
        _save(sso_admin, metadata_url=f"{issuer_server.url}/metadata")
    _nothing_saved()


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        pytest.param("not xml", "not well-formed", id="not-xml"),
        pytest.param(
            metadata(prolog='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
            "without a DTD",
            id="dtd-entity",
        ),
        pytest.param(metadata(certificate=""), "no signing certificate", id="no-certificate"),
        pytest.param(metadata(sso_url="http://idp.example/sso"), "https", id="plain-http-sign-in"),
    ],
)
def test_metadata_that_cannot_be_trusted_is_refused(sso_admin, settings, xml, message):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match=message):
        _save(sso_admin, metadata_xml=xml)
    _nothing_saved()


def test_neither_url_nor_xml_is_refused(sso_admin):
    with pytest.raises(ValidationError, match="metadata URL or paste"):
        _save(sso_admin)
    _nothing_saved()


def test_switching_protocols_keeps_one_app_and_needs_a_new_test(sso_admin, issuer_server):
    oidc = sso_connection_save(
        tenant=sso_admin.tenant,
        actor=Actor.member(sso_admin.user),
        issuer=issuer_server.url,
        client_id="console",
        client_secret="s3cret",
    )
    sso_connection_test_passed(connection=oidc, version=oidc.version)
    sso_connection_enable(connection=oidc, actor=Actor.member(sso_admin.user))

    saml = _save(sso_admin, metadata_xml=metadata())

    assert saml.pk == oidc.pk and not saml.enabled and not saml.tested
    assert saml.secret_encrypted == "" and saml.client_id == ""  # the secret is gone
    assert SocialApp.objects.get().provider == "saml"
    # Back to OpenID Connect: the secret is needed again.
    with pytest.raises(ValidationError, match="client secret"):
        sso_connection_save(
            tenant=sso_admin.tenant,
            actor=Actor.member(sso_admin.user),
            issuer=issuer_server.url,
            client_id="console",
        )
    assert SocialApp.objects.get().provider == "saml"
