"""``/scim/v2/<tenant_id>/``: one tenant's SCIM service (RFC 7644 §3.2 endpoints)."""

from django.urls import path, re_path

from console.scim import views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.ServiceProviderConfigView.as_view(), name="spc"),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="resource_types"),
    path("ResourceTypes/<str:pk>", views.ResourceTypesView.as_view(), name="resource_type"),
    path("Schemas", views.SchemasView.as_view(), name="schemas"),
    path("Schemas/<str:pk>", views.SchemasView.as_view(), name="schema"),
    path(".search", views.SearchView.as_view(), name="search"),
    path("Users/.search", views.SearchView.as_view(), name="users_search"),
    path("Groups/.search", views.SearchView.as_view(), name="groups_search"),
    path("Users", views.UsersView.as_view(), name="users"),
    path("Users/<str:pk>", views.UserView.as_view(), name="user"),
    path("Groups", views.GroupsView.as_view(), name="groups"),
    path("Groups/<str:pk>", views.GroupView.as_view(), name="group"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
