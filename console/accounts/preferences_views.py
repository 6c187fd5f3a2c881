"""The account's language and time zone: the language menu and /accounts/preferences/."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django.views.i18n import set_language

from console.accounts.forms import PreferencesForm
from console.accounts.models import User
from console.accounts.services import user_set_language, user_set_time_zone


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language menu: saved on the account when signed in, then Django's
    ``set_language`` sets the cookie (an anonymous visitor's only record) and
    redirects back to ``next``."""
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and translation.check_for_language(language):
        assert isinstance(user, User)
        user_set_language(user=user, language=language)
    return set_language(request)


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "accounts/preferences.html"
    form_class = PreferencesForm

    def get_initial(self):
        user = self.request.user
        assert isinstance(user, User)  # LoginRequiredMixin
        return {"language": user.language, "time_zone": user.time_zone}

    def form_valid(self, form):
        user = self.request.user
        assert isinstance(user, User)
        user_set_language(user=user, language=form.cleaned_data["language"])
        user_set_time_zone(user=user, time_zone=form.cleaned_data["time_zone"])
        # The confirmation is shown in the language just chosen.
        language = user.language or translation.get_language_from_request(self.request)
        with translation.override(language):
            messages.success(self.request, _("Your preferences are saved."))
        response = redirect("accounts:preferences")
        if not user.language:
            # "Same as my browser": forget a language picked earlier in the menu.
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
