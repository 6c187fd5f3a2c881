from django.conf import settings
from django.db import models
from django.utils import timezone


class ProvisionedUser(models.Model):
    """A person an identity provider manages in one tenant: the SCIM User resource.

    The row is the User's identity (its ``id``) and keeps what the provider
    sends that the account does not hold (``externalId``, the parts of the
    name). ``active`` is not stored: a User is active exactly when the person
    is a member of the tenant (``active: false`` removes the membership,
    ``active: true`` makes it again), so the console and SCIM never disagree.
    Written only through ``console.scim.services``.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="scim_user_once_per_tenant"),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.tenant_id}"
