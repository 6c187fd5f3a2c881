"""The console's django-allauth adapter: how allauth sends mail, names users and reads IPs."""

from functools import partial
from urllib.parse import quote

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from console.accounts import codes
from console.accounts.models import Segment, normalize_email
from console.accounts.tasks import send_account_email
from console.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth email (codes, resets, notices) goes out through the Celery worker.

        Rendered here, where the request and the user are at hand; the task
        gets strings only, enqueued after the transaction commits so a
        rolled-back sign-up sends nothing.
        """
        request = context.get("request") or self.request
        ctx = {"email": email, "site_url": settings.SITE_URL, **context, "request": request}
        if template_prefix == "account/email/unknown_account":
            # allauth's flow hands the request-built link in; no adapter hook builds it.
            ctx["signup_url"] = settings.SITE_URL + reverse("account_signup")
        # In the account's language when it has saved one, else the page's.
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            message = self.render_mail(template_prefix, email, ctx)
        if message.content_subtype == "html":
            body, html_body = "", message.body
        else:
            body = message.body
            html_body = next(
                (content for content, kind in message.alternatives if kind == "text/html"), ""
            )
        # Enqueued once the surrounding transaction commits (what Celery's
        # delay_on_commit does; the task's type stubs do not know that method).
        transaction.on_commit(
            partial(
                send_account_email.delay,
                subject=message.subject,
                body=body,
                html_body=html_body,
                from_email=message.from_email,
                to_email=email,
                headers=dict(message.extra_headers) or None,
            )
        )

    def format_email_subject(self, subject: str) -> str:
        # No "[example.com]" prefix: the console has no Sites framework.
        return subject

    def clean_email(self, email: str) -> str:
        """Addresses are stored lower-cased, so uniqueness is case-insensitive."""
        return normalize_email(super().clean_email(email))

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.name = (data.get("name") or "").strip()
        segment = data.get("segment") or ""
        user.segment = segment if segment in Segment.values else ""
        return super().save_user(request, user, form, commit=commit)

    # Every link in an email is built from SITE_URL, like invitation links, never
    # from the request's Host (allauth's defaults use build_absolute_uri).

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        # Unused while addresses are confirmed by code; kept right for links.
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def send_account_already_exists_mail(self, email: str) -> None:
        """Sign-up with a taken address: its owner is told, with links to reset or sign up."""
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "signup_url": settings.SITE_URL + reverse("account_signup"),
                "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
            },
        )

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        super().send_confirmation_mail(request, emailconfirmation, signup)
        if app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED:
            codes.remember(emailconfirmation.state)

    def confirmation_code_still_valid(self, *, user, email: str | None) -> dict | None:
        """The code last mailed to ``email`` for ``user``, while it works (``codes``)."""
        return codes.still_valid(user=user, email=email or "")

    def should_send_confirmation_mail(self, request, email_address, signup: bool) -> bool:
        """At sign-in, a code mailed moments ago and still valid is reused, not sent again.

        Its state goes into this session, so the "Confirm your email" page takes
        the code from the email already received (and a new one can be asked
        for there, within the limits).
        """
        state = None
        if email_address.user_id and not signup:
            state = self.confirmation_code_still_valid(
                user=email_address.user, email=email_address.email
            )
        if state is None:
            return super().should_send_confirmation_mail(request, email_address, signup)
        request.session[EMAIL_VERIFICATION_CODE_SESSION_KEY] = state
        messages.info(
            request,
            gettext("We already sent a code to %(email)s; it is still valid.")
            % {"email": email_address.email},
        )
        return False

    def get_client_ip(self, request) -> str:
        """One reading of the client address for allauth's limits and ours (TRUSTED_PROXY_COUNT)."""
        return client_ip(request) or "unknown"
