"""A SAML identity provider's metadata: read once, checked, and turned into allauth's settings.

The metadata URL is fetched through the outbound-URL guard (``console.outbound``:
the webhook rules, ``SSO_ALLOW_PRIVATE_URLS`` for development and tests), with
a timeout and a size limit, when the admin saves the connection; pasted XML
takes the same checks. What it says (entity ID, sign-in URL, signing
certificate) goes into the ``SocialApp``'s ``idp`` settings, so allauth's SAML
provider never fetches a metadata URL of its own. The XML is parsed by
python3-saml, which refuses DTDs and entities.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from console.outbound import FetchFailed, UnsafeURL, fetch
from console.sso import discovery

MAX_METADATA_BYTES = 512 * 1024
ACCEPT = "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8"


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    x509cert: str
    xml: str


def fetch_metadata(url: str) -> str:
    """The XML at ``url``, read through the guard; ``ValidationError`` says what is wrong."""
    try:
        body = fetch(
            url,
            allow_private=discovery.private_urls_allowed(),
            timeout=discovery.timeout_seconds(),
            max_bytes=MAX_METADATA_BYTES,
            accept=ACCEPT,
        )
    except UnsafeURL:
        raise
    except FetchFailed as error:
        raise ValidationError(
            _("The metadata at %(url)s could not be read: %(reason)s"),
            code="metadata_url",
            params={"url": url, "reason": str(error)},
        ) from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The metadata at %(url)s is not UTF-8 text."),
            code="metadata_url",
            params={"url": url},
        ) from None


def _invalid(reason: str) -> ValidationError:
    return ValidationError(
        _("This is not an identity provider's SAML metadata: %(reason)s"),
        code="metadata",
        params={"reason": reason},
    )


def parse_metadata(xml: str) -> IdpMetadata:
    """The identity provider that ``xml`` describes, or ``ValidationError``.

    It must name an entity ID, a sign-in URL for the HTTP-Redirect binding
    (https, unless ``SSO_ALLOW_PRIVATE_URLS``: people's browsers go there) and
    a signing certificate (assertions must be signed with it).
    """
    xml = xml.strip()
    if len(xml.encode()) > MAX_METADATA_BYTES:
        raise _invalid(_("it is larger than %(size)s KB.") % {"size": MAX_METADATA_BYTES // 1024})
    try:
        data = OneLogin_Saml2_IdPMetadataParser.parse(xml)
    except Exception:  # python3-saml raises plain Exceptions for bad XML, DTDs, entities
        raise _invalid(_("it is not well-formed XML without a DTD.")) from None
    idp = data.get("idp") or {}
    entity_id = str(idp.get("entityId") or "").strip()
    sso_url = str((idp.get("singleSignOnService") or {}).get("url") or "").strip()
    certificate = idp.get("x509cert") or next(
        iter((idp.get("x509certMulti") or {}).get("signing") or []), ""
    )
    if not entity_id:
        raise _invalid(_("it names no IDPSSODescriptor with an entity ID."))
    if not sso_url:
        raise _invalid(_("it has no sign-in URL (SingleSignOnService, HTTP-Redirect binding)."))
    if not certificate:
        raise _invalid(_("it has no signing certificate."))
    allowed = ("https", "http") if discovery.private_urls_allowed() else ("https",)
    if urlsplit(sso_url).scheme not in allowed or not urlsplit(sso_url).netloc:
        raise _invalid(_("its sign-in URL must be an https address."))
    return IdpMetadata(entity_id=entity_id, sso_url=sso_url, x509cert=certificate, xml=xml)


# Where the address and the name are found in an assertion. The first attribute
# present wins; without an address attribute, an emailAddress NameID is the
# address (allauth's rule). Okta, Entra ID and Google Workspace send these names
# when set up as the README says.
ATTRIBUTE_MAPPING = {
    "email": [
        "email",
        "mail",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
    ],
    "email_verified": ["email_verified", "http://schemas.auth0.com/email_verified"],
    "given_name": [
        "firstName",
        "givenName",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
    ],
    "family_name": [
        "lastName",
        "surname",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
    ],
    "name": [
        "name",
        "displayName",
        "http://schemas.microsoft.com/identity/claims/displayname",
        "urn:oid:2.16.840.1.113730.3.1.241",
    ],
}


NAME_ID_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
# What the tab asks the admin to send (names the mapping above knows).
ATTRIBUTES_TO_SEND = ("email", "firstName", "lastName")


def app_settings(metadata: IdpMetadata) -> dict:
    """The ``SocialApp.settings`` of a SAML connection (allauth's SAML provider reads them)."""
    return {
        # hidden: never in allauth's own provider lists; Sign in with SSO finds it.
        "hidden": True,
        "idp": {
            "entity_id": metadata.entity_id,
            "sso_url": metadata.sso_url,
            "x509cert": metadata.x509cert,
        },
        "attribute_mapping": ATTRIBUTE_MAPPING,
        "advanced": {
            # Every assertion must carry the identity provider's signature (an
            # unsigned one, even inside a signed response, is refused).
            "want_assertion_signed": True,
            "want_message_signed": False,
            # Only answers to a sign-in the console started: allauth keeps each
            # request's ID in the session once, so a replayed response is refused.
            "reject_idp_initiated_sso": True,
            "strict": True,
            "reject_deprecated_algorithm": True,
            "name_id_format": NAME_ID_FORMAT,
            # python3-saml refuses URLs on a host without a dot (localhost, and
            # Django's testserver): allowed with the private URLs of development.
            "allow_single_label_domains": discovery.private_urls_allowed(),
        },
    }
