"""Reads for single sign-on: which connection a tenant or an address has."""

from console.sso.models import SsoConnection
from tenants.domain_names import domain_of_address
from tenants.models import Tenant


def connection_of(*, tenant: Tenant) -> SsoConnection | None:
    return SsoConnection.objects.select_related("app").filter(tenant=tenant).first()


def enabled_connection_for_email(*, email: str) -> SsoConnection | None:
    """The enabled connection of the tenant whose verified domain the address is at
    (at most one tenant verifies a domain)."""
    domain = domain_of_address(email)
    if not domain:
        return None
    return (
        SsoConnection.objects.select_related("app", "tenant")
        .filter(
            enabled=True,
            tenant__domains__name=domain,
            tenant__domains__verified_at__isnull=False,
        )
        .first()
    )
