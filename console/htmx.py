"""htmx requests: when a list view answers with just its table. Imports no app."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request (the search box as the person types) that swaps in a region.

    A history restore (back button with an empty cache) needs the whole page.
    """
    htmx = getattr(request, "htmx", None)  # django_htmx's HtmxMiddleware sets it
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The same URL answers a whole page or a fragment: caches must tell them apart."""
    patch_vary_headers(response, ["HX-Request"])
    return response
