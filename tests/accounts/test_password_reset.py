import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from console.accounts import tasks
from tests import factories

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
RESET_LINK = re.compile(r"http://testserver/accounts/reset/[^/\s]+/[^/\s]+/")


def request_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(RESET, {"email": email})
    return response, callbacks


def test_reset_email_is_enqueued_only_after_commit(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(RESET, {"email": "ada@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
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


def test_reset_task_receives_strings_not_the_user(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    with mock.patch.object(tasks.send_password_reset_email, "delay") as enqueue:
        with django_capture_on_commit_callbacks() as callbacks:
            client.post(RESET, {"email": "ada@example.com"})
        enqueue.assert_not_called()  # enqueued once the request's transaction commits
        for callback in callbacks:
            callback()
    enqueue.assert_called_once()
    kwargs = enqueue.call_args.kwargs
    assert set(kwargs) == {"subject", "body", "html_body", "from_email", "to_email"}
    assert all(isinstance(value, str) for key, value in kwargs.items() if key != "from_email")
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
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert callbacks == []
    assert mail.outbox == []


def test_the_reset_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    user = factories.UserFactory(email="ada@example.com")
    request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    link = RESET_LINK.search(mail.outbox[0].body).group(0).removeprefix("http://testserver")

    # Django moves the token into the session and redirects to a token-free URL.
    set_password_url = client.get(link)["Location"]
    response = client.post(
        set_password_url,
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )

    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_a_used_reset_link_no_longer_works(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ada@example.com")
    request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    link = RESET_LINK.search(mail.outbox[0].body).group(0).removeprefix("http://testserver")
    set_password_url = client.get(link)["Location"]
    client.post(
        set_password_url,
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )

    response = client.get(link, follow=True)

    assert "This reset link no longer works" in response.content.decode()


EMAIL = {
    "subject": "Reset",
    "body": "text",
    "html_body": "<p>html</p>",
    "from_email": None,
    "to_email": "ada@example.com",
}


def test_reset_task_retries_a_dropped_connection_then_sends_once():
    real_send = tasks.EmailMultiAlternatives.send
    calls = []

    def flaky_send(message, *args, **kwargs):
        calls.append(message)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return real_send(message, *args, **kwargs)

    with mock.patch.object(tasks.EmailMultiAlternatives, "send", flaky_send):
        tasks.send_password_reset_email.apply(kwargs=EMAIL, throw=False)

    assert len(calls) == 2
    assert len(mail.outbox) == 1


def test_reset_task_does_not_retry_a_permanent_refusal():
    refusal = smtplib.SMTPDataError(550, b"mailbox unavailable")
    with mock.patch.object(tasks.EmailMultiAlternatives, "send", side_effect=refusal) as send:
        result = tasks.send_password_reset_email.apply(kwargs=EMAIL)
    assert result.successful()
    assert send.call_count == 1
    assert mail.outbox == []


def test_reset_requests_for_one_address_are_limited_per_hour(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 2
    factories.UserFactory(email="ada@example.com")
    for _ in range(2):
        response, _ = request_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
        assert response.status_code == 302
    response, callbacks = request_reset(
        client, "ADA@example.com", django_capture_on_commit_callbacks
    )
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert callbacks == []
    assert len(mail.outbox) == 2


def test_reset_requests_from_one_client_are_limited_per_hour(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESETS_PER_IP_PER_HOUR = 2
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
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 1
    request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    response, _ = request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 429
