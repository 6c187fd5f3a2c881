"""One single sign-on connection per tenant, on an allauth ``SocialApp``.

The ``SocialApp`` (provider ``openid_connect``, ``provider_id``
``tenant-<public_id>``) is what allauth's login and callback views read; it
is created, changed and deleted only by ``console.sso.services`` together
with this row, and holds no secret: the client secret is here, encrypted
(``console.sso.encryption``), and put into the in-memory app by the
socialaccount adapter.
"""

from allauth.socialaccount.models import SocialApp
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")


class SsoConnection(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="sso_connection")
    app = models.OneToOneField(SocialApp, on_delete=models.PROTECT, related_name="sso_connection")
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.OIDC)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    secret_encrypted = models.TextField(editable=False)
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
        ]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} for {self.tenant}"

    @property
    def tested(self) -> bool:
        return self.tested_version == self.version


def provider_id_for(tenant: Tenant) -> str:
    return f"tenant-{tenant.public_id}"
