"""The busiest tenant pages (Members, Invitations, Get started) served from memory.

A page is cached under a key made of everything it depends on:

* the URL, the htmx headers, the language and the time zone;
* the rows every such request loads anyway: the viewer's account row (but
  ``last_login``) and their memberships with their tenants (the header's
  switcher, the page's own tenant, name, plan, limits, the role). A tenant
  renamed changes its members' keys without touching their rows;
* two counters in their own table (``console.pages.PageVersion``): the
  page's tenant's and the viewer's. They advance *in the same transaction*
  as any change to what those pages show, so a page read after a commit can
  never be served from before it. No entry is ever deleted on purpose: a new
  version is a new key, and the old entries age out.

**Who advances the counters: a registry.** Each app declares, in its
``AppConfig.ready()``, which of its models (or others' models shown on its
pages) change which tenants' or people's pages, the way ``admin.site.register``
works::

    page_cache.register(Membership, tenants=lambda m: [m.tenant_id])

Saved (``post_save``) or deleted (``pre_delete``, while the rows a cascade
will set to NULL still point at it: ``Invitation.invited_by``), the model's
functions are called and the versions advance. Writes that send no signal
(``bulk_create``, ``QuerySet.update``) call ``changed(...)`` themselves, next
to the write, which says why.

**One lock order.** ``advance`` writes every version a change needs in *one*
statement, tenants' before people's, each in ascending id: two transactions
lock version rows in the same order, and no version lives on a ``Tenant`` or
``User`` row, so a service holding its tenant's row lock and a person saving
their own row never wait on each other's rows.

**Verify mode** (``PAGE_CACHE_VERIFY``, on in the test suite): every hit is
rendered afresh and compared with the cached body (the CSRF token and a
relative date's words aside); a difference (a forgotten
registration) raises ``StalePage`` with both bodies' first difference logged.

What only the clock changes ("3 minutes ago", an invitation passing its
expiry) may lag by ``PAGE_TTL`` seconds; the entries expire then. Each
gunicorn worker keeps its own entries (``CACHES["pages"]``, local memory).
A page with a flash message is neither served from nor stored in the cache,
and the CSRF token in a stored page is replaced with a fresh one per request.
"""

from __future__ import annotations

import contextvars
import difflib
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_delete
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from console.htmx import vary_on_htmx

PAGE_TTL = 60
CACHE_ALIAS = "pages"
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_CSRF_PLACEHOLDER = "\x00csrf-token\x00"
# What only the clock changes: a relative date's words ("3 minutes ago"); its
# ``datetime`` attribute (the stored instant) is still compared.
_RELATIVE_DATE_TEXT = re.compile(r"(<time [^>]*>)[^<]*(</time>)")
TENANT, USER = "t", "u"  # PageVersion.scope

logger = logging.getLogger(__name__)

Ids = Callable[[Any], Iterable[int]]  # the instance -> ids


# --- The registry -----------------------------------------------------------


@dataclass(frozen=True)
class Dependency:
    """``model``, saved or deleted, changes the pages of ``tenants(obj)`` and ``users(obj)``."""

    model: type[Model]
    tenants: Ids | None = None
    users: Ids | None = None
    # A save that changes nothing a page shows (``update_fields`` given), e.g. last_login.
    ignore_fields: frozenset[str] = frozenset()


_registry: dict[type[Model], dict[tuple, Dependency]] = {}


def _origin(dependency: Dependency) -> tuple:
    """Where a declaration is written: the same declaration made again (an
    ``AppConfig.ready()`` run twice, as ``override_settings(INSTALLED_APPS=...)``
    does) replaces itself instead of counting twice."""
    return tuple(
        (fn.__code__.co_filename, fn.__code__.co_firstlineno) if fn is not None else None
        for fn in (dependency.tenants, dependency.users)
    )


def register(
    model: type[Model],
    *,
    tenants: Ids | None = None,
    users: Ids | None = None,
    ignore_fields: Iterable[str] = (),
) -> Dependency:
    """Declare that ``model``, saved or deleted, changes these tenants' / these people's pages.

    Call from the declaring app's ``AppConfig.ready()``. ``tenants`` and
    ``users`` take the instance and return ids (a list or a ``values_list``
    queryset); on a delete they run before the row goes, so a cascade's
    ``SET_NULL`` targets are still found.
    """
    dependency = Dependency(model, tenants, users, frozenset(ignore_fields))
    _registry.setdefault(model, {})[_origin(dependency)] = dependency
    post_save.connect(_on_save, sender=model, dispatch_uid=f"page-cache-{model._meta.label}")
    pre_delete.connect(_on_delete, sender=model, dispatch_uid=f"page-cache-{model._meta.label}")
    return dependency


def unregister(dependency: Dependency) -> None:
    """Remove one declaration (the tests show the suite notices); ``restore`` puts it back."""
    del _registry[dependency.model][_origin(dependency)]


def restore(dependency: Dependency) -> None:
    _registry[dependency.model][_origin(dependency)] = dependency


def registered() -> list[Dependency]:
    return [
        dependency for dependencies in _registry.values() for dependency in dependencies.values()
    ]


def _changed_by(instance, update_fields=None) -> tuple[set[int], set[int]]:
    tenant_ids: set[int] = set()
    user_ids: set[int] = set()
    for dependency in _registry.get(type(instance), {}).values():
        if update_fields is not None and set(update_fields) <= dependency.ignore_fields:
            continue
        if dependency.tenants is not None:
            tenant_ids.update(dependency.tenants(instance))
        if dependency.users is not None:
            user_ids.update(dependency.users(instance))
    return tenant_ids, user_ids


