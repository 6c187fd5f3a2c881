"""``{% load console %}``: the Django-template side of console.jinja and console.html.

``{% jinja "name.jinja" key=value %}`` renders a Jinja fragment in place with
the including template's context (plus the keyword arguments);
``{% time_element value %}`` is the relative date with its exact time and
``{% role_badge role label %}`` a member's role (console.html).
"""

from django import template
from django.template import engines
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.utils.safestring import SafeString, mark_safe

from console import html

register = template.Library()

for _name, _helper in html.HELPERS.items():
    register.simple_tag(_helper, name=_name)


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra) -> SafeString:
    fragment = engines["jinja2"].get_template(template_name).template  # type: ignore[attr-defined]
    values = context.flatten()
    values.update(extra)
    request = values.get("request")
    if request is not None:
        values["csrf_input"] = csrf_input_lazy(request)
        values["csrf_token"] = csrf_token_lazy(request)
    return mark_safe(fragment.render(values))
