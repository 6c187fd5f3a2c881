"""Verified domains, join by domain and requests in real Chromium (issue 21).

DNS answers come from a real DNS server on 127.0.0.1 (``dns_server``); emails
go over SMTP to the sink.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invitations.models import AccessRequest
from members.models import Membership, Role
from tenants.models import Enrollment
from tests import factories
from tests.e2e.conftest import (
    accept_confirmations,
    assert_accessible,
    log_in,
    message_to,
    screenshot,
)

PASSWORD = "a-long-and-unusual-passphrase"
CODE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\r?$", re.M)


def domains_url(tenant) -> str:
    return reverse("tenant_domains:list", kwargs={"tenant_id": tenant.public_id})


def members_url(tenant) -> str:
    return reverse("members:list", kwargs={"tenant_id": tenant.public_id})


@pytest.fixture
def acme(db):
    """Acme (room for ten), its admin Ada at acme.test, and acme.test verified."""
    admin = factories.AdminMembershipFactory(
        user__email="ada@acme.test",
        user__name="Ada Admin",
        tenant__name="Acme",
        tenant__member_limit_override=10,
    )
    factories.DomainFactory(tenant=admin.tenant, name="acme.test", verified=True)
    return admin.tenant


def test_an_admin_verifies_one_domain_by_address_and_another_by_dns(page, dns_server):
    tenant = factories.AdminMembershipFactory(
        user__email="ada@acme.test", user__name="Ada Admin", tenant__name="Acme"
    ).tenant
    log_in(page, "ada@acme.test")
    page.goto(domains_url(tenant))

    # Her own confirmed address is at acme.test: verified at once.
    page.get_by_role("textbox", name="Domain").fill("Acme.test")
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_text("acme.test added and verified")).to_be_visible()
    acme = page.get_by_role("article").filter(has_text="acme.test")
    expect(acme.get_by_text("Verified", exact=True)).to_be_visible()

    # Not her address: the TXT record to publish, then Verify.
    page.get_by_role("textbox", name="Domain").fill("acme-labs.test")
    page.get_by_role("button", name="Add domain").click()
    labs = page.get_by_role("article").filter(has_text="acme-labs.test")
    expect(labs.get_by_text("Unverified")).to_be_visible()
    name = labs.get_by_test_id("txt-name").inner_text()
    value = labs.get_by_test_id("txt-value").inner_text()
    assert name == "_tenant-console.acme-labs.test"
    labs.get_by_role("button", name="Verify").click()
    expect(
        page.get_by_text("No TXT record was found at _tenant-console.acme-labs.test")
    ).to_be_visible()
    dns_server.records[name] = [value]
    labs.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("acme-labs.test is verified.")).to_be_visible()

    # Enrollment on a verified domain.
    acme.get_by_role("combobox", name="Enrollment").select_option(label="Join automatically")
    acme.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enrollment for acme.test: Join automatically.")).to_be_visible()

    # A free mail provider is refused beside the field.
    page.get_by_role("textbox", name="Domain").fill("gmail.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_text("gmail.com is a free or public mail provider")).to_be_visible()
    assert_accessible(page)


def test_a_new_person_at_the_domain_signs_up_confirms_and_is_a_member(page, mail, acme):
    acme.domains.update(enrollment=Enrollment.AUTOMATIC)
    page.goto("/accounts/signup/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Bo Brown")
    page.get_by_role("textbox", name="Email", exact=True).fill("bo@acme.test")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    [message] = mail.wait_for(1)
    code = CODE.search(message.get_body(preferencelist=("plain",)).get_content()).group(1)
    # Not a member before the address is confirmed.
    assert not Membership.objects.filter(tenant=acme, user__email="bo@acme.test").exists()
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/get-started/$"))

    membership = Membership.objects.get(tenant=acme, user__email="bo@acme.test")
    assert membership.role == Role.COLLABORATOR
    page.goto(members_url(acme))
    expect(page.locator("#member-table")).to_contain_text("bo@acme.test")


def test_a_person_asks_to_join_and_is_approved_as_admin(new_page, mail, acme):
    factories.UserFactory(email="li@acme.test", name="Li Lee")
    person = new_page()
    log_in(person, "li@acme.test")
    person.goto("/")
    offers = person.get_by_role("region", name="Tenants of your domain")
    offers.get_by_role("button", name="Request to join").click()
    expect(
        person.get_by_text("Request sent. The admins of “Acme” will decide on it")
    ).to_be_visible()
    message_to(mail.wait_for(1), "ada@acme.test")  # the admin hears of it

    admin = new_page()
    log_in(admin, "ada@acme.test")
    admin.goto(members_url(acme))
    requests = admin.get_by_role("region", name="Requests")
    expect(requests).to_contain_text("li@acme.test")
    assert_accessible(admin)
    screenshot(admin, "requests")
    requests.get_by_role("combobox", name="Role").select_option(label="Admin")
    requests.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("li@acme.test is now a member, as Admin.")).to_be_visible()
    assert Membership.objects.get(tenant=acme, user__email="li@acme.test").role == Role.ADMIN
    outcome = message_to(mail.wait_for(2), "li@acme.test")
    assert "approved" in outcome["Subject"]


def test_a_declined_person_sees_the_30_day_wait(new_page, mail, acme):
    factories.UserFactory(email="mo@acme.test")
    person = new_page()
    log_in(person, "mo@acme.test")
    person.goto("/")
    person.get_by_role("button", name="Request to join").first.click()
    offers = person.get_by_role("region", name="Tenants of your domain")
    expect(offers.get_by_text("Request sent", exact=True)).to_be_visible()

    admin = new_page()
    log_in(admin, "ada@acme.test")
    admin.goto(members_url(acme))
    seen = accept_confirmations(admin)
    admin.get_by_role("region", name="Requests").get_by_role("button", name="Decline").click()
    expect(admin.get_by_text("Request from mo@acme.test declined.")).to_be_visible()
    assert "30 days" in seen[0]
    outcome = message_to(mail.wait_for(2), "mo@acme.test")
    assert "30 days" in outcome.get_body(preferencelist=("plain",)).get_content()

    person.goto("/")
    person.get_by_role("region", name="Tenants of your domain").get_by_role(
        "button", name="Request to join"
    ).click()
    expect(person.get_by_text("was declined. You can ask again from")).to_be_visible()
    assert AccessRequest.objects.filter(requester__email="mo@acme.test").count() == 1


def test_a_collaborators_invite_request_is_approved_and_the_email_arrives(new_page, mail, acme):
    factories.MembershipFactory(tenant=acme, user__email="cy@acme.test")
    collaborator = new_page()
    log_in(collaborator, "cy@acme.test")
    collaborator.goto(members_url(acme))
    collaborator.get_by_role("textbox", name="Email addresses").fill("dee@partner.test")
    collaborator.get_by_role("button", name="Request invitations").click()
    expect(
        collaborator.get_by_text("Request sent. An admin will approve or decline it.")
    ).to_be_visible()

    admin = new_page()
    log_in(admin, "ada@acme.test")
    admin.goto(members_url(acme))
    requests = admin.get_by_role("region", name="Requests")
    expect(requests).to_contain_text("Invite dee@partner.test")
    requests.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("Invitations sent to dee@partner.test.")).to_be_visible()
    invitation = message_to(mail.wait_for(3), "dee@partner.test")
    assert "/invitations/" in invitation.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_domains_and_requests_screenshots_per_language(browser_in, language, acme):
    """The Domains tab and the Requests section in each language, both widths, axe-clean."""
    admin = acme.memberships.get(role=Role.ADMIN).user
    admin.language = language
    admin.save(update_fields=["language"])
    # Fixed tokens, so the screenshots change only when the page does.
    factories.DomainFactory(tenant=acme, name="acme-labs.test", verification_token="x" * 32)
    factories.DomainFactory(
        tenant=acme, name="bücher.test".encode("idna").decode(), verification_token="y" * 32
    )
    AccessRequest.objects.create(
        tenant=acme,
        requester=factories.UserFactory(email="li@acme.test"),
        kind="join",
        emails=["li@acme.test"],
    )
    AccessRequest.objects.create(
        tenant=acme,
        requester=factories.MembershipFactory(tenant=acme, user__email="cy@acme.test").user,
        kind="invite",
        emails=["dee@partner.test", "eve@partner.test"],
    )
    page = browser_in("en-US")
    log_in(page, "ada@acme.test")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(domains_url(acme))
    assert_accessible(page)
    screenshot(page, f"domains-{language}")
    page.goto(members_url(acme) + "#requests")
    expect(page.locator("#requests")).to_contain_text("li@acme.test")
    assert_accessible(page)
    page.locator("#requests").scroll_into_view_if_needed()
    screenshot(page, f"requests-{language}")
