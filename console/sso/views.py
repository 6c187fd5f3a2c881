"""The Single sign-on tab (admins) and **Sign in with SSO** (anyone): thin views over
``console.sso.services``; the provider's answer is handled in ``console.sso.sign_in``."""

from allauth.socialaccount.adapter import get_adapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from console.client_ip import client_ip
from console.sso import discovery, saml_metadata, selectors, services
from console.sso.forms import OidcConnectionForm, SamlConnectionForm, SsoSignInForm
from console.sso.models import Protocol, SsoConnection, provider_id_for
from console.sso.saml_views import with_checked_host
from console.sso.sign_in import TEST_SESSION_KEY
from members.permissions import MANAGE_SSO
from tenants.actors import Actor
from tenants.mixins import SSO_SESSION_KEY, TenantMixin
from tenants.selectors import membership_for_member


def _to_provider(request, connection: SsoConnection, *, next_url: str):
    with_checked_host(request)  # SAML builds its request's URLs from it
    provider = get_adapter(request).get_provider(request, connection.app.provider_id)
    return provider.redirect(request, "login", next_url=next_url)


def _forms_may_leave_for_the_provider(response):
    """A page whose form starts a sign-in lets the form's redirect reach the provider.

    The console's policy says ``form-action 'self'``, and browsers apply it to
    the redirects after a form is sent too, so **Test sign-in** and **Sign in
    with SSO** would stop at the provider's door. On these two pages only, a
    form may also lead to https addresses (and, with ``SSO_ALLOW_PRIVATE_URLS``,
    to http ones: a provider on 127.0.0.1 in development and tests).
    """
    targets = "'self' https:" + (" http:" if discovery.private_urls_allowed() else "")
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action {targets}"
    )
    return response


class SsoTabMixin(TenantMixin):
    permission_required = MANAGE_SSO
    open_to_two_step_admins_without_sso = True

    def tab(self):
        return redirect("tenant_sso:settings", tenant_id=self.tenant.public_id)

    def connection(self) -> SsoConnection | None:
        return selectors.connection_of(tenant=self.tenant)


class SsoSettingsView(SsoTabMixin, FormView):
    """The tab, and the connection forms posted to it (errors beside the fields): one
    per protocol, told apart by ``protocol`` (OpenID Connect when absent)."""

    template_name = "sso/settings.html"
    form_classes: dict[str, type[forms.Form]] = {
        Protocol.OIDC: OidcConnectionForm,
        Protocol.SAML: SamlConnectionForm,
    }

    def render_to_response(self, context, **response_kwargs):
        return _forms_may_leave_for_the_provider(
            super().render_to_response(context, **response_kwargs)
        )

    def posted_protocol(self) -> str:
        if self.request.method == "POST" and self.request.POST.get("protocol") == Protocol.SAML:
            return Protocol.SAML
        return Protocol.OIDC

    def get_form_class(self):
        return self.form_classes[self.posted_protocol()]

    def _kwargs_for(self, protocol: str) -> dict:
        connection = self.connection()
        kwargs: dict = {"initial": {}}
        same = connection if connection is not None and connection.protocol == protocol else None
        if protocol == Protocol.OIDC:
            kwargs["has_secret"] = same is not None
            if same is not None:
                kwargs["initial"] = {"issuer": same.issuer, "client_id": same.client_id}
        elif same is not None:
            kwargs["initial"] = {"metadata_url": same.metadata_url}
        return kwargs

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(self._kwargs_for(self.posted_protocol()))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        connection = self.connection()
        if self.request.method == "POST":
            active = self.posted_protocol()
        else:
            active = connection.protocol if connection is not None else Protocol.OIDC
        forms = {
            protocol: (
                context["form"]
                if protocol == self.posted_protocol()
                else form_class(**self._kwargs_for(protocol))
            )
            for protocol, form_class in self.form_classes.items()
        }
        slug = provider_id_for(self.tenant)
        callback = reverse("openid_connect_callback", kwargs={"provider_id": slug})
        saml_metadata_url = self.request.build_absolute_uri(
            reverse("saml_metadata", kwargs={"organization_slug": slug})
        )
        context.update(
            signed_in_through_it=self.tenant.public_id
            in self.request.session.get(SSO_SESSION_KEY, []),
            settings_tab="sso",
            connection=connection,
            active_protocol=active,
            oidc_form=forms[Protocol.OIDC],
            saml_form=forms[Protocol.SAML],
            redirect_uri=self.request.build_absolute_uri(callback),
            # allauth's default: the service provider's entity ID is its metadata URL.
            saml_entity_id=saml_metadata_url,
            saml_metadata_url=saml_metadata_url,
            saml_acs_url=self.request.build_absolute_uri(
                reverse("saml_acs", kwargs={"organization_slug": slug})
            ),
            saml_name_id_format=saml_metadata.NAME_ID_FORMAT,
            saml_attributes=saml_metadata.ATTRIBUTES_TO_SEND,
            has_verified_domain=self.tenant.domains.filter(verified_at__isnull=False).exists(),
        )
        return context

    def form_valid(self, form):
        existed = self.connection() is not None
        actor, ip = Actor.member(self.request.user), client_ip(self.request)
        try:
            if isinstance(form, SamlConnectionForm):
                services.sso_saml_connection_save(
                    tenant=self.tenant,
                    actor=actor,
                    metadata_url=form.cleaned_data["metadata_url"],
                    metadata_xml=form.cleaned_data["metadata_xml"],
                    ip=ip,
                )
            else:
                services.sso_connection_save(
                    tenant=self.tenant,
                    actor=actor,
                    issuer=form.cleaned_data["issuer"],
                    client_id=form.cleaned_data["client_id"],
                    client_secret=form.cleaned_data["client_secret"],
                    ip=ip,
                )
        except ValidationError as error:
            # Discovery, metadata and guard messages belong to their URL (pasted
            # metadata's to the XML); no domain, to the form.
            if isinstance(form, SamlConnectionForm):
                field = "metadata_url" if form.cleaned_data["metadata_url"] else "metadata_xml"
            else:
                field = "issuer"
            target = {"secret": "client_secret", "no_domain": None}.get(error.code or "", field)
            form.add_error(target, error)
            return self.form_invalid(form)
        if existed:
            messages.success(
                self.request, _("Connection saved. Test sign-in, then enable it again.")
            )
        else:
            messages.success(self.request, _("Connection saved. Test sign-in, then enable it."))
        return self.tab()


