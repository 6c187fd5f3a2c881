"""Members tab under ``/t/<tenant_id>/settings/members/``."""

from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("leave/", views.MemberLeaveView.as_view(), name="leave"),
    path("<int:pk>/actions/", views.MemberActionsMenuView.as_view(), name="actions"),
    path("<int:pk>/role/", views.MemberChangeRoleView.as_view(), name="change_role"),
    path("<int:pk>/remove/", views.MemberRemoveView.as_view(), name="remove"),
    path("<int:pk>/transfer/", views.OwnershipTransferView.as_view(), name="transfer"),
]
