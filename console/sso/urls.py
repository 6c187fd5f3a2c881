"""**Sign in with SSO** under ``/accounts/sso/``."""

from django.urls import path

from console.sso import views

app_name = "sso"

urlpatterns = [
    path("", views.SsoSignInView.as_view(), name="sign_in"),
    # Where Require single sign-on sends a signed-in member: straight to the provider.
    path("t/<str:tenant_id>/", views.SsoContinueView.as_view(), name="continue"),
]
