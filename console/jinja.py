"""Jinja2 for the console's most rendered fragments: the header and the long tables.

Django's template language spends most of a tenant page's time walking its
nodes: the header (switcher, account menu) and 25 table rows of badges,
dates and buttons (README, Performance). The same HTML from compiled Jinja2
costs a fraction of that. Page shells, forms (crispy) and every other page
stay Django templates; they render a fragment with
``{% load console %}{% jinja "members/_member_table.jinja" %}``, which passes
the including template's context on, and a view that answers with the
fragment alone (htmx) renders it with ``using="jinja2"``.

Fragments translate with ``{% trans %}`` from the same catalogs;
``manage.py makemessages`` reads ``.jinja`` files too (the command is
extended in console/accounts/management/commands/makemessages.py).
"""

from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.template.defaultfilters import truncatechars
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, translation
from jinja2 import Environment

from console.html import HELPERS
from tenants.policies import format_usd


@lru_cache(maxsize=1024)
def _reverse(urlconf, script_prefix, name, kwargs):
    return reverse(name, urlconf=urlconf, kwargs=dict(kwargs))


def url(name: str, **kwargs) -> str:
    """``{{ url("members:list", tenant_id=tenant.public_id) }}``: ``{% url %}``, remembered.

    A URL depends only on the URLconf, the script prefix and its arguments,
    so the header's dozen links are reversed once per worker, not per request.
    """
    return _reverse(get_urlconf(), get_script_prefix(), name, tuple(sorted(kwargs.items())))


_PLACEHOLDER = 987654321987  # an int the <int:pk> converter accepts, unlikely elsewhere in a URL


@lru_cache(maxsize=512)
def _url_around_pk(urlconf, script_prefix, name, kwargs):
    """``name``'s URL split around its pk: (before, after), or None when that is ambiguous."""
    url = reverse(name, urlconf=urlconf, kwargs={**dict(kwargs), "pk": _PLACEHOLDER})
    parts = url.split(str(_PLACEHOLDER))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def row_url(name: str, pk, **kwargs) -> str:
    """``{{ row_url("members:remove", member.pk, tenant_id=tenant.public_id) }}``:
    ``url(name, pk=pk, **kwargs)`` for a table's rows.

    The pattern is reversed once, with a placeholder pk, and each row's pk
    spliced in; the URLconf stays the one place that spells the URL.
    """
    around = _url_around_pk(get_urlconf(), get_script_prefix(), name, tuple(sorted(kwargs.items())))
    if around is None or not isinstance(pk, int):
        return reverse(name, kwargs={**kwargs, "pk": pk})
    return f"{around[0]}{pk}{around[1]}"


def languages() -> list[tuple[str, str]]:
    """The language menu's choices, each named in its own language (settings.LANGUAGES)."""
    return settings.LANGUAGES


def localized(value):
    """Every ``{{ number }}`` as Django templates show it (1,000 / 1.000 / 1 000).

    The environment's ``finalize``: numbers are localized by default, as in
    the Django templates; ``|unlocalize`` writes one as data (a URL, a form value).
    """
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return formats.localize(value)
    return value


def unlocalize(value) -> str:
    return str(value)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], finalize=localized, **options)
    # Django's own gettext: the active language, the same catalogs as {% translate %}.
    # (The i18n extension adds the method to the environment.)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=False,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(HELPERS)
    env.globals.update(
        url=url,
        row_url=row_url,
        static=static,
        languages=languages,
        get_language=translation.get_language,
    )
    # Numbers are localized by default (``localized``, above); ``localize`` also
    # formats one passed into ``{% trans %}``, ``unlocalize`` keeps one as data.
    env.filters.update(
        usd=format_usd,
        localize=formats.localize,
        unlocalize=unlocalize,
        truncatechars=truncatechars,
    )
    return env
