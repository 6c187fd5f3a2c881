"""The activity log's actions, each registered by the app that owns it.

``tenants`` keeps the log but knows no other app's words: each app declares
its actions (a ``TextChoices``: the stored value and the label people see)
and, where the entry's details deserve words, how to say them, and registers
both from its ``AppConfig.ready()``, the way ``admin.site.register`` works::

    activity_actions.register(TenantAction, summaries={TenantAction.RENAMED: ...})

The values are stable identifiers (the CSV, the API and webhooks carry them),
so they are never renamed; add new ones instead. ``ActivityEvent.action``
takes its choices from here (a callable, so a new action needs no migration).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

# details -> one line of words ('' when there is nothing to say)
Summary = Callable[[dict], str]


class ActivityActions:
    """The registry: values in registration order, their labels and summaries."""

    def __init__(self) -> None:
        self._labels: dict[str, object] = {}
        self._summaries: dict[str, Summary] = {}

    def register(
        self,
        actions: type[models.TextChoices],
        *,
        summaries: Mapping[Any, Summary] | None = None,
    ) -> None:
        """Add an app's actions (idempotent for the same labels); a value may have one owner."""
        for value, label in actions.choices:
            known = self._labels.get(value)
            if known is not None and str(known) != str(label):
                raise ImproperlyConfigured(f"Activity action {value!r} is registered twice.")
            self._labels[value] = label
        for value, summary in (summaries or {}).items():
            if value not in self._labels:
                raise ImproperlyConfigured(f"A summary for the unknown action {value!r}.")
            self._summaries[value] = summary

    @property
    def values(self) -> list[str]:
        return list(self._labels)

    def choices(self) -> list[tuple[str, object]]:
        return list(self._labels.items())

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def label(self, value: str) -> str:
        return str(self._labels.get(value, value))

    def summary(self, value: str, details: dict) -> str:
        """The details in words; unknown shapes fall back to nothing, never an error."""
        summary = self._summaries.get(value)
        if summary is None:
            return ""
        try:
            return summary(details or {})
        except (KeyError, TypeError, AttributeError, ValueError):
            return ""


activity_actions = ActivityActions()


def activity_action_choices() -> list[tuple[str, object]]:
    """``ActivityEvent.action``'s choices: every registered action (read when asked)."""
    return activity_actions.choices()
