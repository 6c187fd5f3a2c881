"""Password reset on allauth: the email goes through the worker, links use SITE_URL, limits."""

import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from console.accounts import tasks
from tests import factories

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")
RESET_DONE = reverse("account_reset_password_done")
RESET_LINK = re.compile(r"http://testserver/accounts/password/reset/key/[^/\s]+/")
NEW_PASSWORD = "a-brand-new-passphrase"


def request_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(RESET, {"email": email})
    return response, callbacks


def test_reset_email_is_enqueued_only_after_commit(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(RESET, {"email": "ada@example.com"})
    assert response.status_code == 302
    assert response["Location"] == RESET_DONE
    assert mail.outbox == []  # nothing sent while the transaction is open
    assert len(callbacks) == 1

    callbacks[0]()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert RESET_LINK.search(mail.outbox[0].body)


def test_reset_email_has_plain_text_and_html_with_the_same_link(
    client, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="ada@example.com")
    request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    [message] = mail.outbox
    link = RESET_LINK.search(message.body).group(0)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert link in html
    assert message.subject == "Reset your Tenant Console password"


def test_reset_links_use_site_url_not_the_host_header(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://console.example"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    factories.UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "ada@example.com"}, HTTP_HOST="evil.example")
    [message] = mail.outbox
    assert "https://console.example/accounts/password/reset/key/" in message.body
    assert "evil.example" not in message.body


def test_reset_task_receives_strings_not_the_user(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    with (
        mock.patch.object(tasks.send_account_email, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(RESET, {"email": "ada@example.com"})
    enqueue.assert_called_once()
    kwargs = enqueue.call_args.kwargs
    assert set(kwargs) == {"subject", "body", "html_body", "from_email", "to_email", "headers"}
    assert all(
        isinstance(value, str)
        for key, value in kwargs.items()
        if key not in ("from_email", "headers")
    )
    assert enqueue.call_args.args == ()


def test_reset_email_matches_the_account_case_insensitively(
    client, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="ada@example.com")
    request_reset(client, "ADA@Example.com", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(
    client, django_capture_on_commit_callbacks
):
    response, callbacks = request_reset(
        client, "nobody@example.com", django_capture_on_commit_callbacks
    )
    assert response["Location"] == RESET_DONE
    assert callbacks == []
    assert mail.outbox == []


def follow_reset_link(client):
    link = RESET_LINK.search(mail.outbox[0].body).group(0).removeprefix("http://testserver")
    # allauth moves the key into the session and redirects to a key-free URL.
    return link, client.get(link)["Location"]


def test_the_reset_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    user = factories.UserFactory(email="ada@example.com")
    request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    _, set_password_url = follow_reset_link(client)
    assert "Choose a new password" in client.get(set_password_url).content.decode()

    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_used_reset_link_no_longer_works(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    link, set_password_url = follow_reset_link(client)
    client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = client.get(link, follow=True)

    assert "This reset link no longer works" in response.content.decode()


EMAIL = {
    "subject": "Reset",
    "body": "text",
    "html_body": "<p>html</p>",
    "from_email": None,
    "to_email": "ada@example.com",
}


def test_account_email_task_retries_a_dropped_connection_then_sends_once():
    real_send = tasks.send_reusing_connection
    calls = []

    def flaky_send(message):
        calls.append(message)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return real_send(message)

    with mock.patch.object(tasks, "send_reusing_connection", flaky_send):
        tasks.send_account_email.apply(kwargs=EMAIL, throw=False)

    assert len(calls) == 2
    assert len(mail.outbox) == 1


def test_account_email_task_does_not_retry_a_permanent_refusal():
    refusal = smtplib.SMTPDataError(550, b"mailbox unavailable")
    with mock.patch.object(tasks, "send_reusing_connection", side_effect=refusal) as send:
        result = tasks.send_account_email.apply(kwargs=EMAIL)
    assert result.successful()
    assert send.call_count == 1
    assert mail.outbox == []


def test_reset_requests_for_one_address_are_limited_per_hour(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "20/h/ip,2/h/key",
    }
    factories.UserFactory(email="ada@example.com")
    for _ in range(2):
        response, _ = request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
        assert response.status_code == 302
    response, callbacks = request_reset(
        client, "ADA@example.com", django_capture_on_commit_callbacks
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert callbacks == []
    assert len(mail.outbox) == 2


def test_reset_requests_from_one_client_are_limited_per_hour(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "2/h/ip,3/h/key",
    }
    for name in ("a", "b"):
        factories.UserFactory(email=f"{name}@example.com")
        request_reset(client, f"{name}@example.com", django_capture_on_commit_callbacks)
    factories.UserFactory(email="c@example.com")
    response, _ = request_reset(client, "c@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]


def test_unknown_addresses_count_too_so_the_limit_reveals_nothing(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "20/h/ip,1/h/key",
    }
    request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    response, _ = request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 429
