"""Writes for single sign-on connections: each an atomic function under the tenant lock.

The locking rule is the members services' one: lock the tenant row
(``SELECT ... FOR UPDATE``), re-read, change, record the activity entry in
the same transaction. ``actor`` (``tenants.actors.Actor``) is checked under
that lock by ``actor_require`` (an admin: ``manage_sso``). Network look-ups
(discovery, SAML metadata) run before the lock. The connection's allauth ``SocialApp`` is
written here and nowhere else.
"""

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.accounts.models import User
from console.accounts.services import email_address_confirm
from console.sso import discovery, encryption, saml_metadata
from console.sso.activity import SsoAction
from console.sso.models import Protocol, SsoConnection, provider_id_for
from invitations.access_requests import join_or_request
from members.models import Membership
from members.permissions import MANAGE_SSO
from tenants.activity import activity_record
from tenants.actors import Actor, actor_require
from tenants.domain_names import domain_of_address
from tenants.models import Tenant

NEEDS_VERIFIED_DOMAIN = _("Verify a domain on the Domains tab first: a connection needs one.")
NEEDS_TEST = _(
    "Test sign-in first: a connection is enabled only after a test since its last change."
)
NEEDS_SECRET = _("Enter the client secret.")
CONNECTION_GONE = _("This connection no longer exists.")
NEEDS_METADATA = _("Enter the identity provider's metadata URL or paste its metadata XML.")
OIDC_PROVIDER = "openid_connect"
SAML_PROVIDER = "saml"


def _lock(tenant_id: int) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant_id)


def _policy_off(tenant: Tenant) -> None:
    if tenant.require_single_sign_on:
        tenant.require_single_sign_on = False
        tenant.save(update_fields=["require_single_sign_on"])


def _connection_of(tenant: Tenant) -> SsoConnection | None:
    return SsoConnection.objects.select_related("app").filter(tenant=tenant).first()


def _app_settings(issuer: str) -> dict:
    # hidden: the app never appears in allauth's own provider lists; our
    # "Sign in with SSO" step finds it by the person's domain.
    return {"server_url": issuer, "hidden": True}


def _has_verified_domain(tenant: Tenant) -> bool:
    return tenant.domains.filter(verified_at__isnull=False).exists()


def sso_connection_save(
    *,
    tenant: Tenant,
    actor: Actor,
    issuer: str,
    client_id: str,
    client_secret: str = "",
    ip: str | None = None,
) -> SsoConnection:
    """Create the tenant's OpenID Connect connection or change it ("SSO connection
    created" / "SSO connection changed").

    Refused (``ValidationError``, nothing saved): no verified domain; an issuer
    whose discovery document cannot be read through the outbound-URL guard or
    does not match; a new connection without a client secret. A blank secret on
    a change keeps the stored one. A change needs a new test and leaves the
    connection disabled until it is enabled again.
    """
    issuer = discovery.issuer_clean(issuer)
    client_id = client_id.strip()
    if not _has_verified_domain(tenant):
        raise ValidationError(NEEDS_VERIFIED_DOMAIN, code="no_domain")
    discovery.discover(issuer)
    values: dict = {"client_id": client_id, "metadata_url": "", "metadata_xml": ""}
    if client_secret:
        values["secret_encrypted"] = encryption.encrypt(client_secret)
    return _connection_write(
        tenant=tenant,
        actor=actor,
        ip=ip,
        protocol=Protocol.OIDC,
        issuer=issuer,
        app_values={
            "provider": OIDC_PROVIDER,
            "client_id": client_id,
            "settings": _app_settings(issuer),
        },
        values=values,
        details={"protocol": Protocol.OIDC, "issuer": issuer, "client_id": client_id},
    )


def sso_saml_connection_save(
    *,
    tenant: Tenant,
    actor: Actor,
    metadata_url: str = "",
    metadata_xml: str = "",
    ip: str | None = None,
) -> SsoConnection:
    """Create the tenant's SAML 2.0 connection or change it ("SSO connection created" /
    "SSO connection changed"), from the identity provider's metadata URL or XML.

    The URL is read through the outbound-URL guard with a timeout and a size
    limit (``console.sso.saml_metadata``); the metadata must name the IdP's
    entity ID, sign-in URL and signing certificate. What it says is written
    into the ``SocialApp``, so allauth never fetches metadata itself. Refused
    (``ValidationError``, nothing saved): no verified domain, neither URL nor
    XML, unreadable or incomplete metadata. A change (or a switch from OpenID
    Connect, which drops the client secret) needs a new test and leaves the
    connection disabled.
    """
    metadata_url = metadata_url.strip()
    if not _has_verified_domain(tenant):
        raise ValidationError(NEEDS_VERIFIED_DOMAIN, code="no_domain")
    if metadata_url:
        metadata_xml = saml_metadata.fetch_metadata(metadata_url)
    elif not metadata_xml.strip():
        raise ValidationError(NEEDS_METADATA, code="metadata")
    metadata = saml_metadata.parse_metadata(metadata_xml)
    slug = provider_id_for(tenant)
    return _connection_write(
        tenant=tenant,
        actor=actor,
        ip=ip,
        protocol=Protocol.SAML,
        issuer=metadata.entity_id,
        app_values={
            "provider": SAML_PROVIDER,
            "client_id": slug,
            "settings": saml_metadata.app_settings(metadata),
        },
        values={
            "client_id": "",
            "secret_encrypted": "",
            "metadata_url": metadata_url,
            "metadata_xml": metadata.xml,
        },
        details={
            "protocol": Protocol.SAML,
            "issuer": metadata.entity_id,
            "metadata_url": metadata_url,
        },
    )


