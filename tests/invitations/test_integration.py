"""End to end on the real services: the invite view, a real Celery worker on Redis,
an aiosmtpd sink, and three new users accepting the links from their emails."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from invitations.models import EmailStatus, Invitation, InvitationStatus
from members.models import Membership, Role
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.invitations.conftest import invite_url, list_url

LINK = re.compile(r"https?://[^\s\"<>]+/invitations/[A-Za-z0-9_\-]+/")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_three_invitations_are_emailed_by_the_worker_and_accepted(
    postgres, celery_worker, smtp_sink
):
    # given an admin of a tenant with room for three more members
    tenant = factories.TenantFactory(member_limit_override=4)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    admin_client = Client()
    admin_client.force_login(admin)
    invitees = ["ana@example.com", "li@example.com", "sam@example.com"]

    # when the admin invites them through the form
    response = admin_client.post(
        invite_url(tenant),
        {"emails": "Ana@Example.com, li@example.com\nsam@example.com", "role": Role.COLLABORATOR},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(list_url(tenant) + "?batch=")

    # then the worker delivers one email each, after the commit
    messages = smtp_sink.wait_for(3, timeout=60)
    assert sorted(m["To"] for m in messages) == invitees
    links = {}
    for message in messages:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        [link] = set(LINK.findall(text))
        assert link in html
        links[message["To"]] = urlsplit(link).path
    assert Invitation.objects.filter(tenant=tenant, email_status=EmailStatus.SENT).count() == 3

    # and each invitee signs up from the link and accepts
    for email, path in links.items():
        client = Client()
        review = client.get(path, follow=True)
        assert review.status_code == 200
        assert "Sign up" in review.content.decode()
        signup = client.post(
            reverse("accounts:signup") + "?next=/invitations/review/",
            {
                "name": email.split("@")[0].title(),
                "password1": TEST_PASSWORD,
                "password2": TEST_PASSWORD,
            },
        )
        assert signup.status_code == 302, signup.content.decode()[:2000]
        page = client.get(reverse("invitations:review")).content.decode()
        assert "Accept invitation" in page
        accepted = client.post(reverse("invitations:review"))
        assert accepted["Location"] == reverse(
            "onboarding:get_started", kwargs={"tenant_id": tenant.public_id}
        )

    assert (
        sorted(
            Membership.objects.filter(tenant=tenant, role=Role.COLLABORATOR).values_list(
                "user__email", flat=True
            )
        )
        == invitees
    )
    assert Invitation.objects.filter(tenant=tenant, status=InvitationStatus.ACCEPTED).count() == 3
    # signing up from an invitation creates no tenant of the invitee's own
    assert not Membership.objects.filter(user__email__in=invitees).exclude(tenant=tenant).exists()
    assert len(smtp_sink.messages) == 3
