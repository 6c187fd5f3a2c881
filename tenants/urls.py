from django.urls import path

from tenants import views

app_name = "tenants"

urlpatterns = [
    path("new/", views.TenantCreateView.as_view(), name="create"),
]
