"""While Redis (broker and cache) is down the console keeps serving (SPEC, Jobs).

Sessions live in the database, rate limits fail open with a logged warning,
and sends wait in the outbox for the sweep. Redis is "down" here because the
URLs point at a port nobody listens on; the delivery once it is back is
proven with a real worker in test_email_delivery.py.
"""

import logging

import pytest
from django.urls import reverse

from invitations.models import EmailStatus, Invitation
from members.models import Role
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.reliability.faults import celery_broker
from tests.smtp import free_port

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        **settings.CACHES,  # the page cache stays
        "default": {
            "BACKEND": "console.cache.FailOpenRedisCache",  # as in production
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    with celery_broker(url):
        yield url


def test_admin_logs_in_browses_invites_and_resends_while_redis_is_down(
    client, redis_down, django_capture_on_commit_callbacks, caplog
):
    tenant = factories.TenantFactory(pro=True, member_limit_override=10)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    with caplog.at_level(logging.WARNING):
        # log in (allauth's limits fail open; the session is stored in the database)
        response = client.post(
            reverse("accounts:login"), {"login": admin.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert (
            client.get(reverse("members:list", kwargs={"tenant_id": tenant.public_id})).status_code
            == 200
        )

        # invite: saved, success shown, the send left for the sweep
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id}),
                {"emails": "ana@example.com", "role": Role.COLLABORATOR},
                follow=True,
            )
        assert response.status_code == 200
        assert "1 invitation sent as Collaborator" in response.content.decode()
        invitation = Invitation.objects.get(tenant=tenant)
        assert invitation.email_status == EmailStatus.QUEUED

        # resend: the hourly limit fails open too
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse(
                    "tenant_invitations:resend",
                    kwargs={"tenant_id": tenant.public_id, "pk": invitation.pk},
                )
            )
        assert response.status_code == 302

    assert "failing open" in caplog.text
    assert "left for the outbox sweep" in caplog.text
