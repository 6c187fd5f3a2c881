from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

from console import views
from console.accounts import urls as accounts_urls
from console.api.api import api
from console.onboarding import views as onboarding_views

# /accounts/: sign-up and log-in are onboarding's entry points (sign-up creates
# the first tenant, both carry a pending invitation through), so their views
# live in console.onboarding, which console.accounts may not import.
accounts_patterns = [
    path("signup/", onboarding_views.SignupView.as_view(), name="signup"),
    path("login/", onboarding_views.LoginView.as_view(), name="login"),
    *accounts_urls.urlpatterns,
]

tenant_patterns = [
    path("get-started/", include("console.onboarding.urls")),
    path("settings/", include("tenants.tenant_urls")),
    path("settings/members/", include("members.urls")),
    path("settings/members/invitations/", include("invitations.tenant_urls")),
    path("settings/members/requests/", include("invitations.request_urls")),
    path("settings/webhooks/", include("console.webhooks.urls")),
    path("settings/api-keys/", include("console.api.urls")),
    path("settings/domains/", include("tenants.domain_urls")),
    path("settings/sso/", include("console.sso.tenant_urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include((accounts_patterns, accounts_urls.app_name))),
    path("accounts/sso/", include("console.sso.urls")),
    # allauth's pages (codes, password reset and change, email, two-step,
    # sessions); sign-up and log-in above take precedence at the same paths.
    # allauth.urls without its third-party account pages (connections,
    # social sign-up): single sign-on is per tenant (console.sso), and only
    # its OpenID Connect login and callback are mounted, at accounts/oidc/
    # (GET and POST only, like every other page), and its SAML views below.
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/sessions/", include("allauth.usersessions.urls")),
    path(
        "accounts/oidc/<str:provider_id>/login/",
        require_http_methods(["GET", "POST"])(oidc_views.login),
        name="openid_connect_login",
    ),
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        require_http_methods(["GET", "POST"])(oidc_views.callback),
        name="openid_connect_callback",
    ),
    # allauth's SAML 2.0 views for a tenant's SAML connection (console.sso.saml_views).
    path("accounts/saml/<str:organization_slug>/", include("console.sso.saml_urls")),
    path("tenants/", include("tenants.urls")),
    path("t/<str:tenant_id>/", include(tenant_patterns)),
    path("invitations/", include("invitations.urls")),
    path("api/v1/", api.urls),
    path("scim/v2/<str:tenant_id>/", include("console.scim.urls")),
    # Django's set_language (the anonymous visitor's language cookie); GET
    # and POST only, like every other page (tests/security/test_hostile_input.py).
    path(
        "i18n/setlang/",
        require_http_methods(["GET", "POST"])(set_language),
        name="set_language",
    ),
]

handler400 = "console.views.bad_request"
handler403 = "console.views.permission_denied"
handler404 = "console.views.page_not_found"
# allauth answers its rate limits (sign-in, codes, resets) through this.
handler429 = "console.views.rate_limited"
