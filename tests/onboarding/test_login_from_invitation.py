import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_login_prefills_the_invited_email(client, invitation_in_session):
    response = client.get(LOGIN)
    assert response.context["form"]["login"].value() == "invitee@example.com"
    assert invitation_in_session.tenant.name in response.content.decode()


def test_login_from_an_invitation_returns_to_it(client, invitation_in_session):
    factories.UserFactory(email="invitee@example.com")
    response = client.post(
        LOGIN, {"login": "invitee@example.com", "password": factories.TEST_PASSWORD}
    )
    assert response["Location"] == "/invitations/review/"


def test_login_from_an_invitation_still_honours_next(client, invitation_in_session):
    factories.UserFactory(email="invitee@example.com")
    response = client.post(
        LOGIN,
        {
            "login": "invitee@example.com",
            "password": factories.TEST_PASSWORD,
            "next": "/invitations/review/?x=1",
        },
    )
    assert response["Location"] == "/invitations/review/?x=1"


def test_login_without_an_invitation_prefills_nothing(client):
    response = client.get(LOGIN)
    assert response.context["form"]["login"].value() is None
    assert response.context["invitation"] is None
