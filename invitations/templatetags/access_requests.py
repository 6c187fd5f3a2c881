"""``{% requests_section %}``: the Members tab's **Requests** section.

A tag, so the Members tab (``members``, which may not import ``invitations``)
shows the requests without knowing where they come from.
"""

from django import template

from invitations.access_requests import open_requests
from invitations.forms import InviteRequestForm
from members.models import Role
from members.permissions import INVITE_MEMBERS, MANAGE_MEMBERS

register = template.Library()


@register.inclusion_tag("invitations/_requests_section.html", takes_context=True)
def requests_section(context):
    membership = context["membership"]
    can_decide = membership.can(MANAGE_MEMBERS)
    return {
        "tenant": context["tenant"],
        "csrf_token": context.get("csrf_token"),
        "can_decide": can_decide,
        # Collaborators ask; admins invite directly.
        "can_request": not membership.can(INVITE_MEMBERS),
        "requests": list(open_requests(tenant=context["tenant"])) if can_decide else [],
        "role_choices": Role.choices,
        "invite_request_form": InviteRequestForm(),
    }
