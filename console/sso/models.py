"""One single sign-on connection per tenant, on an allauth ``SocialApp``.

The ``SocialApp`` (provider ``openid_connect`` or ``saml``, ``provider_id``
``tenant-<public_id>``) is what allauth's login and callback views read; it
is created, changed and deleted only by ``console.sso.services`` together
with this row, and holds no secret: an OpenID Connect client secret is here,
encrypted (``console.sso.encryption``), and put into the in-memory app by
the socialaccount adapter.

For SAML 2.0 the ``SocialApp``'s ``client_id`` is the same ``tenant-<public_id>``
(allauth's SAML URLs name the app by it: ``/accounts/saml/<client_id>/acs/``),
``issuer`` is the identity provider's entity ID, and the IdP's metadata (read
once through the outbound-URL guard, or pasted) is kept here; the app's
settings carry what was read from it, so allauth never fetches anything.
"""

from allauth.socialaccount.models import SocialApp
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class SsoConnection(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="sso_connection")
    app = models.OneToOneField(SocialApp, on_delete=models.PROTECT, related_name="sso_connection")
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.OIDC)
    # OpenID Connect: the issuer URL; SAML: the identity provider's entity ID.
    issuer = models.CharField(max_length=500)
    client_id = models.CharField(max_length=255, blank=True)  # OpenID Connect only
    secret_encrypted = models.TextField(editable=False, blank=True)  # OpenID Connect only
    # SAML only: where the metadata was read (blank when it was pasted) and what it said.
    metadata_url = models.URLField(max_length=500, blank=True)
    metadata_xml = models.TextField(blank=True, editable=False)
    # Advanced by every change; a test sign-in records the version it passed,
    # and Enable needs them equal ("a test succeeded since the last change").
    version = models.PositiveIntegerField(default=1, editable=False)
    tested_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled=False) | Q(tested_version=F("version")),
                name="sso_enabled_only_after_a_test_of_this_version",
            ),
            models.CheckConstraint(
                condition=~Q(protocol="saml") | ~Q(metadata_xml=""),
                name="sso_saml_connection_has_metadata",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} for {self.tenant}"

    @property
    def tested(self) -> bool:
        return self.tested_version == self.version


def provider_id_for(tenant: Tenant) -> str:
    return f"tenant-{tenant.public_id}"
