"""The activity log's one way in: record entries inside the change's transaction.

Zulip's ``RealmAuditLog`` pattern: every service that changes a tenant's
people or settings calls one of these in the same ``transaction.atomic``
block as the change, so there is no change without its entry and no entry
without its change. (Model save signals are not used: they miss bulk
updates and cannot tell *why* a row changed.)

API::

    activity_record(*, tenant, action, actor=None, actor_kind=None,
                    target_user=None, target_email="", details=None, ip=None)
        -> ActivityEvent                        # one INSERT

    activity_entry(...same arguments...) -> ActivityEvent   # unsaved, for bulk
    activity_record_bulk(*, entries) -> list[ActivityEvent] # one INSERT for all

- ``actor`` is the signed-in user who acted; ``actor_kind`` defaults to
  ``member`` when there is an actor and ``system`` when there is none. The
  Django admin passes ``actor_kind=ActorKind.OPERATOR`` (and the operator as
  ``actor``; the tab shows "Operator", the admin list shows who).
- ``target_user`` / ``target_email``: on whom. The target user's email is
  copied when no email is given, so the entry still reads right after the
  account is deleted.
- ``details``: small JSON, e.g. ``{"old_name": "Acme", "new_name": "Acme Ltd"}``.
- ``ip``: the client address, which views read with ``console.client_ip``.

After the rows are written, still inside the transaction, the
``activity_recorded`` signal is sent once per call with ``events`` (a list:
one entry for ``activity_record``, all of them for the bulk call). Receivers
(webhook deliveries) write their rows in the same transaction, so they roll
back with the change. Nothing here knows who listens.
"""

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from tenants.activity_actions import activity_actions
from tenants.models import ActivityEvent, ActorKind, Tenant


class ActivitySignal(Signal):
    """A ``Signal`` that remembers, through its public ``connect`` and ``disconnect``,
    which listeners (by ``dispatch_uid``) are connected, so ``activity_wanted`` can
    ask each one without reading the layout of Django's private receivers list."""

    def __init__(self) -> None:
        super().__init__()
        # lookup key -> (dispatch_uid, a weak reference to a weakly connected receiver)
        self._listeners: dict[object, tuple[str | None, Callable[[], Any] | None]] = {}

    @staticmethod
    def _key(receiver, dispatch_uid) -> object:
        if dispatch_uid:
            return dispatch_uid
        if hasattr(receiver, "__func__"):  # a bound method: a new object at each access
            return (id(receiver.__self__), id(receiver.__func__))
        return id(receiver)

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
        super().connect(receiver, sender=sender, weak=weak, dispatch_uid=dispatch_uid)
        alive = None
        if weak:
            alive = (
                weakref.WeakMethod(receiver)
                if hasattr(receiver, "__func__")
                else weakref.ref(receiver)
            )
        self._listeners[self._key(receiver, dispatch_uid)] = (dispatch_uid, alive)

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None):
        disconnected = super().disconnect(receiver, sender=sender, dispatch_uid=dispatch_uid)
        self._listeners.pop(self._key(receiver, dispatch_uid), None)
        return disconnected

    def listener_uids(self) -> list[str | None]:
        """The connected listeners' ``dispatch_uid`` (None for one connected without);
        a weakly connected receiver that was garbage-collected is forgotten."""
        for key, (_, alive) in list(self._listeners.items()):
            if alive is not None and alive() is None:
                del self._listeners[key]
        if not self.has_listeners(ActivityEvent):
            return []
        return [dispatch_uid for dispatch_uid, _ in self._listeners.values()]


# Sent with ``events: list[ActivityEvent]`` (saved, with ids) inside the
# transaction that recorded them.
activity_recorded = ActivitySignal()


# A listener may say cheaply whether it wants entries of an action at all
# (webhooks: is any enabled endpoint subscribed to it?), keyed by its
# ``dispatch_uid``. A set-based writer that would otherwise bring every new
# entry back to Python just to send the signal (the expiry job) asks
# ``activity_wanted`` first. A listener without a check wants everything.
_interest_checks: dict[str, Callable[[str], bool]] = {}


def activity_interest_register(*, dispatch_uid: str, wants: Callable[[str], bool]) -> None:
    """Tell set-based writers which actions the listener ``dispatch_uid`` wants."""
    _interest_checks[dispatch_uid] = wants


def activity_wanted(action: str) -> bool:
    """Whether any ``activity_recorded`` listener wants entries of ``action``.

    When none does, a writer may record without sending the signal.
    """
    for dispatch_uid in activity_recorded.listener_uids():
        wants = _interest_checks.get(dispatch_uid) if dispatch_uid else None
        if wants is None or wants(action):
            return True
    return False


class ActivityOutsideTransaction(RuntimeError):
    """An entry was recorded outside an atomic block: it could outlive a rolled-back change."""


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise ActivityOutsideTransaction(
            "activity_record must be called inside the change's transaction.atomic block."
        )


def activity_entry(
    *,
    tenant: Tenant,
    action: str,
    actor: Any = None,
    actor_kind: str | None = None,
    target_user: Any = None,
    target_email: str = "",
    details: dict | None = None,
    ip: str | None = None,
) -> ActivityEvent:
    """An unsaved entry, validated; ``activity_record_bulk`` saves a list of them."""
    if action not in activity_actions:
        raise ValueError(f"Unknown activity action: {action!r}")
    if actor_kind is None:
        actor_kind = ActorKind.MEMBER if actor is not None else ActorKind.SYSTEM
    elif actor_kind not in ActorKind.values:
        raise ValueError(f"Unknown actor kind: {actor_kind!r}")
    if not target_email and target_user is not None:
        target_email = target_user.email
    return ActivityEvent(
        tenant=tenant,
        action=action,
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        actor_kind=actor_kind,
        target_user=target_user,
        target_email=target_email or "",
        details=details or {},
        ip=ip or None,
    )


def activity_record(
    *,
    tenant: Tenant,
    action: str,
    actor: Any = None,
    actor_kind: str | None = None,
    target_user: Any = None,
    target_email: str = "",
    details: dict | None = None,
    ip: str | None = None,
) -> ActivityEvent:
    """Record one entry (one INSERT) and send ``activity_recorded``."""
    _require_atomic()
    event = activity_entry(
        tenant=tenant,
        action=action,
        actor=actor,
        actor_kind=actor_kind,
        target_user=target_user,
        target_email=target_email,
        details=details,
        ip=ip,
    )
    event.save(force_insert=True)
    activity_recorded.send(sender=ActivityEvent, events=[event])
    return event


def activity_record_bulk(*, entries: Sequence[ActivityEvent]) -> list[ActivityEvent]:
    """Record many entries built with ``activity_entry`` in one INSERT, then
    send ``activity_recorded`` once with all of them."""
    _require_atomic()
    if not entries:
        return []
    # PostgreSQL (and SQLite >= 3.35) return the new ids from the one INSERT.
    events = ActivityEvent.objects.bulk_create(entries)
    activity_recorded.send(sender=ActivityEvent, events=events)
    return events
