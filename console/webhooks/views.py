"""The Webhooks tab: thin views over ``console.webhooks.services`` (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from console.client_ip import client_ip
from console.webhooks import selectors, services
from console.webhooks.forms import WebhookEndpointForm
from console.webhooks.models import WebhookEndpoint
from members.permissions import MANAGE_WEBHOOKS
from tenants.mixins import TenantMixin

# The new secret waits here between the POST that made it and the page that
# shows it once (then it is popped): never in a URL, so never in a Referer.
NEW_SECRET_SESSION_KEY = "webhook_new_secret"


class WebhookMixin(TenantMixin):
    permission_required = MANAGE_WEBHOOKS

    def list_url(self):
        return redirect("webhooks:list", tenant_id=self.tenant.public_id)

    def get_endpoint(self):
        return selectors.endpoint_in_tenant(tenant=self.tenant, pk=self.kwargs["pk"])

    def show_secret_once(self, endpoint, secret: str) -> None:
        self.request.session[NEW_SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


class WebhookListView(WebhookMixin, TemplateView):
    template_name = "webhooks/webhook_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        new_secret = self.request.session.pop(NEW_SECRET_SESSION_KEY, None)
        endpoints = selectors.endpoints_for_tab(tenant=self.tenant)
        for endpoint in endpoints:
            # Shown once: only on the page right after creating or rotating.
            endpoint.new_secret = (  # type: ignore[attr-defined]
                new_secret["secret"] if new_secret and new_secret["endpoint"] == endpoint.pk else ""
            )
        context.update(
            settings_tab="webhooks",
            endpoints=endpoints,
            can_add=len(endpoints) < services.MAX_ENDPOINTS_PER_TENANT,
            max_endpoints=services.MAX_ENDPOINTS_PER_TENANT,
        )
        return context


class _EndpointFormView(WebhookMixin, FormView):
    template_name = "webhooks/webhook_form.html"
    form_class = WebhookEndpointForm

    def form_invalid_with(self, form, error: ValidationError):
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(settings_tab="webhooks", **kwargs)


class WebhookCreateView(_EndpointFormView):
    def form_valid(self, form):
        try:
            endpoint = services.webhook_endpoint_create(
                tenant=self.tenant,
                actor=self.actor,
                ip=client_ip(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        self.show_secret_once(endpoint, endpoint.secret)
        messages.success(self.request, _("Webhook added. Copy its signing secret now."))
        return self.list_url()


class WebhookEditView(_EndpointFormView):
    def get(self, request, *args, **kwargs):
        self.endpoint = self.get_endpoint()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.endpoint = self.get_endpoint()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["submit_label"] = _("Save changes")
        if self.request.method == "GET":
            kwargs["initial"] = {"url": self.endpoint.url, "events": self.endpoint.events}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.endpoint, **kwargs)

    def form_valid(self, form):
        try:
            services.webhook_endpoint_change(
                endpoint=self.endpoint,
                actor=self.actor,
                ip=client_ip(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.form_invalid_with(form, error)
        messages.success(self.request, _("Webhook saved."))
        return self.list_url()


class _EndpointActionView(WebhookMixin, View):
    http_method_names = ["post"]

    def act(self, endpoint: WebhookEndpoint) -> None:
        raise NotImplementedError  # each action view says what it does

    def post(self, request, *args, **kwargs):
        endpoint = self.get_endpoint()
        try:
            self.act(endpoint)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return self.list_url()


class WebhookDeleteView(_EndpointActionView):
    def act(self, endpoint):
        services.webhook_endpoint_delete(
            endpoint=endpoint, actor=self.actor, ip=client_ip(self.request)
        )
        messages.success(self.request, _("Webhook %(url)s deleted.") % {"url": endpoint.shown_url})


class WebhookRotateSecretView(_EndpointActionView):
    def act(self, endpoint):
        secret = services.webhook_endpoint_rotate_secret(
            endpoint=endpoint, actor=self.actor, ip=client_ip(self.request)
        )
        self.show_secret_once(endpoint, secret)
        messages.success(
            self.request, _("New signing secret made. The old one no longer signs anything.")
        )


class WebhookEnableView(_EndpointActionView):
    def act(self, endpoint):
        services.webhook_endpoint_enable(
            endpoint=endpoint, actor=self.actor, ip=client_ip(self.request)
        )
        messages.success(
            self.request, _("Webhook %(url)s enabled again.") % {"url": endpoint.shown_url}
        )


class WebhookTestView(_EndpointActionView):
    def act(self, endpoint):
        services.webhook_send_test(endpoint=endpoint, actor=self.actor)
        messages.success(
            self.request, _("Test event queued. Its attempt appears below in a few seconds.")
        )