def _connection_write(
    *,
    tenant: Tenant,
    actor: Actor,
    ip: str | None,
    protocol: str,
    issuer: str,
    app_values: dict,
    values: dict,
    details: dict,
) -> SsoConnection:
    """Both protocols' write: under the tenant lock, the connection row and its
    ``SocialApp`` together, with the activity entry."""
    with transaction.atomic():
        locked = actor_require(actor=actor, tenant_id=tenant.pk, permission=MANAGE_SSO)
        if not _has_verified_domain(locked):
            raise ValidationError(NEEDS_VERIFIED_DOMAIN, code="no_domain")
        connection = _connection_of(locked)
        has_secret = bool(values.get("secret_encrypted")) or (
            connection is not None
            and connection.protocol == Protocol.OIDC
            and bool(connection.secret_encrypted)
        )
        if protocol == Protocol.OIDC and not has_secret:
            raise ValidationError(NEEDS_SECRET, code="secret")
        if connection is None:
            app = SocialApp.objects.create(
                provider_id=provider_id_for(locked), name=locked.name[:40], secret="", **app_values
            )
            connection = SsoConnection.objects.create(
                tenant=locked, app=app, protocol=protocol, issuer=issuer, **values
            )
            action = SsoAction.CONNECTION_CREATED
        else:
            for field, value in values.items():
                setattr(connection, field, value)
            connection.protocol = protocol
            connection.issuer = issuer
            connection.version += 1
            connection.enabled = False
            connection.save()
            app = connection.app
            for field, value in app_values.items():
                setattr(app, field, value)
            app.save(update_fields=list(app_values))
            action = SsoAction.CONNECTION_CHANGED
        activity_record(tenant=locked, action=action, details=details, ip=ip, **actor.recorded_as)
    return connection


@transaction.atomic
def sso_connection_test_passed(*, connection: SsoConnection, version: int) -> bool:
    """Record that a test sign-in of ``version`` succeeded; False when the
    connection changed (or went) meanwhile, so the test no longer counts."""
    _lock(connection.tenant_id)
    return bool(
        SsoConnection.objects.filter(pk=connection.pk, version=version).update(
            tested_version=version
        )
    )


def _set_enabled(
    *, connection: SsoConnection, actor: Actor, enabled: bool, ip: str | None
) -> SsoConnection:
    with transaction.atomic():
        locked_tenant = actor_require(
            actor=actor, tenant_id=connection.tenant_id, permission=MANAGE_SSO
        )
        locked = _connection_of(locked_tenant)
        if locked is None or locked.pk != connection.pk:
            raise ValidationError(CONNECTION_GONE, code="gone")
        if locked.enabled == enabled:
            return locked
        if enabled and not locked.tested:
            raise ValidationError(NEEDS_TEST, code="untested")
        locked.enabled = enabled
        locked.save(update_fields=["enabled", "changed_at"])
        if not enabled:
            _policy_off(locked_tenant)  # nothing may require a connection that is off
        activity_record(
            tenant=locked_tenant,
            action=SsoAction.CONNECTION_ENABLED if enabled else SsoAction.CONNECTION_DISABLED,
            details={"protocol": locked.protocol},
            ip=ip,
            **actor.recorded_as,
        )
    return locked


def sso_connection_enable(*, connection: SsoConnection, actor: Actor, ip: str | None = None):
    """Enable a connection whose current version passed a test ("SSO connection enabled")."""
    return _set_enabled(connection=connection, actor=actor, enabled=True, ip=ip)


def sso_connection_disable(*, connection: SsoConnection, actor: Actor, ip: str | None = None):
    """Disable it ("SSO connection disabled"); Require single sign-on goes off with it."""
    return _set_enabled(connection=connection, actor=actor, enabled=False, ip=ip)


