"""The API app's activity actions and how their details read (registered in ``apps.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKeyAction(models.TextChoices):
    """Stored values: never renamed (the CSV, the API and webhooks carry them)."""

    CREATED = "api_key.created", _("API key created")
    REVOKED = "api_key.revoked", _("API key revoked")


def _named(details: dict) -> str:
    return f"“{details['name']}”"


SUMMARIES = {ApiKeyAction.CREATED: _named, ApiKeyAction.REVOKED: _named}
