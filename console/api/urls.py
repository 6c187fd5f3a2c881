"""API keys tab under ``/t/<tenant_id>/settings/api-keys/``."""

from django.urls import path

from console.api import views

app_name = "api_keys"

urlpatterns = [
    path("", views.ApiKeyListView.as_view(), name="list"),
    path("<int:pk>/revoke/", views.ApiKeyRevokeView.as_view(), name="revoke"),
]
