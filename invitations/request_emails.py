"""The emails about join and invite requests: the admins hear of new ones, the
requester of the outcome. Built by the worker, each in its reader's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from console.accounts.models import zone_for
from invitations.models import AccessRequest, RequestStatus
from members.models import Role


def _one_line(text: str) -> str:
    return " ".join(text.split())  # names go into the Subject header: one line


def _message(*, to: str, language: str, zone: str, subject, template: str, context):
    with (
        translation.override(language or settings.LANGUAGE_CODE),
        timezone.override(zone_for(zone or "UTC")),
    ):
        message = EmailMultiAlternatives(
            subject=str(subject(context)),
            body=render_to_string(f"invitations/email/{template}.txt", context),
            to=[to],
        )
        message.attach_alternative(
            render_to_string(f"invitations/email/{template}.html", context), "text/html"
        )
    return message


def admin_notices(*, tenant_id: int) -> list[tuple[int, EmailMultiAlternatives]]:
    """(admin's user id, message) for each admin of the tenant, listing every open
    request; empty when none is open."""
    waiting = list(
        AccessRequest.objects.filter(tenant_id=tenant_id, status=RequestStatus.OPEN)
        .select_related("tenant", "requester")
        .order_by("created_at", "id")
    )
    if not waiting:
        return []
    tenant = waiting[0].tenant
    context = {
        "tenant_name": _one_line(tenant.name),
        "requests": waiting,
        "tab_url": settings.SITE_URL
        + reverse("members:list", kwargs={"tenant_id": tenant.public_id})
        + "#requests",
    }
    admins = tenant.memberships.filter(role=Role.ADMIN).values_list(
        "user_id", "user__email", "user__language", "user__time_zone"
    )
    return [
        (
            user_id,
            _message(
                to=email,
                language=language,
                zone=zone,
                subject=lambda c: (
                    gettext("Requests are waiting in %(tenant)s") % {"tenant": c["tenant_name"]}
                ),
                template="requests_waiting",
                context=context,
            ),
        )
        for user_id, email, language, zone in admins
    ]


def outcome_message(*, request_id: int) -> EmailMultiAlternatives | None:
    """The requester's email about an approved or declined request (None if open or gone)."""
    access_request = (
        AccessRequest.objects.select_related("tenant", "requester")
        .exclude(status=RequestStatus.OPEN)
        .filter(pk=request_id)
        .first()
    )
    if access_request is None:
        return None
    requester = access_request.requester
    context = {
        "tenant_name": _one_line(access_request.tenant.name),
        "request": access_request,
        "approved": access_request.status == RequestStatus.APPROVED,
        "is_join": access_request.kind == "join",
        "site_url": settings.SITE_URL + "/",
    }
    return _message(
        to=requester.email,
        language=requester.language,
        zone=requester.time_zone,
        subject=lambda c: (
            (
                gettext("Your request for %(tenant)s was approved")
                if c["approved"]
                else gettext("Your request for %(tenant)s was declined")
            )
            % {"tenant": c["tenant_name"]}
        ),
        template="request_outcome",
        context=context,
    )
