"""The webhooks app's activity actions (registered in ``apps.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookAction(models.TextChoices):
    """Stored values: never renamed (the CSV, the API and webhooks carry them)."""

    CREATED = "webhook.created", _("Webhook created")
    CHANGED = "webhook.changed", _("Webhook changed")
    DELETED = "webhook.deleted", _("Webhook deleted")
