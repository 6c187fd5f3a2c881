"""The Domains tab under ``/t/<tenant_id>/settings/domains/``."""

from django.urls import path

from tenants import domain_views

app_name = "tenant_domains"

urlpatterns = [
    path("", domain_views.DomainListView.as_view(), name="list"),
    path("<int:pk>/verify/", domain_views.DomainVerifyView.as_view(), name="verify"),
    path("<int:pk>/remove/", domain_views.DomainRemoveView.as_view(), name="remove"),
    path("<int:pk>/enrollment/", domain_views.DomainEnrollmentView.as_view(), name="enrollment"),
]
