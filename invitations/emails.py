"""The invitation email: HTML and plain text, built from the invitation's current send."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from console.accounts.models import zone_for
from invitations import tokens
from invitations.models import Invitation
from members.permissions import role_description
from tenants import policies


def accept_url(invitation: Invitation) -> str:
    """The link in the email: ``SITE_URL`` + ``/invitations/<secret>/``."""
    token = tokens.link_token(invitation.link_salt)
    return settings.SITE_URL + reverse("invitations:open", kwargs={"token": token})


def message_id(invitation: Invitation) -> str:
    """The same Message-ID for every attempt of one send, a new one after Resend.

    A receiving server that saw an attempt succeed despite an error reply can
    then drop the retry as a duplicate. It names a hash of the salt, never
    the salt itself (salt + SECRET_KEY make the link).
    """
    send = hashlib.sha256(invitation.link_salt.encode("ascii")).hexdigest()[:24]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<invitation-{invitation.pk}.{send}@{domain}>"


def _one_line(text: str) -> str:
    # Names go into the Subject header: no line breaks (header injection).
    return " ".join(text.split())


def invitation_email_message(invitation: Invitation) -> EmailMultiAlternatives:
    """The email in the invitation's language (subject too); its expiry in the
    inviter's time zone, named (the invitee's zone is not known)."""
    inviter = invitation.invited_by
    zone = zone_for(inviter.time_zone if inviter else "UTC")
    with translation.override(invitation.email_language), timezone.override(zone):
        context = {
            "tenant_name": _one_line(invitation.tenant.name),
            "inviter_name": _one_line(inviter.display_name) if inviter else gettext("An admin"),
            "inviter_email": inviter.email if inviter else "",
            "role": invitation.get_role_display(),
            "role_description": role_description(invitation.role),
            "lifetime": policies.plan_terms().invitation_lifetime,
            "accept_url": accept_url(invitation),
            "expires_at": timezone.localtime(invitation.expires_at),
            "time_zone": zone.key,
            "email": invitation.email,
            "site_url": settings.SITE_URL,
        }
        subject = _one_line(render_to_string("invitations/email/invitation_subject.txt", context))
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("invitations/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.email],
            reply_to=[inviter.email] if inviter else None,
            headers={"Message-ID": message_id(invitation)},
        )
        message.attach_alternative(
            render_to_string("invitations/email/invitation.html", context), "text/html"
        )
    return message
