"""Methods an API URL does not handle: 405 with ``Allow``, nothing changed."""

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
    assert sorted(Membership.objects.values_list("pk", "role")) == before
    assert invitation.__class__.objects.get(pk=invitation.pk).status == invitation.status


def test_the_api_root_is_404(client):
    assert client.get("/api/v1/").status_code == 404
    assert client.post("/api/v1/").status_code == 404
