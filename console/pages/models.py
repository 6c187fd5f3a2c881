from django.db import models


class PageVersion(models.Model):
    """How many times what one tenant's (or one person's) cached pages show has changed.

    Kept apart from the ``Tenant`` and ``User`` rows so that no ordinary
    ``save()`` of a stale object can write an old number back: only
    ``console.page_cache.advance`` writes here, with ``version = version + 1``.
    Rows are never deleted (an id reused after a delete keeps counting up).
    """

    TENANT = "t"
    USER = "u"

    scope = models.CharField(max_length=1, choices=[(TENANT, "tenant"), (USER, "user")])
    owner_id = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "owner_id"], name="pages_one_version_per_owner"
            )
        ]

    def __str__(self):
        return f"{self.scope}{self.owner_id} v{self.version}"
