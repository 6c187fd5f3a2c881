"""Endpoint services: admins only, the SSRF guard at save, an activity entry for each change."""

import socket

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from console.webhooks import services
from console.webhooks.activity import WebhookAction
from console.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tests import factories
from tests.webhooks.test_guard import resolving_to

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/in"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14"))


def entries(tenant, action):
    return list(ActivityEvent.objects.filter(tenant=tenant, action=action))


def test_admin_creates_an_endpoint_with_a_standard_webhooks_secret(tenant, admin):
    endpoint = services.webhook_endpoint_create(
        tenant=tenant,
        actor=Actor.member(admin),
        url=URL,
        events=["member.joined", "invitation.accepted"],
    )

    assert endpoint.secret.startswith("whsec_")
    # The package accepts it and signs with it (24 to 64 bytes of key).
    assert Webhook(endpoint.secret).sign("msg_1", endpoint.created_at, "{}").startswith("v1,")
    assert endpoint.events == ["invitation.accepted", "member.joined"]
    [entry] = entries(tenant, WebhookAction.CREATED)
    assert entry.actor == admin
    assert entry.details == {"url": URL, "events": ["invitation.accepted", "member.joined"]}
    assert endpoint.secret not in str(entry.details)


def test_each_endpoint_gets_its_own_secret(tenant, admin):
    first = services.webhook_endpoint_create(
        tenant=tenant, actor=Actor.member(admin), url=URL, events=["member.joined"]
    )
    second = services.webhook_endpoint_create(
        tenant=tenant, actor=Actor.member(admin), url=URL, events=["member.joined"]
    )
    assert first.secret != second.secret


def test_collaborator_cannot_create_an_endpoint(tenant, collaborator):
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_create(
            tenant=tenant, actor=Actor.member(collaborator), url=URL, events=["member.joined"]
        )
    assert not WebhookEndpoint.objects.exists()
    assert not ActivityEvent.objects.filter(action=WebhookAction.CREATED).exists()


def test_admin_of_another_tenant_cannot_create_an_endpoint_here(tenant, outsider):
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_create(
            tenant=tenant, actor=Actor.member(outsider), url=URL, events=["member.joined"]
        )
    assert not WebhookEndpoint.objects.exists()


def test_a_private_url_is_refused_when_saved(tenant, admin, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("10.0.0.7"))
    with pytest.raises(ValidationError) as refused:
        services.webhook_endpoint_create(
            tenant=tenant,
            actor=Actor.member(admin),
            url="https://internal.example.com/",
            events=["member.joined"],
        )
    assert "private, loopback or link-local" in refused.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()
    assert not ActivityEvent.objects.filter(action=WebhookAction.CREATED).exists()


def test_unknown_or_no_events_are_refused(tenant, admin):
    for events in ([], ["member.exploded"]):
        with pytest.raises(ValidationError) as refused:
            services.webhook_endpoint_create(
                tenant=tenant, actor=Actor.member(admin), url=URL, events=events
            )
        assert "events" in refused.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_a_tenant_has_at_most_ten_endpoints(tenant, admin, make_endpoint):
    for _ in range(services.MAX_ENDPOINTS_PER_TENANT):
        make_endpoint()
    with pytest.raises(ValidationError):
        services.webhook_endpoint_create(
            tenant=tenant, actor=Actor.member(admin), url=URL, events=["member.joined"]
        )
    assert WebhookEndpoint.objects.count() == services.MAX_ENDPOINTS_PER_TENANT


def test_change_records_what_changed(tenant, admin, make_endpoint):
    endpoint = make_endpoint(events=["member.joined"])
    services.webhook_endpoint_change(
        endpoint=endpoint, actor=Actor.member(admin), url=URL + "2", events=["member.removed"]
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (URL + "2", ["member.removed"])
    [entry] = entries(tenant, WebhookAction.CHANGED)
    assert entry.details == {
        "old_url": URL,
        "new_url": URL + "2",
        "old_events": ["member.joined"],
        "new_events": ["member.removed"],
    }


def test_saving_without_a_change_records_nothing(tenant, admin, make_endpoint):
    endpoint = make_endpoint(events=["member.joined"])
    services.webhook_endpoint_change(
        endpoint=endpoint, actor=Actor.member(admin), url=URL, events=["member.joined"]
    )
    assert entries(tenant, WebhookAction.CHANGED) == []


def test_collaborator_cannot_change_delete_rotate_enable_or_test(
    tenant, collaborator, make_endpoint
):
    endpoint = make_endpoint(enabled=False)
    before = WebhookEndpoint.objects.values().get()
    for call in (
        lambda: services.webhook_endpoint_change(
            endpoint=endpoint,
            actor=Actor.member(collaborator),
            url=URL + "x",
            events=["member.left"],
        ),
        lambda: services.webhook_endpoint_delete(
            endpoint=endpoint, actor=Actor.member(collaborator)
        ),
        lambda: services.webhook_endpoint_rotate_secret(
            endpoint=endpoint, actor=Actor.member(collaborator)
        ),
        lambda: services.webhook_endpoint_enable(
            endpoint=endpoint, actor=Actor.member(collaborator)
        ),
        lambda: services.webhook_send_test(endpoint=endpoint, actor=Actor.member(collaborator)),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert WebhookEndpoint.objects.values().get() == before
    assert not WebhookDelivery.objects.exists()
    assert not ActivityEvent.objects.filter(action__startswith="webhook.").exists()


def test_delete_removes_the_endpoint_and_records_it(tenant, admin, make_endpoint):
    endpoint = make_endpoint()
    services.webhook_endpoint_delete(endpoint=endpoint, actor=Actor.member(admin))
    assert not WebhookEndpoint.objects.exists()
    [entry] = entries(tenant, WebhookAction.DELETED)
    assert entry.details == {"url": URL}


def test_rotate_gives_a_new_secret_and_records_it_without_the_secret(tenant, admin, make_endpoint):
    endpoint = make_endpoint()
    old = endpoint.secret
    new = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=Actor.member(admin))
    endpoint.refresh_from_db()
    assert new == endpoint.secret != old
    assert new.startswith("whsec_")
    [entry] = entries(tenant, WebhookAction.CHANGED)
    assert entry.details == {"url": URL, "secret": "rotated"}


def test_reenable_resets_the_failure_count_and_records_it(tenant, admin, make_endpoint):
    endpoint = make_endpoint(enabled=False, consecutive_failures=50)
    services.webhook_endpoint_enable(endpoint=endpoint, actor=Actor.member(admin))
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_at, endpoint.consecutive_failures) == (
        True,
        None,
        0,
    )
    [entry] = entries(tenant, WebhookAction.CHANGED)
    assert entry.details == {"url": URL, "enabled": True}


