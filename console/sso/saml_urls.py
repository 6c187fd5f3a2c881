"""allauth's SAML 2.0 URLs under ``/accounts/saml/<organization_slug>/`` (the slug is
the connection's ``tenant-<public_id>``), with allauth's names, which its provider
reverses. No login URL: Test sign-in and Sign in with SSO start the sign-in."""

from django.urls import path

from console.sso import saml_views

urlpatterns = [
    path("acs/", saml_views.SamlAcsView.as_view(), name="saml_acs"),
    path("acs/finish/", saml_views.SamlFinishAcsView.as_view(), name="saml_finish_acs"),
    path("sls/", saml_views.SamlSlsView.as_view(), name="saml_sls"),
    path("metadata/", saml_views.SamlMetadataView.as_view(), name="saml_metadata"),
]
