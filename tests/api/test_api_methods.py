"""Methods an API URL does not handle: 405 with ``Allow`` as problem details, nothing changed."""

import pytest

from members.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("post", "/members", {"GET"}),
        ("put", "/members/{member}", {"PATCH", "DELETE"}),
        ("get", "/members/{member}", {"PATCH", "DELETE"}),
        ("put", "/invitations", {"GET", "POST"}),
        ("get", "/invitations/{invitation}/resend", {"POST"}),
        ("delete", "/invitations/{invitation}/revoke", {"POST"}),
        ("patch", "/invitations/{invitation}", {"DELETE"}),
        ("post", "/activity", {"GET"}),
        ("post", "/openapi.json", {"GET", "HEAD"}),
        ("delete", "/docs", {"GET", "HEAD"}),
    ],
)
def test_unhandled_methods_are_405_and_change_nothing(
    api_as, make_key, admin_membership, method, path, allowed
):
    member = factories.MembershipFactory(tenant=admin_membership.tenant)
    invitation = factories.InvitationFactory(tenant=admin_membership.tenant)
    api = api_as(make_key(admin_membership)[1])
    before = sorted(Membership.objects.values_list("pk", "role"))
    url = path.format(member=member.pk, invitation=invitation.pk)
    response = api.get(url) if method == "get" else api.send(method, url, {})
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == allowed
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 405
    assert body["type"] == "urn:tenant-console:problem:method-not-allowed"
    assert method.upper() in body["detail"]
    assert sorted(Membership.objects.values_list("pk", "role")) == before
    assert invitation.__class__.objects.get(pk=invitation.pk).status == invitation.status


def test_a_405_without_a_key_is_problem_details_too(client):
    # The method is refused before the key is looked at, the same for everyone.
    response = client.put("/api/v1/members")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET"


def test_the_api_root_is_404(client):
    assert client.get("/api/v1/").status_code == 404
    assert client.post("/api/v1/").status_code == 404
