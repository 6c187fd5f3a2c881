"""``/activity``: the tenant's activity log, newest first."""

from enum import StrEnum

from ninja import Router

from console.api import cursors
from console.api.access import ERRORS, holder_for
from console.api.schemas import ActivityPage
from members.permissions import VIEW_ACTIVITY
from tenants.activity_actions import activity_actions
from tenants.selectors import activity_for_tab

router = Router(tags=["activity"])

# The ``action`` filter's values, as an enum for the schema: every app's actions,
# registered in its ready() (this module is loaded with the URLs, after that).
ActivityActionName = StrEnum(  # type: ignore[misc]
    "ActivityActionName",
    [(value.replace(".", "_").upper(), value) for value in activity_actions.values],
)


@router.get("/activity", response={200: ActivityPage, **ERRORS}, url_name="activity")
def list_activity(
    request,
    action: ActivityActionName | None = None,
    cursor: str | None = None,
    limit: int = cursors.DEFAULT_LIMIT,
):
    """The tenant's activity log, newest first, optionally one action."""
    holder = holder_for(request, VIEW_ACTIVITY, write=False)
    events = activity_for_tab(tenant=holder.tenant, action=action or "")
    return cursors.page(events, cursor=cursor, limit=limit, newest_first=True)
