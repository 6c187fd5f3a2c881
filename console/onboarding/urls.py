"""Get started, under ``/t/<tenant_id>/get-started/``."""

from django.urls import path

from console.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.GetStartedView.as_view(), name="get_started"),
    path("hide/", views.ChecklistVisibilityView.as_view(hidden=True), name="hide_checklist"),
    path("show/", views.ChecklistVisibilityView.as_view(hidden=False), name="show_checklist"),
    path("follow/<slug:link>/", views.FollowLinkView.as_view(), name="follow"),
]
