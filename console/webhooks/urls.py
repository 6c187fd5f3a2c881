"""The Webhooks tab under ``/t/<tenant_id>/settings/webhooks/``."""

from django.urls import path

from console.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.WebhookListView.as_view(), name="list"),
    path("new/", views.WebhookCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.WebhookEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="delete"),
    path("<int:pk>/rotate-secret/", views.WebhookRotateSecretView.as_view(), name="rotate"),
    path("<int:pk>/enable/", views.WebhookEnableView.as_view(), name="enable"),
    path("<int:pk>/test/", views.WebhookTestView.as_view(), name="test"),
]
