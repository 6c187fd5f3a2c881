"""The invite form: every refusal creates nothing and sends nothing."""

import pytest
from django.urls import reverse

from invitations.models import Invitation, InvitationStatus
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.invitations.conftest import invite_url, list_url

pytestmark = pytest.mark.django_db


def post_invite(client, tenant, on_commit, emails, role="collaborator", **extra):
    with on_commit():
        return client.post(invite_url(tenant), {"emails": emails, "role": role, **extra})


def assert_nothing_created_or_sent(mailoutbox, existing: int = 0):
    assert Invitation.objects.count() == existing
    assert mailoutbox == []


def test_admin_sees_the_invite_form(admin_client, tenant):
    page = admin_client.get(invite_url(tenant)).content.decode()
    assert "Email addresses" in page
    assert "Send invitations" in page
    assert 'value="admin"' in page and 'value="collaborator"' in page


def test_collaborator_cannot_invite(collaborator_client, tenant, on_commit, mailoutbox):
    assert collaborator_client.get(invite_url(tenant)).status_code == 403
    response = post_invite(collaborator_client, tenant, on_commit, "ana@example.com")
    assert response.status_code == 403
    assert_nothing_created_or_sent(mailoutbox)


def test_outsider_gets_404(client, tenant, outsider):
    client.force_login(outsider)
    assert client.get(invite_url(tenant)).status_code == 404


def test_anonymous_is_sent_to_login(client, tenant):
    response = client.get(invite_url(tenant))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_invite_sends_and_opens_the_invitations_tab(admin_client, tenant, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, "ana@example.com,\nli@example.com")
    assert response.status_code == 302
    batch_id = Invitation.objects.values_list("batch_id", flat=True).first()
    assert response["Location"] == f"{list_url(tenant)}?batch={batch_id}"
    assert sorted(Invitation.objects.values_list("email", "status")) == [
        ("ana@example.com", InvitationStatus.PENDING),
        ("li@example.com", InvitationStatus.PENDING),
    ]
    assert len(mailoutbox) == 2
    page = admin_client.get(response["Location"]).content.decode()
    assert "2 invitations sent" in page
    assert page.count("Pending") >= 2


def test_addresses_may_be_separated_by_commas_spaces_or_new_lines(admin_client, tenant, on_commit):
    tenant.member_limit_override = 10
    tenant.save()
    post_invite(
        admin_client,
        tenant,
        on_commit,
        "a@example.com, b@example.com c@example.com\nd@example.com\r\ne@example.com",
    )
    assert Invitation.objects.count() == 5


def test_not_an_email_is_shown_naming_the_address(admin_client, tenant, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, "ana@example.com bob@@example")
    assert response.status_code == 400
    assert "“bob@@example” is not an email address." in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_already_a_member_is_shown(admin_client, tenant, collaborator, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, collaborator.email)
    assert response.status_code == 400
    assert f"{collaborator.email} is already a member." in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_already_pending_is_shown(admin_client, tenant, invitation, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, "Invitee@Example.com")
    assert response.status_code == 400
    assert "invitee@example.com already has a pending invitation." in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox, existing=1)


def test_member_limit_is_shown_naming_the_limit(admin_client, tenant, on_commit, mailoutbox):
    response = post_invite(
        admin_client, tenant, on_commit, "a@example.com b@example.com c@example.com"
    )
    assert response.status_code == 400
    assert "This Development tenant is limited to 3 members" in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_empty_submission_is_refused(admin_client, tenant, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, " , \n ")
    assert response.status_code == 400
    assert "Enter at least one email address." in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_more_than_1000_addresses_get_a_clear_error(db, client, on_commit, mailoutbox):
    tenant = factories.TenantFactory(pro=True)
    client.force_login(factories.AdminMembershipFactory(tenant=tenant).user)
    emails = " ".join(f"u{i}@example.com" for i in range(1001))
    response = post_invite(client, tenant, on_commit, emails)
    assert response.status_code == 400
    assert "at most 1,000 addresses at a time; this list has 1,001" in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_oversized_request_gets_a_clear_413_and_nothing_is_created(
    admin_client, tenant, on_commit, mailoutbox, settings
):
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_invite(admin_client, tenant, on_commit, body)
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_admin_role_needs_confirmation(admin_client, tenant, on_commit, mailoutbox):
    response = post_invite(admin_client, tenant, on_commit, "ana@example.com", role="admin")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Confirm that the people you invite should be admins, or choose Collaborator." in page
    assert "billing" in page and "delete the tenant" in page
    assert_nothing_created_or_sent(mailoutbox)


def test_admin_confirmation_and_address_errors_are_shown_together(
    admin_client, tenant, collaborator, on_commit, mailoutbox
):
    response = post_invite(
        admin_client, tenant, on_commit, f"{collaborator.email} nope", role="admin"
    )
    page = response.content.decode()
    assert "Confirm that the people you invite should be admins" in page
    assert f"{collaborator.email} is already a member." in page
    assert "“nope” is not an email address." in page
    assert_nothing_created_or_sent(mailoutbox)


