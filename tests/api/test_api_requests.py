"""``/api/v1/requests``: list, approve (``role`` for a join), decline; keys' scope and tenant."""

import pytest

from invitations import access_requests
from invitations.models import AccessRequest, RequestStatus
from members.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    tenant = factories.TenantFactory(name="Acme", member_limit_override=10)
    factories.DomainFactory(tenant=tenant, name="acme.test", verified=True)
    return tenant


@pytest.fixture
def admin_membership(acme):
    return factories.AdminMembershipFactory(tenant=acme)


@pytest.fixture
def join_request(acme, admin_membership):
    person = factories.UserFactory(email="ana@acme.test")
    return access_requests.join_request_create(tenant=acme, user=person)


@pytest.fixture
def rw(api_as, make_key, admin_membership):
    return api_as(make_key(admin_membership)[1])


def test_list_shows_open_requests(rw, join_request):
    response = rw.get("/requests")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == join_request.pk and item["kind"] == "join"
    assert item["requester_email"] == "ana@acme.test" and item["status"] == "open"


def test_approve_a_join_request_with_a_role(rw, join_request):
    response = rw.post(f"/requests/{join_request.pk}/approve", {"role": "admin"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    membership = Membership.objects.get(tenant=join_request.tenant, user=join_request.requester)
    assert membership.role == Role.ADMIN


def test_decline(rw, join_request):
    response = rw.post(f"/requests/{join_request.pk}/decline")
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_approve_when_full_is_409_naming_the_limit_and_nothing_changes(rw, acme, join_request):
    acme.__class__.objects.filter(pk=acme.pk).update(member_limit_override=1)
    response = rw.post(f"/requests/{join_request.pk}/approve", {"role": "collaborator"})
    assert response.status_code == 409
    assert "limited to 1 member" in response.json()["detail"]
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.OPEN
    assert not Membership.objects.filter(user=join_request.requester).exists()


def test_a_read_key_cannot_approve_403(api_as, make_key, admin_membership, join_request):
    read = api_as(make_key(admin_membership, scope="read")[1])
    assert read.get("/requests").status_code == 200
    assert read.post(f"/requests/{join_request.pk}/approve").status_code == 403
    assert read.post(f"/requests/{join_request.pk}/decline").status_code == 403
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.OPEN


def test_another_tenants_key_gets_404(api_as, make_key, join_request):
    other = api_as(make_key(factories.AdminMembershipFactory())[1])
    assert other.post(f"/requests/{join_request.pk}/approve").status_code == 404
    assert other.post(f"/requests/{join_request.pk}/decline").status_code == 404
    assert other.get("/requests").json()["items"] == []
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.OPEN


def test_a_decided_request_is_409(rw, join_request):
    rw.post(f"/requests/{join_request.pk}/decline")
    assert rw.post(f"/requests/{join_request.pk}/approve").status_code == 409
    assert AccessRequest.objects.get().status == RequestStatus.DECLINED
