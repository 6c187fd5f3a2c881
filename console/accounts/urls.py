"""Account URLs under ``/accounts/``, next to allauth's own (``allauth.urls``).

``accounts:signup`` and ``accounts:login`` are added to this namespace in
``console/urls.py``: sign-up creates the first tenant and both pages carry a
pending invitation through, so their views live in ``console.onboarding``,
which may read every app (this one may not import it).
"""

from allauth.account import views as allauth_views
from django.urls import path
from django.views.generic import RedirectView

from console.accounts import preferences_views, security_views

app_name = "accounts"

urlpatterns = [
    # allauth's LogoutView signs out on POST only: a GET shows a confirmation
    # page, so a link or an image tag cannot sign anyone out.
    path("logout/", allauth_views.LogoutView.as_view(), name="logout"),
    # The old address of the reset page, still in bookmarks and old emails.
    path(
        "password-reset/",
        RedirectView.as_view(pattern_name="account_reset_password", permanent=True),
        name="password_reset",
    ),
    path("security/", security_views.SecurityView.as_view(), name="security"),
    path("preferences/", preferences_views.PreferencesView.as_view(), name="preferences"),
    path("language/", preferences_views.language_set, name="language"),
]
