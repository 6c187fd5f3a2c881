"""The Single sign-on tab under ``/t/<tenant_id>/settings/sso/``."""

from django.urls import path

from console.sso import views

app_name = "tenant_sso"

urlpatterns = [
    path("", views.SsoSettingsView.as_view(), name="settings"),
    path("test/", views.SsoTestView.as_view(), name="test"),
    path("enable/", views.SsoEnableView.as_view(), name="enable"),
    path("disable/", views.SsoDisableView.as_view(), name="disable"),
    path("delete/", views.SsoDeleteView.as_view(), name="delete"),
    path("require/", views.SsoRequireView.as_view(), name="require"),
]