def test_confirmed_admin_invitation_is_sent(admin_client, tenant, on_commit, mailoutbox):
    post_invite(
        admin_client, tenant, on_commit, "ana@example.com", role="admin", confirm_admin="on"
    )
    assert Invitation.objects.get().role == "admin"
    assert len(mailoutbox) == 1


def test_production_free_explains_pro_is_needed_and_disables_sending(
    db, client, on_commit, mailoutbox
):
    tenant = factories.TenantFactory(production_free=True)
    client.force_login(factories.AdminMembershipFactory(tenant=tenant).user)
    page = client.get(invite_url(tenant)).content.decode()
    assert "Inviting members needs the Pro plan." in page
    assert 'disabled aria-disabled="true">Send invitations' in page
    response = post_invite(client, tenant, on_commit, "ana@example.com")
    assert response.status_code == 400
    assert "Inviting members needs the Pro plan." in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_pro_shows_the_added_monthly_cost_before_sending(
    pro_tenant, pro_admin, client, on_commit, mailoutbox
):
    client.force_login(pro_admin)
    emails = (
        "a@example.com b@example.com c@example.com d@example.com"  # 1 member + 4 = 2 extra seats
    )
    response = post_invite(client, pro_tenant, on_commit, emails)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Inviting 4 more members adds $16.00 per month" in page
    assert "Confirm and send" in page
    assert_nothing_created_or_sent(mailoutbox)

    response = post_invite(client, pro_tenant, on_commit, emails, reviewed_cost="16.00")
    assert response.status_code == 302
    assert Invitation.objects.count() == 4
    assert len(mailoutbox) == 4


def test_pro_review_is_shown_again_when_the_list_changes(
    pro_tenant, pro_admin, client, on_commit, mailoutbox
):
    client.force_login(pro_admin)
    emails = "a@example.com b@example.com c@example.com d@example.com e@example.com"
    response = post_invite(client, pro_tenant, on_commit, emails, reviewed_cost="16.00")
    assert "Inviting 5 more members adds $24.00 per month" in response.content.decode()
    assert_nothing_created_or_sent(mailoutbox)


def test_pro_within_included_seats_sends_without_a_review(
    pro_tenant, pro_admin, client, on_commit, mailoutbox
):
    client.force_login(pro_admin)
    response = post_invite(client, pro_tenant, on_commit, "a@example.com b@example.com")
    assert response.status_code == 302
    assert len(mailoutbox) == 2


def test_preview_shows_the_cost_as_the_admin_types(pro_tenant, pro_admin, client):
    client.force_login(pro_admin)
    url = reverse("tenant_invitations:invite_preview", kwargs={"tenant_id": pro_tenant.public_id})
    response = client.post(url, {"emails": "a@example.com b@example.com c@example.com"})
    assert response.status_code == 200
    assert "Inviting 3 more members adds $8.00 per month" in response.content.decode()
    assert not Invitation.objects.exists()


def test_preview_is_for_admins_only(collaborator_client, tenant):
    url = reverse("tenant_invitations:invite_preview", kwargs={"tenant_id": tenant.public_id})
    assert collaborator_client.post(url, {"emails": "a@example.com"}).status_code == 403


def test_invite_page_labels_every_field(admin_client, tenant):
    page = admin_client.get(invite_url(tenant)).content.decode()
    assert '<label for="id_emails"' in page
    assert '<label class="form-check-label" for="id_confirm_admin">' in page
    assert "<legend" in page and "Role</legend>" in page


def test_login_then_invite_flow_uses_the_real_password(
    db, client, tenant, admin, on_commit, mailoutbox
):
    assert client.login(email=admin.email, password=TEST_PASSWORD)
    post_invite(client, tenant, on_commit, "ana@example.com")
    assert len(mailoutbox) == 1


def test_oversized_request_refused_by_csrf_parsing_gets_a_clear_page(
    tenant, admin, settings, mailoutbox
):
    # In production the CSRF middleware parses the body before any view runs.
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    client.get(invite_url(tenant))
    token = client.cookies["csrftoken"].value
    response = client.post(
        invite_url(tenant),
        {"csrfmiddlewaretoken": token, "emails": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "too large" in page and "at most 1,000 addresses" in page
    assert_nothing_created_or_sent(mailoutbox)


def test_the_400_page_states_the_address_limit_from_the_validator(
    tenant, admin, settings, monkeypatch
):
    """The page Django shows when the CSRF middleware refuses a large body reads
    the limit from ``invitations.validators``, not a copy of it."""
    from django.test import Client

    from invitations import validators

    monkeypatch.setattr(validators, "MAX_ADDRESSES_PER_SUBMISSION", 2500)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    client.get(invite_url(tenant))
    response = client.post(
        invite_url(tenant),
        {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "emails": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        },
    )
    assert response.status_code == 400
    assert "Send at most 2,500 addresses at a time" in response.content.decode()
