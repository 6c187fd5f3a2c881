"""**Sign in with SSO** under ``/accounts/sso/``."""

from django.urls import path

from console.sso import views

app_name = "sso"

urlpatterns = [
    path("", views.SsoSignInView.as_view(), name="sign_in"),
]
