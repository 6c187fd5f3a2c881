"""Tags for the console's long tables (Members, Invitations): the same HTML, rendered cheaper.

A 25-row table repeats every tag 25 times, so a tag's fixed cost shows up in
the page's requests per second (bench/run; the figures are in the README).
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_PLACEHOLDER = 987654321987  # an int the <int:pk> converter accepts, unlikely elsewhere in a URL


@lru_cache(maxsize=512)
def _url_around_pk(urlconf, script_prefix, name, kwargs):
    """``name``'s URL split around its pk: (before, after), or None when that is ambiguous."""
    url = reverse(name, urlconf=urlconf, kwargs={**dict(kwargs), "pk": _PLACEHOLDER})
    parts = url.split(str(_PLACEHOLDER))
    return (parts[0], parts[1]) if len(parts) == 2 else None


@register.simple_tag
def row_url(name, pk, **kwargs):
    """``{% row_url "members:remove" member.pk tenant_id=tenant.public_id %}`` is
    ``{% url "members:remove" tenant_id=tenant.public_id pk=member.pk %}``.

    ``{% url %}`` reverses the pattern on every call (four times a row on the
    Members tab). This reverses each pattern once, with a
    placeholder pk, and splices each row's pk in; the URLconf stays the one
    place that spells the URL.
    """
    around = _url_around_pk(get_urlconf(), get_script_prefix(), name, tuple(sorted(kwargs.items())))
    if around is None or not isinstance(pk, int):
        return reverse(name, kwargs={**kwargs, "pk": pk})
    return f"{around[0]}{pk}{around[1]}"
