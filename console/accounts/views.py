"""Account pages: thin subclasses of Django's auth views with the console's forms and templates."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from console import ratelimit
from console.accounts.forms import (
    EmailAuthenticationForm,
    PasswordResetRequestForm,
    SetNewPasswordForm,
)
from console.accounts.models import normalize_email
from console.responses import too_many_requests


class LoginView(auth_views.LoginView):
    """Email + password. Signed-in visitors go straight on; ``next`` is honoured (same host
    only)."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Counted whether or not an account exists, so the answer reveals nothing.
        hour = 60 * 60
        limits = (
            (
                ratelimit.Limit(
                    "password-reset-address", settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR, hour
                ),
                ratelimit.hashed(normalize_email(form.cleaned_data["email"])),
            ),
            (
                ratelimit.Limit(
                    "password-reset-ip", settings.PASSWORD_RESETS_PER_IP_PER_HOUR, hour
                ),
                ratelimit.client_ip(self.request),
            ),
        )
        if not all(ratelimit.allows(limit, subject) for limit, subject in limits):
            message = "Too many password reset requests. Try again in an hour."
            return too_many_requests(self.request, message)
        for limit, subject in limits:
            ratelimit.record(limit, subject)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = SetNewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
