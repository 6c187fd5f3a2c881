from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from console.webhooks.guard import validate_webhook_url
from tenants.activity_actions import activity_action_choices


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        help_text=_(
            "An https address on the public internet. Each event is POSTed to it as JSON, "
            "signed with the webhook’s secret: check that signature rather than putting a "
            "token in the address."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/console"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=activity_action_choices,  # every app's, registered in ready()
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The activity entries this endpoint receives."),
        error_messages={"required": _("Choose at least one event.")},
    )

    def __init__(self, *args, submit_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", submit_label or _("Add webhook")))

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        # The SSRF guard's message, on the field; the service checks again.
        validate_webhook_url(url)
        return url
