"""Account pages: thin subclasses of Django's auth views with the console's forms and templates."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from console.accounts.forms import (
    EmailAuthenticationForm,
    PasswordResetRequestForm,
    SetNewPasswordForm,
)


class LoginView(auth_views.LoginView):
    """Email + password. Signed-in visitors go straight on; ``next`` is honoured (same host only)."""

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


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = SetNewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
