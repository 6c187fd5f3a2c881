from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.activity_actions import activity_actions
from tenants.models import Enrollment, Plan, Tenant, TenantType
from tenants.policies import plan_terms


class TenantCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Tenant name"),
        max_length=64,
        help_text=_("1 to 64 characters. You can rename it later."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=TenantType.choices,
        initial=TenantType.DEVELOPMENT,
        widget=forms.RadioSelect,
        help_text=_(
            "Development tenants are for building and testing; production tenants serve real users."
        ),
    )
    plan = forms.ChoiceField(
        label=_("Plan (production only)"),
        choices=Plan.choices,
        initial=Plan.FREE,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, not at import: the price is a setting.
        self.fields["plan"].help_text = _("Free: the admin only. Pro: %(terms)s.") % {
            "terms": plan_terms().pro_terms
        }
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create tenant")))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name for the tenant."))
        return name

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("type") == TenantType.PRODUCTION and not cleaned.get("plan"):
            self.add_error("plan", _("Choose a plan for a production tenant."))
        if cleaned.get("type") == TenantType.DEVELOPMENT:
            cleaned["plan"] = ""
        return cleaned


class TenantRenameForm(forms.Form):
    name = forms.CharField(
        label=_("Tenant name"), max_length=64, help_text=_("1 to 64 characters.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name for the tenant."))
        return name


class TenantDeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the tenant name to confirm"), max_length=64)

    def __init__(self, *args, tenant: Tenant, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"]
        if value != self.tenant.name:
            raise forms.ValidationError(
                _("Type “%(name)s” exactly to delete this tenant.") % {"name": self.tenant.name}
            )
        return value


class ActivityFilterForm(forms.Form):
    """The Activity tab's filters (GET). An invalid field is shown and not applied."""

    action = forms.ChoiceField(
        # Read when the form is built: every app registers its actions in ready().
        required=False,
        choices=lambda: [("", _("All actions")), *activity_actions.choices()],
    )
    person = forms.EmailField(
        required=False,
        label=_("Person"),
        help_text=_("Their email: entries where they acted or were acted on."),
    )

    def filters(self) -> dict[str, str]:
        """``action`` and ``person`` (lower-cased, as stored) for the valid fields, else empty."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "action": cleaned.get("action") or "",
            "person": (cleaned.get("person") or "").strip().lower(),
        }


class TwoStepPolicyForm(forms.Form):
    require_two_step = forms.BooleanField(
        label=_("Require two-step verification"),
        required=False,
        help_text=_(
            "Members without two-step verification are sent to set it up when they open "
            "this tenant, and invitees set it up before they can accept."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class DomainAddForm(forms.Form):
    """**Add domain**: the name is checked by the service (``tenants.domain_names``)."""

    name = forms.CharField(
        label=_("Domain"),
        max_length=1000,
        help_text=_("Like example.com: the part of your team's addresses after the @."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Add domain")))


class DomainEnrollmentForm(forms.Form):
    enrollment = forms.ChoiceField(label=_("Enrollment"), choices=Enrollment.choices)