def _on_save(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if not raw:
        advance(*_changed_by(instance, update_fields))


def _on_delete(sender, instance, **kwargs) -> None:
    advance(*_changed_by(instance))


# --- Advancing the versions -------------------------------------------------


def _version_table() -> str:
    return apps.get_model("pages", "PageVersion")._meta.db_table


def advance(tenant_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> None:
    """Advance these tenants' and people's versions: one statement, the one lock order.

    Call inside the change's transaction. Rows are locked in (scope, id)
    order, tenants (``t``) before people (``u``), ascending ids; a row that
    does not exist yet is inserted at 1.
    """
    rows = sorted({(TENANT, int(pk)) for pk in tenant_ids} | {(USER, int(pk)) for pk in user_ids})
    if not rows:
        return
    table = connection.ops.quote_name(_version_table())
    values = ", ".join(["(%s, %s, 1)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, owner_id, version) VALUES {values} "
            f"ON CONFLICT (scope, owner_id) DO UPDATE SET version = {table}.version + 1",
            [part for row in rows for part in row],
        )


def changed(*, tenants: Iterable[int] = (), users: Iterable[int] = ()) -> None:
    """A write that sends no signal (``bulk_create``, ``update``) changed these pages."""
    advance(tenants, users)


def with_versions(memberships):
    """Annotate a membership queryset with its tenant's and its person's page versions.

    The page key reads them from the memberships the page loads anyway, so a
    cached visit costs no extra query. Each is a plain correlated subquery
    (``RawSQL``): compiling two ORM ``Subquery`` expressions cost more CPU
    than the rest of a cached visit (bench/profile_pages.py).
    """
    versions = apps.get_model("pages", "PageVersion")._meta.db_table
    table = memberships.model._meta.db_table

    def version(scope: str, column: str) -> RawSQL:
        return RawSQL(
            f'COALESCE((SELECT "version" FROM "{versions}" '
            f'WHERE "scope" = %s AND "owner_id" = "{table}"."{column}"), 0)',
            (scope,),
        )

    return memberships.annotate(
        page_tenant_version=version(TENANT, "tenant_id"),
        page_user_version=version(USER, "user_id"),
    )


# --- Hits and misses per request --------------------------------------------

_counts: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "page_cache_counts", default=None
)


def counts_start() -> dict[str, int]:
    """Start counting this request's hits and misses (the request log line reports them)."""
    counts = {"hits": 0, "misses": 0}
    _counts.set(counts)
    return counts


def _count(kind: str) -> None:
    counts = _counts.get()
    if counts is not None:
        counts[kind] += 1


# --- Serving pages ----------------------------------------------------------


class StalePage(AssertionError):
    """Verify mode: a cached page differs from the page rendered now."""


def _row(instance, skip: tuple[str, ...] = ()) -> tuple:
    return tuple(
        getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in skip
    )


def _key(view, request) -> str | None:
    if request.method != "GET" or not view.page_cacheable() or len(get_messages(request)):
        return None  # a flash message is shown once: render this one afresh
    user, membership = request.user, view.membership
    parts = (
        type(view).__qualname__,
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        _row(user, skip=("last_login",)),  # name, language, ...; date_joined: a reused id
        [(_row(each), _row(each.tenant)) for each in view.memberships],  # the switcher
        membership.pk,
        membership.page_tenant_version,
        membership.page_user_version,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _without_csrf(body: str) -> str:
    return _CSRF_VALUE.sub(rf"\g<1>{_CSRF_PLACEHOLDER}\g<2>", body)


def _first_difference(cached: str, fresh: str) -> str:
    diff = difflib.unified_diff(
        cached.splitlines(), fresh.splitlines(), "cached", "rendered now", n=1, lineterm=""
    )
    return "\n".join(list(diff)[:40])


class CachedPageMixin:
    """For a ``TenantMixin`` page: answer a GET from the cache when nothing on it changed.

    Runs after ``TenantMixin.dispatch`` has checked the membership and role,
    so the cache never answers anyone the page would refuse.
    """

    def page_cacheable(self) -> bool:
        """False for a request whose page must be rendered afresh (a view may say when)."""
        return True

    def get(self, request, *args, **kwargs):
        key = _key(self, request)
        cache = caches[CACHE_ALIAS]
        if key is not None:
            cached = cache.get(key)
            if cached is not None:
                _count("hits")
                body, content_type = cached
                if getattr(settings, "PAGE_CACHE_VERIFY", False):
                    self._verify(request, body, *args, **kwargs)
                response = HttpResponse(
                    body.replace(_CSRF_PLACEHOLDER, get_token(request)), content_type=content_type
                )
                return vary_on_htmx(response)
            _count("misses")
        response = super().get(request, *args, **kwargs)  # type: ignore[misc]
        if key is not None and response.status_code == 200:

            def store(rendered):
                body = _without_csrf(rendered.content.decode(rendered.charset))
                cache.set(key, (body, rendered["Content-Type"]), PAGE_TTL)

            response.add_post_render_callback(store)
        return response

    def _verify(self, request, body: str, *args, **kwargs) -> None:
        fresh = super().get(request, *args, **kwargs)  # type: ignore[misc]
        fresh.render()
        now = _without_csrf(fresh.content.decode(fresh.charset))
        if _RELATIVE_DATE_TEXT.sub(r"\1\2", now) != _RELATIVE_DATE_TEXT.sub(r"\1\2", body):
            difference = _first_difference(body, now)
            logger.error(
                "page cache: stale page served for %s; a model shown on it advances no "
                "version (page_cache.register in its app's ready())\n%s",
                request.get_full_path(),
                difference,
            )
            raise StalePage(f"stale cached page {request.get_full_path()}:\n{difference}")