class _SsoActionView(SsoTabMixin, View):
    http_method_names = ["post"]

    def act(self, connection: SsoConnection):
        raise NotImplementedError  # each action view says what it does

    def post(self, request, *args, **kwargs):
        connection = self.connection()
        if connection is None:
            messages.error(request, _("There is no connection yet."))
            return self.tab()
        try:
            response = self.act(connection)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.tab()
        return response or self.tab()


class SsoTestView(_SsoActionView):
    """**Test sign-in**: through the identity provider once; the answer is a test."""

    def act(self, connection):
        self.request.session[TEST_SESSION_KEY] = {
            "connection": connection.pk,
            "version": connection.version,
            "tenant": self.tenant.public_id,
        }
        tab = reverse("tenant_sso:settings", kwargs={"tenant_id": self.tenant.public_id})
        return _to_provider(self.request, connection, next_url=tab)


class SsoEnableView(_SsoActionView):
    def act(self, connection):
        services.sso_connection_enable(
            connection=connection, actor=Actor.member(self.request.user), ip=client_ip(self.request)
        )
        messages.success(self.request, _("Single sign-on is enabled."))


class SsoDisableView(_SsoActionView):
    def act(self, connection):
        services.sso_connection_disable(
            connection=connection, actor=Actor.member(self.request.user), ip=client_ip(self.request)
        )
        messages.success(self.request, _("Single sign-on is disabled."))


class SsoDeleteView(_SsoActionView):
    def act(self, connection):
        services.sso_connection_delete(
            connection=connection, actor=Actor.member(self.request.user), ip=client_ip(self.request)
        )
        messages.success(self.request, _("Connection deleted."))


class SsoRequireView(SsoTabMixin, View):
    """**Require single sign-on** on or off (``required`` = ``on`` turns it on)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        required = request.POST.get("required") == "on"
        try:
            services.sso_requirement_set(
                tenant=self.tenant,
                actor=Actor.member(request.user),
                required=required,
                actor_signed_in_through_it=self.tenant.public_id
                in request.session.get(SSO_SESSION_KEY, []),
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.tab()
        if required:
            message = _("Single sign-on is now required for members at your verified domains.")
        else:
            message = _("Single sign-on is no longer required.")
        messages.success(request, message)
        return self.tab()


class SsoContinueView(LoginRequiredMixin, View):
    """A member held back by Require single sign-on goes to the tenant's provider,
    and back to the page they asked for (``next``, this site only).

    A page that moves on by itself (``<meta http-equiv="refresh">``, and a link),
    not a redirect: this view is often the end of the redirects after the log-in
    or two-step form, and the browser applies those pages' ``form-action 'self'``
    to every redirect after a form is sent, so a redirect to the provider would
    leave the person on the log-in page. A page's own navigation is not a form's.
    """

    def get(self, request, *args, **kwargs):
        membership = membership_for_member(user=request.user, public_id=kwargs["tenant_id"])
        connection = selectors.connection_of(tenant=membership.tenant)
        if connection is None or not connection.enabled:
            return redirect("home")
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse(
                "onboarding:get_started", kwargs={"tenant_id": membership.tenant.public_id}
            )
        request.session.pop(TEST_SESSION_KEY, None)
        to_provider = _to_provider(request, connection, next_url=next_url)
        return render(
            request,
            "sso/continue.html",
            {"tenant": membership.tenant, "provider_url": to_provider["Location"]},
        )


class SsoSignInView(FormView):
    """**Sign in with SSO**: the email's domain picks the tenant and its provider."""

    template_name = "sso/sign_in.html"
    form_class = SsoSignInForm

    def render_to_response(self, context, **response_kwargs):
        return _forms_may_leave_for_the_provider(
            super().render_to_response(context, **response_kwargs)
        )

    def form_valid(self, form):
        connection = selectors.enabled_connection_for_email(email=form.cleaned_data["email"])
        if connection is None:
            form.add_error(
                "email",
                _(
                    "Single sign-on is not set up for this address. "
                    "Log in with your password instead."
                ),
            )
            return self.form_invalid(form)
        self.request.session.pop(TEST_SESSION_KEY, None)
        return _to_provider(self.request, connection, next_url=reverse("home"))
