"""Tenant pages under ``/t/<tenant_id>/settings/``."""

from django.urls import path

from tenants import views

app_name = "tenant_settings"

urlpatterns = [
    path("", views.TenantSettingsView.as_view(), name="settings"),
    path("delete/", views.TenantDeleteView.as_view(), name="delete"),
    path("two-step/", views.TenantTwoStepPolicyView.as_view(), name="two_step"),
    path("billing/", views.BillingView.as_view(), name="billing"),
    path("activity/", views.ActivityView.as_view(), name="activity"),
    path("activity/csv/", views.ActivityCsvView.as_view(), name="activity_csv"),
]
