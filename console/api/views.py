"""The API keys tab under ``/t/<tenant_id>/settings/api-keys/`` (admins).

Views parse, check the role and call one service; the rules live in
``console.api.services``.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import ListView

from console.api import selectors, services
from console.api.exceptions import ApiKeyError
from console.api.forms import ApiKeyCreateForm
from console.api.models import ApiKey
from console.client_ip import client_ip
from members.permissions import MANAGE_API_KEYS
from tenants.mixins import TenantMixin

API_KEYS_PER_PAGE = 25


class ApiKeyListView(TenantMixin, ListView):
    """The keys with their status and last use, and the form that creates one.

    A successful POST renders the page with the new key in it (not a
    redirect): the key exists only in that response, which is never cached.
    """

    permission_required = MANAGE_API_KEYS
    template_name = "api/api_keys.html"
    context_object_name = "api_keys"
    paginate_by = API_KEYS_PER_PAGE

    def get_queryset(self):
        return selectors.api_keys_for_tab(tenant=self.tenant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiKeyCreateForm())
        context.update(settings_tab="api_keys", now=timezone.now())
        return context

    def post(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        form = ApiKeyCreateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        after = form.expires_after()
        try:
            api_key, key = services.api_key_create(
                tenant=self.tenant,
                actor_membership=self.membership,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=timezone.now() + after if after else None,
                ip=client_ip(request),
            )
        except ApiKeyError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        self.object_list = self.get_queryset()
        response = self.render_to_response(
            self.get_context_data(new_key=key, new_api_key=api_key, form=ApiKeyCreateForm())
        )
        add_never_cache_headers(response)
        return response


class ApiKeyRevokeView(TenantMixin, View):
    permission_required = MANAGE_API_KEYS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        api_key = get_object_or_404(ApiKey, pk=kwargs["pk"], tenant=self.tenant)
        try:
            services.api_key_revoke(
                api_key=api_key, actor_membership=self.membership, ip=client_ip(request)
            )
        except ApiKeyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The API key “{api_key.name}” was revoked.")
        return redirect("api_keys:list", tenant_id=self.tenant.public_id)
