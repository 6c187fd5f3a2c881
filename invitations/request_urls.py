"""The Requests section's actions under ``/t/<tenant_id>/settings/members/requests/``."""

from django.urls import path

from invitations import request_views

app_name = "requests"

urlpatterns = [
    path("invite/", request_views.InviteRequestView.as_view(), name="invite"),
    path("<int:pk>/approve/", request_views.RequestApproveView.as_view(), name="approve"),
    path("<int:pk>/decline/", request_views.RequestDeclineView.as_view(), name="decline"),
]
