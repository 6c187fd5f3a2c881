"""The API keys tab under ``/t/<tenant_id>/settings/api-keys/`` (admins).

Views parse, check the role and call one service; the rules live in
``console.api.services``.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
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
# The new key, from the POST that created it to the one GET that shows it.
NEW_KEY_SESSION_KEY = "api_key_shown_once"


class ApiKeyListView(TenantMixin, ListView):
    """The keys with their status and last use, and the form that creates one.

    A successful POST redirects (so a reload cannot create a second key) and
    the new key rides in the session to exactly one GET, which pops it: the
    key is shown once, in a response that is never cached.
    """

    permission_required = MANAGE_API_KEYS
    template_name = "api/api_keys.html"
    context_object_name = "api_keys"
    paginate_by = API_KEYS_PER_PAGE

    def get_queryset(self):
        return selectors.api_keys_for_tab(tenant=self.tenant)

    def get(self, request, *args, **kwargs):
        self.shown_once = request.session.pop(NEW_KEY_SESSION_KEY, None)
        response = super().get(request, *args, **kwargs)
        if self.shown_once:
            add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiKeyCreateForm())
        shown_once = getattr(self, "shown_once", None)
        if shown_once:
            context.update(new_key=shown_once["key"], new_key_name=shown_once["name"])
        context.update(settings_tab="api_keys")
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
                actor=self.actor,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=timezone.now() + after if after else None,
                ip=client_ip(request),
            )
        except ApiKeyError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        request.session[NEW_KEY_SESSION_KEY] = {"key": key, "name": api_key.name}
        return redirect("api_keys:list", tenant_id=self.tenant.public_id)


class ApiKeyRevokeView(TenantMixin, View):
    permission_required = MANAGE_API_KEYS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        api_key = get_object_or_404(ApiKey, pk=kwargs["pk"], tenant=self.tenant)
        try:
            services.api_key_revoke(api_key=api_key, actor=self.actor, ip=client_ip(request))
        except ApiKeyError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The API key “%(name)s” was revoked.") % {"name": api_key.name}
            )
        return redirect("api_keys:list", tenant_id=self.tenant.public_id)
