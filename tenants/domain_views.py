"""The Domains tab: thin views over the domain services (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from console.client_ip import client_ip
from tenants import services
from tenants.actors import Actor
from tenants.domain_dns import record_name, record_value
from tenants.forms import DomainAddForm, DomainEnrollmentForm
from tenants.mixins import TenantMixin
from tenants.models import Domain, Enrollment

MANAGE_DOMAINS = "manage_domains"  # members.permissions.MANAGE_DOMAINS (members imports tenants)


class DomainMixin(TenantMixin):
    permission_required = MANAGE_DOMAINS

    def list_url(self):
        return redirect("tenant_domains:list", tenant_id=self.tenant.public_id)

    def get_domain(self) -> Domain:
        """Only among this tenant's domains: another tenant's id is a 404."""
        return get_object_or_404(
            Domain.objects.select_related("tenant"), tenant=self.tenant, pk=self.kwargs["pk"]
        )


class DomainListView(DomainMixin, FormView):
    """The tab, and **Add domain** posted to it (errors show beside the field)."""

    template_name = "tenants/domains.html"
    form_class = DomainAddForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        domains = list(self.tenant.domains.all())
        for domain in domains:
            domain.record_name = record_name(domain.name)
            domain.record_value = record_value(domain.verification_token)
        context.update(
            settings_tab="domains",
            domains=domains,
            enrollment_choices=Enrollment.choices,
        )
        return context

    def form_valid(self, form):
        try:
            domain = services.domain_add(
                tenant=self.tenant,
                actor=Actor.member(self.request.user),
                name=form.cleaned_data["name"],
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            form.add_error("name", error)
            return self.form_invalid(form)
        if domain.is_verified:
            message = _("%(name)s added and verified: your own address is at it.")
        else:
            message = _("%(name)s added. Add its TXT record at your DNS provider, then Verify.")
        messages.success(self.request, message % {"name": domain.display_name})
        return self.list_url()


class _DomainActionView(DomainMixin, View):
    http_method_names = ["post"]

    def act(self, domain: Domain) -> None:
        raise NotImplementedError  # each action view says what it does

    def post(self, request, *args, **kwargs):
        domain = self.get_domain()
        try:
            self.act(domain)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return self.list_url()


class DomainVerifyView(_DomainActionView):
    def act(self, domain):
        services.domain_verify(
            domain=domain, actor=Actor.member(self.request.user), ip=client_ip(self.request)
        )
        messages.success(self.request, _("%(name)s is verified.") % {"name": domain.display_name})


class DomainRemoveView(_DomainActionView):
    def act(self, domain):
        services.domain_remove(
            domain=domain, actor=Actor.member(self.request.user), ip=client_ip(self.request)
        )
        messages.success(self.request, _("%(name)s removed.") % {"name": domain.display_name})


class DomainEnrollmentView(_DomainActionView):
    def act(self, domain):
        form = DomainEnrollmentForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose an enrollment."))
        services.domain_set_enrollment(
            domain=domain,
            actor=Actor.member(self.request.user),
            enrollment=form.cleaned_data["enrollment"],
            ip=client_ip(self.request),
        )
        messages.success(
            self.request,
            _("Enrollment for %(name)s: %(enrollment)s.")
            % {
                "name": domain.display_name,
                "enrollment": Enrollment(form.cleaned_data["enrollment"]).label,
            },
        )
