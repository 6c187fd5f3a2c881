"""Small HTML snippets shown on many pages, built once in Python.

Both template engines use them (Django templates through ``{% load console %}``,
the Jinja fragments as globals), so each snippet has one home and a 25-row
table pays a function call per row for it, not a template include.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


def time_element(value) -> SafeString | str:
    """A date relative to now ("3 days ago", "6 days from now"), with the exact
    time in the viewer's time zone (named) on hover and in ``datetime``."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{} ({})">{}</time>',
        local.isoformat(),  # the "c" format
        date_filter(local, "DATETIME_FORMAT"),
        timezone.get_current_timezone_name(),
        naturaltime(value),
    )


def role_badge(role: str, label: str) -> SafeString:
    """A member's role as a badge ("Admin", "Collaborator"), coloured by role."""
    return format_html(
        '<span class="badge rounded-pill badge-role badge-role-{}">{}</span>', role, label
    )


# The helpers both template engines offer, registered from here by each
# (``console/jinja.py`` as globals, ``console/templatetags.py`` as simple tags).
HELPERS: dict[str, Callable[..., Any]] = {"time_element": time_element, "role_badge": role_badge}
