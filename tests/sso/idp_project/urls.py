import json

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def setup(request):
    """Test-only: create the people and the client a test needs (POST JSON)."""
    spec = json.loads(request.body)
    for person in spec.get("users", []):
        user, _ = get_user_model().objects.get_or_create(
            username=person["username"],
            defaults={"email": person["email"], "first_name": person.get("name", "")},
        )
        user.email = person["email"]
        user.set_password(person["password"])
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(
            user=user, email=person["email"], primary=True, verified=person.get("verified", True)
        )
    for spec_client in spec.get("clients", []):
        client, _ = Client.objects.get_or_create(
            id=spec_client["id"], defaults={"name": spec_client["id"]}
        )
        client.set_secret(spec_client["secret"])
        client.set_redirect_uris(spec_client["redirect_uris"])
        client.set_scopes(["openid", "profile", "email"])
        client.set_default_scopes(["openid", "profile", "email"])
        client.skip_consent = True
        client.save()
    return JsonResponse({"ok": True})


def ping(request):
    return HttpResponse("ok")


urlpatterns = [
    path("test-setup/", setup),
    path("ping/", ping),
    path("accounts/", include("allauth.urls")),
    path("", include("allauth.idp.urls")),
]
