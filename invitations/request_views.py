"""Join requests and invite requests: thin views over ``invitations.access_requests``.

- ``/invitations/request-to-join/<tenant_id>/`` (POST): **Request to join**, for
  a person the tenant's verified domain offers it to; anyone else gets 404.
- ``/t/<tenant_id>/settings/members/requests/...`` (POST): **Request
  invitations** (collaborators), **Approve** and **Decline** (admins).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from console.client_ip import client_ip
from console.ratelimit import RateLimited
from console.responses import too_many_requests
from invitations import access_requests
from invitations.exceptions import InvitationsRefused
from invitations.forms import InviteRequestForm, RequestApproveForm
from invitations.models import AccessRequest, RequestKind
from members.models import Role
from members.permissions import MANAGE_MEMBERS, VIEW_MEMBERS
from tenants.actors import Actor
from tenants.mixins import TenantMixin
from tenants.models import Enrollment


class RequestToJoinView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, tenant_id):
        # Only a tenant whose verified domain offers it to this confirmed address:
        # any other id is a 404, so nobody learns which tenants exist.
        domain = (
            access_requests.domain_for_user(user=request.user)
            .exclude(enrollment=Enrollment.OFF)
            .filter(tenant__public_id=tenant_id)
            .first()
        )
        if domain is None:
            raise Http404
        try:
            access_requests.join_request_create(
                tenant=domain.tenant, user=request.user, ip=client_ip(request)
            )
        except RateLimited as error:
            return too_many_requests(request, str(error.message))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Request sent. The admins of “%(tenant)s” will decide on it; we will email you.")
                % {"tenant": domain.tenant.name},
            )
        return redirect("home")


class _RequestsMixin(TenantMixin):
    http_method_names = ["post"]

    def members_url(self):
        return redirect("members:list", tenant_id=self.tenant.public_id)


class InviteRequestView(_RequestsMixin, View):
    """**Request invitations**: any member may ask; the service refuses admins (they invite)."""

    permission_required = VIEW_MEMBERS

    def post(self, request, *args, **kwargs):
        form = InviteRequestForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
            return self.members_url()
        try:
            access_requests.invite_request_create(
                tenant=self.tenant,
                user=request.user,
                emails=form.cleaned_data["emails"],
                ip=client_ip(request),
            )
        except RateLimited as error:
            return too_many_requests(request, str(error.message))
        except InvitationsRefused as refused:
            for message in [*refused.errors, *refused.address_errors.values()]:
                messages.error(request, message)
            return self.members_url()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.members_url()
        messages.success(request, _("Request sent. An admin will approve or decline it."))
        return self.members_url()


class _DecideView(_RequestsMixin, View):
    permission_required = MANAGE_MEMBERS

    def get_request(self) -> AccessRequest:
        try:
            return access_requests.request_in_tenant(tenant=self.tenant, pk=self.kwargs["pk"])
        except AccessRequest.DoesNotExist:
            raise Http404 from None

    def decide(self, access_request: AccessRequest) -> str:
        raise NotImplementedError  # each view says what it does

    def post(self, request, *args, **kwargs):
        access_request = self.get_request()
        try:
            messages.success(request, self.decide(access_request))
        except InvitationsRefused as refused:
            for message in [*refused.errors, *refused.address_errors.values()]:
                messages.error(request, message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return self.members_url()


class RequestApproveView(_DecideView):
    def decide(self, access_request):
        form = RequestApproveForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose a role: Admin or Collaborator."))
        role = form.cleaned_data["role"] or Role.COLLABORATOR
        access_requests.request_approve(
            access_request=access_request,
            actor=Actor.member(self.request.user),
            role=role,
            ip=client_ip(self.request),
        )
        if access_request.kind == RequestKind.JOIN:
            return _("%(email)s is now a member, as %(role)s.") % {
                "email": access_request.requester.email,
                "role": Role(role).label,
            }
        return _("Invitations sent to %(emails)s.") % {"emails": ", ".join(access_request.emails)}


class RequestDeclineView(_DecideView):
    def decide(self, access_request):
        access_requests.request_decline(
            access_request=access_request,
            actor=Actor.member(self.request.user),
            ip=client_ip(self.request),
        )
        return _("Request from %(email)s declined.") % {"email": access_request.requester.email}
