"""Why an API key write was refused; the tab shows the message as is."""

from django.core.exceptions import ValidationError


class ApiKeyError(ValidationError):
    """An API key change refused by a rule (the key is gone, already revoked...)."""
