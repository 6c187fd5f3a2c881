"""The password-reset email really goes through Redis, a Celery worker and SMTP."""

import re

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_reset_email_is_delivered_by_a_real_worker(client, celery_worker, smtp_sink):
    factories.UserFactory(email="ada@example.com")

    response = client.post(reverse("account_reset_password"), {"email": "Ada@Example.com"})

    assert response.status_code == 302
    [message] = smtp_sink.wait_for(1, timeout=30)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Reset your Tenant Console password"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.search(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)", text).group(1)
    assert link in html
    # The emailed link opens the set-password form.
    set_password = client.get(link)
    assert set_password.status_code == 302
    assert "Choose a new password" in client.get(set_password["Location"]).content.decode()
