"""allauth's SAML 2.0 views, as the console mounts them (``console.sso.saml_urls``).

Each answers only the methods its binding uses (others: 405) and only for a
tenant's SAML connection (an unknown one: 404, before anything is stored).
The assertion consumer service is cross-site by nature (the identity
provider's page posts to it), so it takes no CSRF token: python3-saml checks
the response's signature, audience, destination and validity instead.

allauth remembers each SAML request's ID in the session, once, and accepts a
response only in answer to one of them (``reject_idp_initiated_sso``); a
response that answers none (replayed, sent to another tenant's connection,
started in another browser, or unsolicited) makes it raise
``PermissionDenied``. Here that ends, like every other provider error, on the
adapter's one page and in the log (``console.sso.sign_in.provider_failed``).
"""

from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml import views as allauth_saml
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt


def with_checked_host(request):
    """python3-saml builds the URLs it checks from ``META["HTTP_HOST"]`` as sent: give it
    the host Django checked against ``ALLOWED_HOSTS`` (and one at all, for a client
    that sent none)."""
    request.META["HTTP_HOST"] = request.get_host()
    return request


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class SamlAcsView(View):
    """The identity provider posts its answer here (HTTP-POST binding)."""

    http_method_names = ["post"]

    def post(self, request, organization_slug):
        get_app_or_404(request, organization_slug)
        return allauth_saml.acs(with_checked_host(request), organization_slug=organization_slug)


@method_decorator(login_not_required, name="dispatch")
class SamlFinishAcsView(allauth_saml.FinishACSView):
    """allauth checks the answer the ACS kept and signs in through the adapter."""

    http_method_names = ["get"]

    def get(self, request, organization_slug):
        try:
            return super().dispatch(request, organization_slug)
        except PermissionDenied as refused:  # the answer is to no request of this session
            provider = self.get_provider(organization_slug)
            return render_authentication_error(request, provider, exception=refused)

    def dispatch(self, request, *args, **kwargs):
        return View.dispatch(self, request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class SamlMetadataView(View):
    """The console's service provider metadata, for the identity provider."""

    http_method_names = ["get"]

    def get(self, request, organization_slug):
        return allauth_saml.metadata(
            with_checked_host(request), organization_slug=organization_slug
        )


@method_decorator(login_not_required, name="dispatch")
class SamlSlsView(View):
    """Single logout from the identity provider (HTTP-Redirect binding)."""

    http_method_names = ["get"]

    def get(self, request, organization_slug):
        return allauth_saml.sls(with_checked_host(request), organization_slug=organization_slug)
