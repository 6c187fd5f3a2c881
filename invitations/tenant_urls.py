from django.urls import path
from django.views.generic import TemplateView

app_name = "tenant_invitations"

# Placeholder routes so shared templates can reverse them; replaced by the app's real views.
urlpatterns = [
    path("", TemplateView.as_view(template_name="404.html"), name="list"),
    path("invite/", TemplateView.as_view(template_name="404.html"), name="invite"),
]