def test_reenable_checks_the_url_again(tenant, admin, make_endpoint, monkeypatch):
    endpoint = make_endpoint(enabled=False, consecutive_failures=50)
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("192.168.0.1"))
    with pytest.raises(ValidationError):
        services.webhook_endpoint_enable(endpoint=endpoint, actor=Actor.member(admin))
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert entries(tenant, WebhookAction.CHANGED) == []


def test_send_test_queues_a_test_delivery(
    tenant, admin, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint()
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = services.webhook_send_test(endpoint=endpoint, actor=Actor.member(admin))
    assert delivery.event_type == "webhook.test"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.payload["data"] == {"tenant": tenant.public_id, "sent_by": admin.email}
    assert len(callbacks) == 1


def test_send_test_is_refused_for_a_disabled_endpoint(tenant, admin, make_endpoint):
    endpoint = make_endpoint(enabled=False)
    with pytest.raises(ValidationError):
        services.webhook_send_test(endpoint=endpoint, actor=Actor.member(admin))
    assert not WebhookDelivery.objects.exists()


def test_other_tenants_admin_cannot_act_on_this_tenants_endpoint(make_endpoint):
    endpoint = make_endpoint()
    stranger = factories.AdminMembershipFactory().user
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_delete(endpoint=endpoint, actor=Actor.member(stranger))
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def _sql_after_savepoints(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize(
    "call",
    [
        lambda endpoint, actor: services.webhook_endpoint_change(
            endpoint=endpoint, actor=actor, url=URL + "2", events=["member.left"]
        ),
        lambda endpoint, actor: services.webhook_endpoint_delete(endpoint=endpoint, actor=actor),
        lambda endpoint, actor: services.webhook_endpoint_rotate_secret(
            endpoint=endpoint, actor=actor
        ),
        lambda endpoint, actor: services.webhook_endpoint_enable(endpoint=endpoint, actor=actor),
        lambda endpoint, actor: services.webhook_send_test(endpoint=endpoint, actor=actor),
    ],
    ids=["change", "delete", "rotate", "enable", "test"],
)
def test_the_admin_is_checked_under_the_tenant_lock(tenant, admin, make_endpoint, call):
    endpoint = make_endpoint(enabled=True)

    with CaptureQueriesContext(connection) as queries:
        call(endpoint, Actor.member(admin))

    # given the tenant locked first, the role read next, then the endpoint locked
    sql = _sql_after_savepoints(queries)
    assert sql[0].startswith('SELECT "tenants_tenant"') and "FOR UPDATE" in sql[0]
    assert "members_membership" in sql[1]
    assert "webhooks_webhookendpoint" in sql[2] and "FOR UPDATE" in sql[2]


def test_creating_checks_the_admin_under_the_tenant_lock(tenant, admin):
    with CaptureQueriesContext(connection) as queries:
        services.webhook_endpoint_create(
            tenant=tenant, actor=Actor.member(admin), url=URL, events=["member.joined"]
        )

    sql = _sql_after_savepoints(queries)
    assert sql[0].startswith('SELECT "tenants_tenant"') and "FOR UPDATE" in sql[0]
    assert "members_membership" in sql[1]


def test_an_admin_demoted_before_the_lock_is_refused(tenant, admin_membership, make_endpoint):
    endpoint = make_endpoint()
    actor = Actor.member(admin_membership.user)
    admin_membership.role = "collaborator"
    admin_membership.save(update_fields=["role"])

    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_delete(endpoint=endpoint, actor=actor)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
