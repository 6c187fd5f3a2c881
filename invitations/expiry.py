"""Expiry: a Pending invitation past ``expires_at`` becomes Expired.

Below the services and the tasks (imports only the models and the activity
log), so the beat task, the ``expire_invitations`` command and
``invitation_create_bulk`` share one statement. Each expired invitation gets
one "invitation expired" entry (actor System) in the same statement.
"""

from django.db import connection, transaction
from django.utils import timezone

from invitations.activity import InvitationAction
from invitations.models import Invitation, InvitationStatus, SupersededLink
from tenants.activity import activity_record_bulk, activity_recorded, activity_wanted
from tenants.models import ActivityEvent, ActorKind

# The UPDATE ... RETURNING feeds the INSERT ... SELECT inside one statement:
# no invitation row travels to Python and back, so expiring many costs
# about what the bare UPDATE costs. ``{returning}`` is empty unless a
# listener of ``activity_recorded`` wants expiries (then the new entries come
# back whole for the signal).
_EXPIRE_WITH_ACTIVITY_SQL = """
WITH expired AS (
    UPDATE {invitation} SET status = %(expired)s
    WHERE status = %(pending)s AND expires_at <= %(now)s {tenant_filter}
    RETURNING id, tenant_id, email, role
)
INSERT INTO {activity}
    (tenant_id, actor_id, actor_email, actor_kind, action, target_user_id, target_email,
     details, ip, created_at)
SELECT tenant_id, NULL, '', %(system)s, %(action)s, NULL, email,
       jsonb_build_object('role', role), NULL, %(now)s
FROM expired
ORDER BY id
{returning}
"""


# No savepoint inside a caller's transaction (the bulk invite's): the whole
# job is one statement on PostgreSQL, and a failure aborts the caller anyway.
@transaction.atomic(savepoint=False)
def invitations_expire_stale(*, tenant=None, now=None) -> int:
    """Mark every Pending invitation past its expiry as Expired, with one
    "invitation expired" entry each. Returns how many were marked.

    The filter matches the partial index on ``expires_at`` where status is
    pending; ``tenant`` narrows it to one tenant. On PostgreSQL this is one
    statement; elsewhere (SQLite locally) three in one transaction.
    """
    now = now or timezone.now()
    tenant_id = tenant.pk if tenant is not None else None
    if connection.vendor == "postgresql":
        return _expire_in_one_statement(now=now, tenant_id=tenant_id)
    stale = Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now)
    if tenant_id is not None:
        stale = stale.filter(tenant_id=tenant_id)
    rows = list(stale.select_for_update().values_list("pk", "tenant_id", "email", "role"))
    if not rows:
        return 0
    Invitation.objects.filter(pk__in=[row[0] for row in rows]).update(
        status=InvitationStatus.EXPIRED
    )
    activity_record_bulk(
        entries=[
            ActivityEvent(
                tenant_id=row_tenant_id,
                actor_kind=ActorKind.SYSTEM,
                action=InvitationAction.EXPIRED,
                target_email=email,
                details={"role": role},
                created_at=now,
            )
            for _, row_tenant_id, email, role in rows
        ]
    )
    return len(rows)


def _expire_in_one_statement(*, now, tenant_id: int | None) -> int:
    # One tenant's expiry (inside an invite) touches a handful of rows: always
    # bring them back rather than ask. The fleet-wide job asks first.
    listening = tenant_id is not None or activity_wanted(InvitationAction.EXPIRED)
    sql = _EXPIRE_WITH_ACTIVITY_SQL.format(
        invitation=connection.ops.quote_name(Invitation._meta.db_table),
        activity=connection.ops.quote_name(ActivityEvent._meta.db_table),
        tenant_filter="AND tenant_id = %(tenant_id)s" if tenant_id is not None else "",
        returning="RETURNING *" if listening else "",
    )
    params = {
        "expired": InvitationStatus.EXPIRED,
        "pending": InvitationStatus.PENDING,
        "now": now,
        "tenant_id": tenant_id,
        "system": ActorKind.SYSTEM,
        "action": InvitationAction.EXPIRED,
    }
    if listening:
        events = list(ActivityEvent.objects.raw(sql, params))
        if events:
            activity_recorded.send(sender=ActivityEvent, events=events)
        return len(events)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# -- Bounded growth ---------------------------------------------------------------------------

SUPERSEDED_LINK_PURGE_BATCH = 1000
SUPERSEDED_LINK_PURGE_MAX_BATCHES = 50


def superseded_links_purge(
    *,
    now=None,
    batch_size: int = SUPERSEDED_LINK_PURGE_BATCH,
    max_batches: int = SUPERSEDED_LINK_PURGE_MAX_BATCHES,
) -> int:
    """Delete the records of replaced links whose invitation is past its expiry.

    Past its expiry no link of the invitation can be accepted, so telling a
    replaced link from an unknown one no longer matters. Each batch is one
    set-based DELETE of at most ``batch_size`` rows in its own short
    transaction (no long lock, no huge WAL burst); a run stops after
    ``max_batches`` and the next run takes the rest. Returns how many went.
    """
    now = now or timezone.now()
    due = SupersededLink.objects.filter(invitation__expires_at__lte=now)
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            count, _ = SupersededLink.objects.filter(
                pk__in=due.order_by().values("pk")[:batch_size]
            ).delete()
        deleted += count
        if count < batch_size:
            break
    return deleted
