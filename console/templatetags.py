"""``{% load console %}``: the Django-template side of console.jinja and console.html.

``{% jinja "name.jinja" key=value %}`` renders a Jinja fragment in place with
the including template's context (plus the keyword arguments);
``{% time_element value %}`` is the relative date with its exact time and
``{% role_badge role label %}`` a member's role (console.html).
"""

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from console import html

register = template.Library()

for _name, _helper in html.HELPERS.items():
    register.simple_tag(_helper, name=_name)


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra) -> SafeString:
    # The backend's public render(context, request): it adds csrf_input and
    # csrf_token and runs the context processors (lazy: no query unless used).
    values = context.flatten()
    values.update(extra)
    fragment = engines["jinja2"].get_template(template_name)
    return mark_safe(fragment.render(values, values.get("request")))
