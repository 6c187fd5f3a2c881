"""Account URLs under ``/accounts/``.

``accounts:signup`` and ``accounts:login`` are added to this namespace in
``console/urls.py``: sign-up creates the first tenant and both pages carry a
pending invitation through, so their views live in ``console.onboarding``,
which may read every app (this one may not import it).
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from console.accounts import security_views, views

app_name = "accounts"

urlpatterns = [
    # Django's LogoutView is POST only: a GET answers 405, so a link or an
    # image tag cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("security/", security_views.SecurityView.as_view(), name="security"),
]
