"""The single sign-on app's activity actions (registered in ``apps.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SsoAction(models.TextChoices):
    """Stored values: never renamed (the CSV, the API and webhooks carry them)."""

    CONNECTION_CREATED = "sso.connection_created", _("SSO connection created")
    CONNECTION_CHANGED = "sso.connection_changed", _("SSO connection changed")
    CONNECTION_ENABLED = "sso.connection_enabled", _("SSO connection enabled")
    CONNECTION_DISABLED = "sso.connection_disabled", _("SSO connection disabled")
    CONNECTION_DELETED = "sso.connection_deleted", _("SSO connection deleted")
    REQUIREMENT_CHANGED = "sso.requirement_changed", _("Single sign-on requirement changed")


def _connection(details: dict) -> str:
    return details.get("issuer", "")


def _requirement(details: dict) -> str:
    return str(_("required") if details["required"] else _("not required"))


SUMMARIES = {
    SsoAction.REQUIREMENT_CHANGED: _requirement,
    SsoAction.CONNECTION_CREATED: _connection,
    SsoAction.CONNECTION_CHANGED: _connection,
}
