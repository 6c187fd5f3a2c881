from functools import partial

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.db import transaction
from django.template import loader
from django.urls import reverse

from console.accounts.models import Segment, User, normalize_email
from console.accounts.selectors import user_email_taken
from console.accounts.services import EMAIL_TAKEN_MESSAGE
from console.accounts.tasks import send_password_reset_email


def _fields_only_helper() -> FormHelper:
    """Crispy renders the fields; the template owns the <form> tag and buttons."""
    helper = FormHelper()
    helper.form_tag = False
    return helper


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    """Log in with email and password; the email is matched case-insensitively."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "The email or password is incorrect. Check both and try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.helper = _fields_only_helper()


class SignupForm(forms.Form):
    """Name, email, password (twice) and, optionally, what describes the user.

    ``fixed_email`` (an invitation's address) shows the email read-only; the
    field is disabled, so Django ignores whatever email is posted.
    """

    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Optional. Shown to your teammates.",
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="You log in with it.",
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not a common password, not only numbers.",
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    segment = forms.ChoiceField(
        label="What describes you best?",
        choices=Segment.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Optional. It only tailors the recommendations on Get started.",
    )

    def __init__(self, *args, fixed_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_email:
            field = self.fields["email"]
            field.disabled = True
            field.initial = fixed_email
            field.help_text = "The invitation was sent to this address."
        else:
            self.fields["email"].widget.attrs["autofocus"] = True
        self.helper = _fields_only_helper()

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if user_email_taken(email):
            raise forms.ValidationError(EMAIL_TAKEN_MESSAGE, code="email_taken")
        return email

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            # The same validators user_create applies, shown beside the password.
            candidate = User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SegmentForm(forms.Form):
    """The Get started question, asked when the user skipped it at sign-up."""

    segment = forms.ChoiceField(
        label="What describes you best?",
        choices=Segment.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose the option that describes you best."},
    )


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's reset form, but the email goes out through the Celery worker.

    The message is rendered here, where the user and the token are at hand,
    and the task receives only strings (never the user object), enqueued
    after the transaction commits.
    """

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only_helper()

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Links in emails are built from SITE_URL, like invitation links, so
        # they never depend on the Host header of the request.
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        context = {
            **context,
            "reset_url": f"{settings.SITE_URL}{path}",
            "site_url": settings.SITE_URL,
        }
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = loader.render_to_string(html_email_template_name, context)
        # Enqueued once the surrounding transaction commits (what Celery's
        # delay_on_commit does; the task's type stubs do not know that method).
        transaction.on_commit(
            partial(
                send_password_reset_email.delay,
                subject=subject,
                body=body,
                html_body=html_body,
                from_email=from_email,
                to_email=to_email,
            )
        )


class SetNewPasswordForm(auth_forms.SetPasswordForm):
    """The last step of a password reset: the new password, twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True
        self.helper = _fields_only_helper()
