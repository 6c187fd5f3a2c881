"""The email telling a tenant's admins that one of its webhooks was disabled."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from console.accounts.models import zone_for
from console.webhooks import selectors
from console.webhooks.models import WebhookEndpoint


def endpoint_disabled_messages(*, endpoint_id: int) -> list[EmailMultiAlternatives]:
    """One message per language and time zone of the tenant's admins, each in theirs.

    Empty when there is nothing to say (deleted, re-enabled meanwhile, no admin).
    An admin with no saved language gets English (there is no browser to ask).
    """
    endpoint = (
        WebhookEndpoint.objects.select_related("tenant")
        .filter(pk=endpoint_id, enabled=False)
        .first()
    )
    if endpoint is None:
        return []
    groups: dict[tuple[str, str], list[str]] = {}
    for email, language, zone in selectors.admin_recipients(tenant=endpoint.tenant):
        groups.setdefault((language or settings.LANGUAGE_CODE, zone or "UTC"), []).append(email)
    context = {
        "tenant_name": " ".join(endpoint.tenant.name.split()),
        "url": endpoint.shown_url,  # an email is no place for a token in the query
        "failures": endpoint.consecutive_failures,
        "disabled_at": endpoint.disabled_at,
        "tab_url": settings.SITE_URL
        + reverse("webhooks:list", kwargs={"tenant_id": endpoint.tenant.public_id}),
    }
    messages = []
    for (language, zone), recipients in groups.items():
        with translation.override(language), timezone.override(zone_for(zone)):
            message = EmailMultiAlternatives(
                # Names go into the Subject header: one line (header injection).
                subject=gettext("A webhook of %(tenant)s was disabled")
                % {"tenant": context["tenant_name"]},
                body=render_to_string("webhooks/email/endpoint_disabled.txt", context),
                to=recipients,
            )
            message.attach_alternative(
                render_to_string("webhooks/email/endpoint_disabled.html", context), "text/html"
            )
        messages.append(message)
    return messages