@transaction.atomic
def sso_connection_delete(
    *, connection: SsoConnection, actor: Actor, ip: str | None = None
) -> None:
    """Delete the connection and its ``SocialApp`` ("SSO connection deleted")."""
    locked_tenant = actor_require(
        actor=actor, tenant_id=connection.tenant_id, permission=MANAGE_SSO
    )
    locked = _connection_of(locked_tenant)
    if locked is None or locked.pk != connection.pk:
        return
    app = locked.app
    locked.delete()
    app.delete()
    _policy_off(locked_tenant)
    activity_record(
        tenant=locked_tenant,
        action=SsoAction.CONNECTION_DELETED,
        details={"protocol": locked.protocol},
        ip=ip,
        **actor.recorded_as,
    )


NEEDS_ENABLED = _("Enable the connection first: only an enabled connection can be required.")
NEEDS_OWN_SSO_SESSION = _(
    "Sign in through the connection yourself first (Sign in with SSO), "
    "so you know it works before everyone has to."
)


@transaction.atomic
def sso_requirement_set(
    *,
    tenant: Tenant,
    actor: Actor,
    required: bool,
    actor_signed_in_through_it: bool,
    ip: str | None = None,
) -> Tenant:
    """Turn **Require single sign-on** on or off ("Single sign-on requirement changed").

    On only while the tenant's connection is enabled, and only by an admin whose
    session signed in through it (``ValidationError`` otherwise, nothing changed).
    """
    locked = actor_require(actor=actor, tenant_id=tenant.pk, permission=MANAGE_SSO)
    if locked.require_single_sign_on == required:
        return locked
    if required:
        if not SsoConnection.objects.filter(tenant=locked, enabled=True).exists():
            raise ValidationError(NEEDS_ENABLED, code="not_enabled")
        if not actor_signed_in_through_it:
            raise ValidationError(NEEDS_OWN_SSO_SESSION, code="not_signed_in_through_it")
    locked.require_single_sign_on = required
    locked.save(update_fields=["require_single_sign_on"])
    activity_record(
        tenant=locked,
        action=SsoAction.REQUIREMENT_CHANGED,
        details={"required": required},
        ip=ip,
        **actor.recorded_as,
    )
    return locked


# -- Signing in -----------------------------------------------------------------------------------


class SignInRefused(Exception):
    """The provider's answer may not sign anyone in (the message says why, for the page)."""

    def __init__(self, message, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # for the log: outside_domains, disabled, no_email


OUTSIDE_DOMAINS = _(
    "The identity provider signed you in as %(email)s, which is not at a verified domain "
    "of “%(tenant)s”. Nothing was changed."
)
NO_EMAIL = _("The identity provider did not tell us a verified email address. Nothing was changed.")


def address_at_verified_domain(*, tenant: Tenant, email: str) -> bool:
    domain = domain_of_address(email)
    return bool(domain) and tenant.domains.filter(name=domain, verified_at__isnull=False).exists()


def sso_address_check(*, connection: SsoConnection, email: str) -> str:
    """The asserted address, normalized, or ``SignInRefused`` unless it is at one of
    the connection's tenant's verified domains."""
    email = (email or "").strip().lower()
    if not email:
        raise SignInRefused(NO_EMAIL, reason="no_email")
    if not address_at_verified_domain(tenant=connection.tenant, email=email):
        raise SignInRefused(
            OUTSIDE_DOMAINS % {"email": email, "tenant": connection.tenant.name},
            reason="outside_domains",
        )
    return email


def sso_sign_in(*, connection: SsoConnection, email: str, name: str = "", ip: str | None = None):
    """The account a provider's answer signs in, and the person in the tenant.

    The address must be at one of the tenant's verified domains
    (``SignInRefused``, nothing created). The account with that address is
    used (its address marked confirmed), or one is created without a password
    (name from the provider); a non-member then joins as a Collaborator
    ("member joined", detail "single sign-on"), or, when the tenant is full,
    a join request is made. Returns ``(user, membership or None)``.
    """
    email = sso_address_check(connection=connection, email=email)
    with transaction.atomic():
        tenant = _lock(connection.tenant_id)
        if not SsoConnection.objects.filter(pk=connection.pk, enabled=True).exists():
            raise SignInRefused(SIGN_IN_OFF, reason="disabled")
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and not user.is_active:
            # An operator switched the account off: the provider cannot switch it on.
            raise SignInRefused(ACCOUNT_OFF, reason="deactivated")
        if user is None:
            user = User.objects.create_user(email=email, password=None, name=name[:150])
        email_address_confirm(user=user)
        join_or_request(tenant=tenant, user=user, via="sso", ip=ip)
        membership = Membership.objects.filter(tenant=tenant, user=user).first()
    return user, membership


ACCOUNT_OFF = _("This account is deactivated. Nothing was changed.")
SIGN_IN_OFF = _("Single sign-on is not enabled for this tenant. Nothing was changed.")
