"""The busiest tenant pages (Members, Invitations, Get started) served from memory.

A page is cached under a key made of everything it depends on: the URL, the
viewer (account, role), their language and time zone, and two counters the
database keeps, ``Tenant.page_version`` and ``User.page_version``. Every
change to what those pages show advances the counters *in the same
transaction* as the change, so a page read after a commit can never be served
from before it. No entry is ever deleted on purpose: a new version is a new
key, and the old entries age out.

Who advances the counters:

* saving or deleting a membership, invitation, tenant, account, email
  address, two-step authenticator, checklist state, verified domain or
  join/invite request, from anywhere (the
  services, allauth, the Django admin, cascades), through the receivers below;
* the few writes that send no signal, by calling ``tenants_changed`` /
  ``users_changed`` / ``invitees_changed`` themselves: the bulk invite's
  ``bulk_create``, an email that failed (the "Email failed" badge), a
  checklist link followed.

What only the clock changes ("3 minutes ago", an invitation passing its
expiry) may lag by ``PAGE_TTL`` seconds; the entries expire then. Each
gunicorn worker keeps its own entries (``CACHES["pages"]``, local memory:
no network hop; correct because the versions come from the database).

A page with a flash message is neither served from nor stored in the cache,
and the CSRF token in a stored page is replaced with a fresh one per request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from console.htmx import vary_on_htmx

PAGE_TTL = 60
CACHE_ALIAS = "pages"
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_CSRF_PLACEHOLDER = "\x00csrf-token\x00"


# --- Advancing the versions -------------------------------------------------


def tenants_changed(tenant_ids: Iterable[int]) -> None:
    """What these tenants' pages show has changed (call inside the change's transaction)."""
    ids = sorted(set(tenant_ids))
    if ids:
        apps.get_model("tenants", "Tenant").objects.filter(pk__in=ids).update(
            page_version=F("page_version") + 1
        )


def users_changed(user_ids: Iterable[int]) -> None:
    """What these people's pages show has changed (their header: tenants, invitations)."""
    ids = sorted(set(user_ids))
    if ids:
        get_user_model().objects.filter(pk__in=ids).update(page_version=F("page_version") + 1)


def invitees_changed(emails: Iterable[str]) -> None:
    """Invitations to these addresses changed: their accounts' headers list them."""
    addresses = sorted(set(emails))
    if addresses:
        get_user_model().objects.filter(email__in=addresses).update(
            page_version=F("page_version") + 1
        )


def _memberships():
    return apps.get_model("members", "Membership").objects


def _members_changed(tenant_id: int) -> None:
    users_changed(_memberships().filter(tenant_id=tenant_id).values_list("user_id", flat=True))


def _person_changed(user_id: int) -> None:
    """A person's name, address or two-step state shows in each of their tenants."""
    users_changed([user_id])
    tenants_changed(_memberships().filter(user_id=user_id).values_list("tenant_id", flat=True))


def _on_membership(instance, **kwargs) -> None:
    tenants_changed([instance.tenant_id])
    users_changed([instance.user_id])


def _on_invitation(instance, **kwargs) -> None:
    tenants_changed([instance.tenant_id])
    invitees_changed([instance.email])


def _on_tenant(instance, **kwargs) -> None:
    # Its name and plan are in every member's tenant switcher.
    if kwargs.get("signal") is post_save:
        tenants_changed([instance.pk])
    _members_changed(instance.pk)


def _on_user(instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing any page shows
    _person_changed(instance.pk)


def _on_user_part(instance, **kwargs) -> None:
    """An email address (which invitations may be joined) or a two-step authenticator."""
    _person_changed(instance.user_id)


def _on_checklist_state(instance, **kwargs) -> None:
    users_changed([instance.user_id])


def _on_domain(instance, **kwargs) -> None:
    """A domain verified, switched or removed: who is offered **Request to join**
    (the header of everyone with an address at it) and the tenant's pages."""
    tenants_changed([instance.tenant_id])
    # Addresses are stored as typed: an IDN domain may be in either form.
    forms = {instance.name, getattr(instance, "display_name", instance.name)}
    at_domain = Q()
    for form in forms:
        at_domain |= Q(email__iendswith="@" + form)
    get_user_model().objects.filter(at_domain).update(page_version=F("page_version") + 1)


def _on_access_request(instance, **kwargs) -> None:
    """A join or invite request: the Members tab's Requests section, the requester's header."""
    tenants_changed([instance.tenant_id])
    users_changed([instance.requester_id])


def connect_receivers() -> None:
    """Called from an AppConfig.ready(); the senders are named, so this module imports no app."""
    for sender, receiver in (
        ("members.Membership", _on_membership),
        ("invitations.Invitation", _on_invitation),
        ("tenants.Tenant", _on_tenant),
        (settings.AUTH_USER_MODEL, _on_user),
        ("account.EmailAddress", _on_user_part),
        ("mfa.Authenticator", _on_user_part),
        ("onboarding.ChecklistState", _on_checklist_state),
        ("tenants.Domain", _on_domain),
        ("invitations.AccessRequest", _on_access_request),
    ):
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=sender, dispatch_uid=f"page-cache-{sender}")


# --- Serving pages ----------------------------------------------------------


def _key(view, request) -> str | None:
    if request.method != "GET" or not view.page_cacheable() or len(get_messages(request)):
        return None  # a flash message is shown once: render this one afresh
    user, tenant, membership = request.user, view.tenant, view.membership
    parts = (
        type(view).__qualname__,
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        user.pk,
        user.date_joined.isoformat(),  # an id the database reused is another person
        user.page_version,
        tenant.public_id,
        tenant.page_version,
        membership.pk,
        membership.role,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


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
                body, content_type = cached
                response = HttpResponse(
                    body.replace(_CSRF_PLACEHOLDER, get_token(request)), content_type=content_type
                )
                return vary_on_htmx(response)
        response = super().get(request, *args, **kwargs)  # type: ignore[misc]
        if key is not None and response.status_code == 200:

            def store(rendered):
                body = _CSRF_VALUE.sub(
                    rf"\g<1>{_CSRF_PLACEHOLDER}\g<2>", rendered.content.decode(rendered.charset)
                )
                cache.set(key, (body, rendered["Content-Type"]), PAGE_TTL)

            response.add_post_render_callback(store)
        return response
