import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def allow_private(settings):
    """The loopback receiver is a private http URL: allowed only with this setting."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture
def make_endpoint(tenant):
    """An endpoint saved directly (the services are tested on their own)."""
    from console.webhooks.models import WebhookEndpoint

    def make(*, url="https://hooks.example.com/in", events=("member.joined",), **fields):
        return WebhookEndpoint.objects.create(
            tenant=fields.pop("tenant", tenant), url=url, events=list(events), **fields
        )

    return make


def record(tenant, action, **kwargs):
    """One activity entry in its own transaction, as a service would write it."""
    from django.db import transaction

    from tenants.activity import activity_record

    with transaction.atomic():
        return activity_record(tenant=tenant, action=action, **kwargs)
