from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from console import views

tenant_patterns = [
    path("get-started/", include("console.onboarding.urls")),
    path("settings/", include("tenants.tenant_urls")),
    path("settings/members/", include("members.urls")),
    path("settings/members/invitations/", include("invitations.tenant_urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("console.accounts.urls")),
    path("tenants/", include("tenants.urls")),
    path("t/<str:tenant_id>/", include(tenant_patterns)),
    path("invitations/", include("invitations.urls")),
]

if settings.BENCH_BASELINE:
    urlpatterns.append(path("bench/baseline/", views.bench_baseline, name="bench_baseline"))

handler403 = "console.views.permission_denied"
handler404 = "console.views.page_not_found"
