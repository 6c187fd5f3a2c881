"""The plan's figures come from one place: change the settings and every page follows.

``PRO_EXTRA_SEAT_PRICE`` and ``INVITATION_LIFETIME`` are read by
``tenants.policies`` at call time; forms, pages, messages and the invitation
email all read them from there. With both changed, the new figures show
everywhere they are stated and the defaults ($8, 7 days) nowhere.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invitations.emails import invitation_email_message
from invitations.models import Invitation
from invitations.services import invitation_create_bulk
from members.models import Role
from members.permissions import ROLE_DESCRIPTIONS
from tenants.actors import Actor
from tests import factories
from tests.factories import invitation_link_token

pytestmark = pytest.mark.django_db

OLD_FIGURES = re.compile(r"7 days|\$8(?![\d])|8\.00")


@pytest.fixture(autouse=True)
def new_figures(settings):
    settings.PRO_EXTRA_SEAT_PRICE = Decimal("12.50")
    settings.INVITATION_LIFETIME = timedelta(days=3)


def text(response) -> str:
    assert response.status_code in (200, 400, 410), response.status_code
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def signed_in_admin(client, **traits):
    tenant = factories.TenantFactory(**traits)
    admin = factories.AdminMembershipFactory(tenant=tenant)
    client.force_login(admin.user)
    return tenant, admin.user


def url(name, tenant, **kwargs):
    return reverse(name, kwargs={"tenant_id": tenant.public_id, **kwargs})


def test_tenant_creation_states_the_new_price(client):
    client.force_login(factories.UserFactory())
    page = text(client.get(reverse("tenants:create")))
    assert "Pro: 3 members included, then $12.50 per additional member per month." in page
    assert not OLD_FIGURES.search(page)


def test_invite_form_states_the_new_lifetime_and_price(client):
    tenant, _ = signed_in_admin(client, pro=True)
    page = text(client.get(url("tenant_invitations:invite", tenant)))
    assert "Links expire after 3 days." in page
    assert "it works once and expires in 3 days." in page
    assert "then $12.50 per additional member per month" in page
    assert str(ROLE_DESCRIPTIONS[Role.ADMIN]).capitalize() in page
    assert not OLD_FIGURES.search(page)


@pytest.mark.parametrize("page_name", ["tenant_invitations:invite", "tenant_settings:billing"])
def test_a_free_tenant_is_told_the_new_pro_terms(client, page_name):
    tenant, _ = signed_in_admin(client, production_free=True)
    page = text(client.get(url(page_name, tenant)))
    assert (
        "Upgrade to Pro to invite your team: 3 members included, then $12.50 "
        "per additional member per month." in page
    )
    assert not OLD_FIGURES.search(page)


def test_cost_confirmation_and_success_message_use_the_new_figures(client):
    tenant, _ = signed_in_admin(client, pro=True)
    factories.MembershipFactory.create_batch(2, tenant=tenant)  # 3 of 3 included seats used
    form = {"emails": "a@example.com b@example.com", "role": Role.COLLABORATOR}

    review = text(client.post(url("tenant_invitations:invite", tenant), form))
    assert "Inviting 2 more members adds $25.00 per month" in review

    sent = client.post(url("tenant_invitations:invite", tenant), form | {"reviewed_cost": "25.00"})
    assert sent.status_code == 302
    page = text(client.get(sent["Location"]))
    assert "invitations expire in 3 days." in page
    assert "Links expire 3 days after they were sent." in page
    assert not OLD_FIGURES.search(page)


def test_billing_states_the_new_price(client):
    tenant, _ = signed_in_admin(client, pro=True)
    factories.MembershipFactory.create_batch(4, tenant=tenant)  # 2 extra members
    page = text(client.get(url("tenant_settings:billing", tenant)))
    assert "Extra members 2 × $12.50 / month" in page
    assert "Monthly total for extra seats $25.00" in page
    assert "Billed monthly: $12.50 for each member" in page
    assert not OLD_FIGURES.search(page)


def test_members_tab_states_the_new_price(client):
    tenant, _ = signed_in_admin(client, pro=True)
    factories.MembershipFactory.create_batch(3, tenant=tenant)
    page = text(client.get(url("members:list", tenant)))
    assert "1 extra at $12.50/month" in page
    assert not OLD_FIGURES.search(page)


def test_new_links_live_for_the_new_lifetime_and_the_review_page_shows_it(client):
    tenant, admin = signed_in_admin(client)
    before = timezone.now()
    (invitation,) = invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["new@example.com"], role=Role.ADMIN
    )
    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)
    assert invitation.expires_at >= before + timedelta(days=3)

    client.logout()
    client.get(reverse("invitations:open", kwargs={"token": invitation_link_token(invitation)}))
    page = text(client.get(reverse("invitations:review")))
    assert invitation.expires_at.strftime("%B %-d, %Y, %H:%M") in page
    assert str(ROLE_DESCRIPTIONS[Role.ADMIN]) in page


def test_the_expired_link_page_states_the_new_lifetime(client):
    invitation = factories.InvitationFactory(expires_at=timezone.now() - timedelta(minutes=1))
    client.get(reverse("invitations:open", kwargs={"token": invitation_link_token(invitation)}))
    page = text(client.get(reverse("invitations:review")))
    assert "Invitation links work for 3 days." in page
    assert not OLD_FIGURES.search(page)


def test_the_invitation_email_states_the_new_lifetime(client):
    tenant, admin = signed_in_admin(client)
    (invitation,) = invitation_create_bulk(
        tenant=tenant, actor=Actor.member(admin), emails=["new@example.com"], role=Role.COLLABORATOR
    )
    message = invitation_email_message(Invitation.objects.get(pk=invitation.pk))
    html = " ".join(re.sub(r"<[^>]+>", " ", message.alternatives[0][0]).split())
    for body in (message.body, html):
        assert "expires in 3 days, on" in body
        assert str(ROLE_DESCRIPTIONS[Role.COLLABORATOR]) in body
        assert not OLD_FIGURES.search(body)
