"""Invitation links and joining, under ``/invitations/``."""

from django.urls import path

from invitations import request_views, tokens, views

app_name = "invitations"

urlpatterns = [
    # Before "<token>/" so these words are never taken for a secret.
    path(f"{tokens.SESSION_TOKEN}/", views.InvitationReviewView.as_view(), name="review"),
    path(
        f"{tokens.SESSION_TOKEN}/sign-out/", views.InvitationSignOutView.as_view(), name="sign_out"
    ),
    path("join/<int:pk>/", views.InvitationJoinView.as_view(), name="join"),
    path(
        "request-to-join/<str:tenant_id>/",
        request_views.RequestToJoinView.as_view(),
        name="request_to_join",
    ),
    path("<str:token>/", views.InvitationOpenView.as_view(), name="open"),
]
