"""The email telling a tenant's admins that one of its webhooks was disabled."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from console.webhooks import selectors
from console.webhooks.models import WebhookEndpoint


def endpoint_disabled_message(*, endpoint_id: int) -> EmailMultiAlternatives | None:
    """None when there is nothing to say (deleted, re-enabled meanwhile, no admin)."""
    endpoint = (
        WebhookEndpoint.objects.select_related("tenant")
        .filter(pk=endpoint_id, enabled=False)
        .first()
    )
    if endpoint is None:
        return None
    recipients = selectors.admin_emails(tenant=endpoint.tenant)
    if not recipients:
        return None
    context = {
        "tenant_name": " ".join(endpoint.tenant.name.split()),
        "url": endpoint.url,
        "failures": endpoint.consecutive_failures,
        "disabled_at": endpoint.disabled_at,
        "tab_url": settings.SITE_URL
        + reverse("webhooks:list", kwargs={"tenant_id": endpoint.tenant.public_id}),
    }
    message = EmailMultiAlternatives(
        # Names go into the Subject header: one line (header injection).
        subject=f"A webhook of {context['tenant_name']} was disabled",
        body=render_to_string("webhooks/email/endpoint_disabled.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("webhooks/email/endpoint_disabled.html", context), "text/html"
    )
    return message
