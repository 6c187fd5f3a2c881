"""Verified domains: names, refusals, verification by address and by DNS (SPEC, Domains).

DNS answers come from a real DNS server on 127.0.0.1 (``dns_server``); no
test reaches the internet.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tenants import services
from tenants.activity_actions import activity_actions
from tenants.actors import Actor
from tenants.domain_dns import record_name, record_value
from tenants.domain_names import domain_name_clean
from tenants.models import ActivityEvent, Domain, Enrollment, TenantAction
from tests import factories

pytestmark = pytest.mark.django_db


def actions(tenant) -> list[str]:
    return list(
        ActivityEvent.objects.filter(tenant=tenant).order_by("id").values_list("action", flat=True)
    )


def refusal_code(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.code or ""


# -- Names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Example.COM", "example.com"),
        ("  acme.test ", "acme.test"),
        ("Bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("ｅｘａｍｐｌｅ.org", "example.org"),  # full-width letters fold to ASCII
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),  # one script throughout is fine
        ("сахар.рф", "xn--80aa2cbv.xn--p1ai"),  # lookalike letters under a Cyrillic TLD
        ("corp.example.co.uk", "corp.example.co.uk"),
    ],
)
def test_names_are_stored_lower_case_in_idna_form(typed, stored):
    assert domain_name_clean(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "localhost",
        "not a domain",
        "exa_mple.com",
        "-example.com",
        "example-.com",
        "example..com",
        ".example.com",
        "192.168.0.1",
        "user@example.com",
        "https://example.com",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 5 + "com",  # 300-odd characters
        "exa\x00mple.com",
    ],
)
def test_what_is_not_a_domain_name_is_refused(typed):
    assert refusal_code(lambda: domain_name_clean(typed)) == "invalid"


def test_a_trailing_dot_is_refused_with_its_own_message():
    with pytest.raises(ValidationError) as caught:
        domain_name_clean("example.com.")
    assert caught.value.code == "trailing_dot"
    assert "ends with a dot" in caught.value.messages[0]


def test_a_label_mixing_latin_and_cyrillic_lookalikes_is_refused():
    assert refusal_code(lambda: domain_name_clean("exаmple.com")) == "homoglyph"  # Cyrillic а


def test_a_cyrillic_label_of_latin_lookalikes_under_a_latin_tld_is_refused():
    assert refusal_code(lambda: domain_name_clean("аррӏе.com")) == "homoglyph"


@pytest.mark.parametrize("name", ["gmail.com", "Outlook.com", "yahoo.com", "mail.gmail.com"])
def test_free_mail_providers_are_refused(name):
    assert refusal_code(lambda: domain_name_clean(name)) == "free_provider"


@pytest.mark.parametrize("name", ["mailinator.com", "10minutemail.com", "x.guerrillamail.com"])
def test_disposable_mail_domains_are_refused(name):
    assert refusal_code(lambda: domain_name_clean(name)) == "disposable"


# -- Adding --------------------------------------------------------------------------------------


def test_adding_a_domain_not_at_the_admins_address_leaves_it_unverified(tenant, admin):
    domain = services.domain_add(tenant=tenant, actor=Actor.member(admin), name="Acme.test")
    assert domain.name == "acme.test" and not domain.is_verified
    assert domain.enrollment == Enrollment.ASK
    assert actions(tenant) == [TenantAction.DOMAIN_ADDED]


def test_adding_the_domain_of_the_admins_confirmed_address_verifies_it_at_once(tenant):
    admin = factories.AdminMembershipFactory(tenant=tenant, user__email="boss@acme.test").user
    domain = services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test")
    assert domain.is_verified
    assert actions(tenant) == [TenantAction.DOMAIN_ADDED, TenantAction.DOMAIN_VERIFIED]


def test_an_unconfirmed_address_at_the_domain_does_not_verify_it(tenant):
    admin = factories.AdminMembershipFactory(
        tenant=tenant, user__email="boss@acme.test", user__email_verified=False
    ).user
    domain = services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test")
    assert not domain.is_verified


def test_a_domain_verified_by_another_tenant_is_refused_and_nothing_is_saved(tenant, admin):
    factories.DomainFactory(name="acme.test", verified=True)
    assert (
        refusal_code(
            lambda: services.domain_add(tenant=tenant, actor=Actor.member(admin), name="ACME.test")
        )
        == "taken"
    )
    assert not tenant.domains.exists() and actions(tenant) == []


def test_a_domain_unverified_elsewhere_may_be_added(tenant, admin):
    factories.DomainFactory(name="acme.test")
    assert services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test").pk


def test_the_same_domain_twice_in_one_tenant_is_refused(tenant, admin):
    services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test")
    assert (
        refusal_code(
            lambda: services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test")
        )
        == "duplicate"
    )


def test_a_free_provider_is_refused_and_nothing_is_saved(tenant, admin):
    assert (
        refusal_code(
            lambda: services.domain_add(tenant=tenant, actor=Actor.member(admin), name="gmail.com")
        )
        == "free_provider"
    )
    assert not Domain.objects.exists() and actions(tenant) == []


def test_the_database_allows_one_verified_tenant_per_domain(db):
    factories.DomainFactory(name="acme.test", verified=True)
    with pytest.raises(IntegrityError):
        factories.DomainFactory(name="acme.test", verified=True)


# -- Verifying by DNS ----------------------------------------------------------------------------


@pytest.fixture
def domain(tenant, admin):
    return services.domain_add(tenant=tenant, actor=Actor.member(admin), name="acme.test")


def publish(dns_server, domain, value=None) -> None:
    value = value or record_value(domain.verification_token)
    dns_server.records[record_name(domain.name)] = [value]


def test_the_record_is_under_tenant_console_with_the_tokens_value(domain):
    assert record_name(domain.name) == "_tenant-console.acme.test"
    assert record_value(domain.verification_token).startswith("tenant-console-verification=")


def test_each_tenant_gets_its_own_token_for_one_domain(domain):
    other = factories.DomainFactory(name="acme.test")
    assert other.verification_token != domain.verification_token


def test_the_right_txt_record_verifies_the_domain(dns_server, domain, admin, tenant):
    publish(dns_server, domain)
    services.domain_verify(domain=domain, actor=Actor.member(admin))
    domain.refresh_from_db()
    assert domain.is_verified
    assert dns_server.queries == ["_tenant-console.acme.test"]
    assert actions(tenant)[-1] == TenantAction.DOMAIN_VERIFIED


def test_a_missing_record_is_named_and_nothing_changes(dns_server, domain, admin, tenant):
    with pytest.raises(ValidationError) as caught:
        services.domain_verify(domain=domain, actor=Actor.member(admin))
    assert caught.value.code == "no_record"
    assert "No TXT record was found at _tenant-console.acme.test" in caught.value.messages[0]
    domain.refresh_from_db()
    assert not domain.is_verified and actions(tenant) == [TenantAction.DOMAIN_ADDED]


def test_a_wrong_value_says_what_was_expected_and_found(dns_server, domain, admin):
    publish(dns_server, domain, value="tenant-console-verification=someone-elses")
    with pytest.raises(ValidationError) as caught:
        services.domain_verify(domain=domain, actor=Actor.member(admin))
    assert caught.value.code == "wrong_value"
    assert "someone-elses" in caught.value.messages[0]
    assert domain.verification_token in caught.value.messages[0]
    domain.refresh_from_db()
    assert not domain.is_verified


def test_a_server_that_never_answers_is_a_timeout(dns_server, domain, admin):
    dns_server.mode = "timeout"
    with pytest.raises(ValidationError) as caught:
        services.domain_verify(domain=domain, actor=Actor.member(admin))
    assert caught.value.code == "timeout"
    assert "timed out" in caught.value.messages[0]


def test_a_server_error_is_a_failed_lookup(dns_server, domain, admin):
    dns_server.mode = "servfail"
    with pytest.raises(ValidationError) as caught:
        services.domain_verify(domain=domain, actor=Actor.member(admin))
    assert caught.value.code == "lookup_failed"


def test_a_domain_verified_elsewhere_meanwhile_is_refused_at_verify(dns_server, domain, admin):
    publish(dns_server, domain)
    factories.DomainFactory(name="acme.test", verified=True)
    with pytest.raises(ValidationError) as caught:
        services.domain_verify(domain=domain, actor=Actor.member(admin))
    assert caught.value.code == "taken"
    domain.refresh_from_db()
    assert not domain.is_verified


def test_name_servers_may_be_given_with_a_port(settings, dns_server, domain, admin):
    settings.DNS_NAMESERVERS = [f"127.0.0.1:{dns_server.port}", " "]
    publish(dns_server, domain)
    assert services.domain_verify(domain=domain, actor=Actor.member(admin)).is_verified


# -- Removing and enrollment ---------------------------------------------------------------------


def test_removing_a_domain_deletes_it_and_records_it(tenant, admin, domain):
    services.domain_remove(domain=domain, actor=Actor.member(admin))
    assert not Domain.objects.exists()
    assert actions(tenant)[-1] == TenantAction.DOMAIN_REMOVED


def test_enrollment_changes_on_a_verified_domain(tenant, admin):
    domain = factories.DomainFactory(tenant=tenant, verified=True)
    services.domain_set_enrollment(
        domain=domain, actor=Actor.member(admin), enrollment=Enrollment.AUTOMATIC
    )
    domain.refresh_from_db()
    assert domain.enrollment == Enrollment.AUTOMATIC
    assert actions(tenant) == [TenantAction.DOMAIN_ENROLLMENT_CHANGED]


def test_an_unverified_domain_has_no_enrollment_to_change(tenant, admin, domain):
    assert (
        refusal_code(
            lambda: services.domain_set_enrollment(
                domain=domain, actor=Actor.member(admin), enrollment=Enrollment.AUTOMATIC
            )
        )
        == "unverified"
    )


# -- The activity log's words ------------------------------------------------------------------


def test_domain_and_request_entries_read_in_words():
    assert activity_actions.summary("domain.added", {"domain": "xn--bcher-kva.de"}) == "bücher.de"
    assert (
        activity_actions.summary("domain.verified", {"domain": "acme.test", "method": "dns"})
        == "acme.test, by DNS"
    )
    assert (
        activity_actions.summary(
            "domain.enrollment_changed",
            {"domain": "acme.test", "old_enrollment": "ask", "new_enrollment": "automatic"},
        )
        == "acme.test: Ask to join → Join automatically"
    )
    assert activity_actions.summary(
        "invitation.requested", {"emails": ["a@x.test", "b@x.test"]}
    ) == ("a@x.test, b@x.test")
    assert (
        activity_actions.summary("member.joined", {"role": "collaborator", "via": "domain"})
        == "as Collaborator, through a verified domain"
    )
