"""An operator unticks *active*: the person's sessions end, wherever they were signed in.

Django already treats an inactive account's session as signed out; these
tests check the sessions are gone, so reactivating the account later does
not bring an old browser (or a stolen cookie) back in.
"""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def signed_in_browser(user) -> Client:
    """A browser that signed in through the log-in page, as the person did."""
    browser = Client()
    response = browser.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)
    return browser


def untick_active_in_the_admin(user) -> None:
    """The operator opens the person in the Django admin, unticks *active*, saves."""
    operator = Client()
    operator.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = operator.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"email": user.email, "name": user.name, "segment": "", "is_staff": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active


def test_deactivating_in_the_admin_ends_every_session_of_the_person():
    person = factories.AdminMembershipFactory().user
    phone, laptop = signed_in_browser(person), signed_in_browser(person)
    keys = [phone.session.session_key, laptop.session.session_key]
    assert UserSession.objects.filter(user=person).count() == 2

    untick_active_in_the_admin(person)

    assert not UserSession.objects.filter(user=person).exists()
    assert not Session.objects.filter(session_key__in=keys).exists()


def test_deactivating_leaves_other_peoples_sessions_alone():
    person, colleague = factories.UserFactory(), factories.UserFactory()
    signed_in_browser(person)
    colleague_browser = signed_in_browser(colleague)

    untick_active_in_the_admin(person)

    assert UserSession.objects.filter(user=colleague).count() == 1
    assert colleague_browser.get(reverse("accounts:security")).status_code == 200


def test_deactivated_persons_browser_is_sent_to_log_in():
    person = factories.UserFactory()
    browser = signed_in_browser(person)

    untick_active_in_the_admin(person)

    response = browser.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_reactivating_does_not_bring_an_old_session_back():
    person = factories.UserFactory()
    browser = signed_in_browser(person)
    untick_active_in_the_admin(person)

    person.is_active = True
    person.save()

    response = browser.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_deactivating_by_a_plain_save_ends_the_sessions_too():
    # A script or the shell, not the admin: the same rule holds.
    person = factories.UserFactory()
    browser = signed_in_browser(person)

    person.is_active = False
    person.save()

    assert not UserSession.objects.filter(user=person).exists()
    assert not Session.objects.filter(session_key=browser.session.session_key).exists()


def test_a_deactivated_person_cannot_sign_in_again():
    person = factories.UserFactory()
    untick_active_in_the_admin(person)

    browser = Client()
    browser.post(LOGIN, {"login": person.email, "password": TEST_PASSWORD})

    assert "_auth_user_id" not in browser.session
    assert not UserSession.objects.filter(user=person).exists()
