"""The Django admin's activity log: read-only for every operator, with filters and search."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.urls import reverse

from invitations.activity import InvitationAction
from members.activity import MemberAction
from tenants.activity import activity_record
from tenants.models import ActivityEvent, ActorKind, TenantAction
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tenants_activityevent_changelist")


@pytest.fixture
def operator_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def events():
    tenant = factories.TenantFactory(name="Findable")
    with transaction.atomic():
        return [
            activity_record(
                tenant=tenant,
                action=MemberAction.ROLE_CHANGED,
                actor=factories.UserFactory(email="actor@example.com"),
                target_email="bob@example.com",
                details={"old_role": "admin", "new_role": "collaborator"},
                ip="203.0.113.8",
            ),
            activity_record(
                tenant=factories.TenantFactory(name="Elsewhere"),
                action=InvitationAction.EXPIRED,
                target_email="carol@example.com",
            ),
        ]


def test_lists_searches_and_filters(operator_client, events):
    page = operator_client.get(CHANGELIST).content.decode()
    assert "bob@example.com" in page and "carol@example.com" in page
    assert "Admin → Collaborator" in page
    page = operator_client.get(CHANGELIST, {"q": "Findable"}).content.decode()
    assert "bob@example.com" in page and "carol@example.com" not in page
    page = operator_client.get(CHANGELIST, {"q": "203.0.113.8"}).content.decode()
    assert "bob@example.com" in page and "carol@example.com" not in page
    page = operator_client.get(CHANGELIST, {"actor_kind__exact": ActorKind.SYSTEM}).content.decode()
    assert "carol@example.com" in page and "bob@example.com" not in page
    page = operator_client.get(
        CHANGELIST, {"action__exact": MemberAction.ROLE_CHANGED}
    ).content.decode()
    assert "bob@example.com" in page and "carol@example.com" not in page


def test_changelist_queries_do_not_grow_with_rows(
    operator_client, events, django_assert_max_num_queries
):
    tenant = factories.TenantFactory()
    with transaction.atomic():
        for i in range(30):
            activity_record(tenant=tenant, action=MemberAction.LEFT, target_email=f"{i}@x.io")
    with django_assert_max_num_queries(8):
        assert operator_client.get(CHANGELIST).status_code == 200


def test_superusers_cannot_add_change_or_delete(operator_client, events):
    event = events[0]
    assert operator_client.get(reverse("admin:tenants_activityevent_add")).status_code == 403
    change = reverse("admin:tenants_activityevent_change", args=[event.pk])
    page = operator_client.get(change)
    assert page.status_code == 200  # view only
    assert 'name="_save"' not in page.content.decode()
    operator_client.post(change, {"target_email": "forged@example.com", "action": "member.left"})
    delete = reverse("admin:tenants_activityevent_delete", args=[event.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    operator_client.post(
        CHANGELIST, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [e.pk for e in events]}
    )
    assert ActivityEvent.objects.count() == 2
    event.refresh_from_db()
    assert (event.target_email, event.action) == ("bob@example.com", MemberAction.ROLE_CHANGED)


def test_operator_actor_is_named_in_the_admin(operator_client):
    tenant = factories.TenantFactory()
    with transaction.atomic():
        activity_record(
            tenant=tenant,
            action=TenantAction.MEMBER_LIMIT_CHANGED,
            actor=factories.UserFactory(email="ops@example.com"),
            actor_kind=ActorKind.OPERATOR,
        )
    assert "Operator (ops@example.com)" in operator_client.get(CHANGELIST).content.decode()
