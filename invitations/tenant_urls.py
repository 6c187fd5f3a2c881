"""Tenant pages under ``/t/<tenant_id>/settings/members/invitations/``."""

from django.urls import path

from invitations import views

app_name = "tenant_invitations"

urlpatterns = [
    path("", views.InvitationListView.as_view(), name="list"),
    path("new/", views.InviteView.as_view(), name="invite"),
    path("new/preview/", views.InvitePreviewView.as_view(), name="invite_preview"),
    path(
        "batch/<uuid:batch_id>/progress/",
        views.InvitationBatchProgressView.as_view(),
        name="batch_progress",
    ),
    path("<int:pk>/resend/", views.InvitationResendView.as_view(), name="resend"),
    path("<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="revoke"),
    path("<int:pk>/delete/", views.InvitationDeleteView.as_view(), name="delete"),
]
