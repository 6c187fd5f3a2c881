import logging
import time

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from console.celery import app as celery_app
from console.responses import too_many_requests
from invitations import validators
from tenants.mixins import CURRENT_TENANT_SESSION_KEY
from tenants.selectors import memberships_for_request

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    """``/``: the current tenant's Get started, or a landing page for a user with none."""

    template_name = "console/landing.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGIN_URL)
        # The header's list (one query for both), in the switcher's order.
        memberships = memberships_for_request(request)
        current = request.session.get(CURRENT_TENANT_SESSION_KEY)
        membership = next((m for m in memberships if m.tenant.public_id == current), None) or (
            memberships[0] if memberships else None
        )
        if membership is not None:
            return redirect("onboarding:get_started", tenant_id=membership.tenant.public_id)
        return super().get(request, *args, **kwargs)


def _broker_answers() -> bool:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return True


def _database_and_broker(probe: str) -> dict[str, str]:
    """ "ok" or "error" for the database and (if configured) the broker; failures logged."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("%s: database check failed", probe)
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            _broker_answers()
            checks["broker"] = "ok"
        except Exception:
            logger.warning("%s: broker check failed", probe, exc_info=True)
            checks["broker"] = "error"
    return checks


@never_cache
@require_GET
def healthz(request):
    """200 when the app, the database and (if configured) the broker answer; else 503."""
    checks = _database_and_broker("healthz")
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


# Once no migration is pending, the plan check (it reads every migration file,
# tens of milliseconds) is skipped for this long; pending is checked each time.
MIGRATIONS_CHECKED_FOR_SECONDS = 30.0
_migrations_applied_at: float | None = None


def _migrations_pending() -> bool:
    global _migrations_applied_at
    now = time.monotonic()
    if (
        _migrations_applied_at is not None
        and now - _migrations_applied_at < MIGRATIONS_CHECKED_FOR_SECONDS
    ):
        return False
    executor = MigrationExecutor(connection)
    pending = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied_at = None if pending else now
    return pending


@never_cache
@require_GET
def readyz(request):
    """Readiness for a load balancer: 503 while the database or (if configured)
    the broker is unreachable or migrations are pending; else 200.
    ``/healthz`` stays the liveness check."""
    checks = _database_and_broker("readyz")
    if checks["database"] == "ok":
        try:
            checks["migrations"] = "pending" if _migrations_pending() else "ok"
        except Exception:
            logger.warning("readyz: migration check failed", exc_info=True)
            checks["migrations"] = "error"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def bad_request(request, exception=None):
    """400, e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE refused while the CSRF
    middleware parses it. Rendered without the request (no user, no session),
    as Django's own handler does; the page names the invite form's limit."""
    html = render_to_string(
        "400.html",
        {
            "max_addresses": number_format(
                validators.MAX_ADDRESSES_PER_SUBMISSION, force_grouping=True
            )
        },
    )
    return HttpResponseBadRequest(html)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def rate_limited(request, exception=None):
    """allauth's 429 (its ``handler429`` hook): sign-in, code or reset limit reached."""
    return too_many_requests(
        request, gettext("Too many attempts in a short time. Wait a few minutes and try again.")
    )
