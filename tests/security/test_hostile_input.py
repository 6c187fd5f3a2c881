"""Hostile input: each attempt gets a clear refusal and changes nothing.

"Nothing" is checked on the rows (``snapshot``) and on the outgoing mail
(``mailoutbox``, or the bytes a real SMTP sink received). Property-based
cases use hypothesis.

Decisions (README, "Reliability and security"): internationalised domains
are accepted, as Django's validator does, and the email goes to their
punycode form; the address is stored as typed (lower-cased), so the invitee
signs up with that same form. A non-ASCII local part, IP-literal domains
and "localhost" are refused. Names may contain anything; they are escaped in
pages and emails and folded onto one line in email headers.
"""

import email
import email.policy
import json
import re
import string
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from console.accounts.models import User
from console.api.services import api_key_create
from console.sso.models import SsoConnection
from invitations import tasks
from invitations.emails import invitation_email_message
from invitations.models import AccessRequest, EmailStatus, Invitation, InvitationStatus
from invitations.services import invitation_accept, invitation_create_bulk, invitation_resend
from invitations.validators import validate_invitee_email
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.models import Tenant
from tests import factories
from tests.factories import TEST_PASSWORD, give_two_step, invitation_link_token
from tests.security.test_permission_matrix import console_patterns, handled_methods, snapshot

pytestmark = [pytest.mark.security, pytest.mark.django_db]

HYPOTHESIS = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SCRIPT = "<script>alert(1)</script>"
# The headers of an invitation email, each once: nothing a name can add to.
MESSAGE_HEADERS = [
    "Content-Type",
    "MIME-Version",
    "Subject",
    "From",
    "To",
    "Reply-To",
    "Date",
    "Message-ID",
]
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # rate-limit counters must not leak between cases
    yield
    cache.clear()


@pytest.fixture
def tenant(db):
    # Room for many members and no cost review: only the input decides.
    return factories.TenantFactory(member_limit_override=2000)


def invite_url(tenant) -> str:
    return reverse("tenant_invitations:invite", kwargs={"tenant_id": tenant.public_id})


def tenant_url(name, tenant, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_id": tenant.public_id, **kwargs})


def post_invite(client, tenant, emails, role=Role.COLLABORATOR):
    return client.post(invite_url(tenant), {"emails": emails, "role": role})


def smtp_settings(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


# -- Address lists: size ---------------------------------------------------------------------------


def test_ten_thousand_addresses_are_refused_whole(admin_client, tenant, mailoutbox):
    before = snapshot()
    addresses = "\n".join(f"person{i}@example.com" for i in range(10_000))

    response = post_invite(admin_client, tenant, addresses)

    assert response.status_code == 400
    assert "at most 1,000 addresses at a time; this list has 10,000" in response.content.decode()
    assert snapshot() == before and mailoutbox == []


def test_one_address_over_the_limit_is_refused_whole(admin_client, tenant, mailoutbox):
    before = snapshot()
    response = post_invite(admin_client, tenant, ",".join(f"p{i}@example.com" for i in range(1001)))
    assert response.status_code == 400
    assert snapshot() == before and mailoutbox == []


def test_a_one_megabyte_body_is_refused_with_413(admin_client, tenant, mailoutbox):
    before = snapshot()
    response = post_invite(admin_client, tenant, "a" * (1024 * 1024))
    assert response.status_code == 413
    assert "This request is too large" in response.content.decode()
    assert snapshot() == before and mailoutbox == []


def test_thousands_of_form_fields_are_refused_with_400(admin_client, tenant, mailoutbox):
    before = snapshot()
    fields = {f"field{i}": "x" for i in range(5000)} | {
        "emails": "ana@example.com",
        "role": Role.COLLABORATOR,
    }
    response = admin_client.post(invite_url(tenant), fields)
    assert response.status_code == 400
    assert snapshot() == before and mailoutbox == []


# -- Address lists: content ------------------------------------------------------------------------

MALFORMED = [
    "plainaddress",
    "@example.com",
    "ana@",
    "ana@@example.com",
    "ana@example..com",
    "ana@-example.com",
    "ana@b",
    "<ana@example.com>",
    "ana@example.com>",
    "josé@example.com",  # non-ASCII local part (no SMTPUTF8)
    "ana\u200b@example.com",  # zero-width space
    "ana\u202e@example.com",  # right-to-left override
    "ana＠example.com",  # fullwidth at sign
    "ana@localhost",  # Django allows it; our mail relay must not deliver locally
    "ana@[10.0.0.5]",  # IP literal: the relay would connect inside its network
    "ana@[IPv6:::1]",
    f"{'a' * 250}@example.com",  # longer than 254
]


@pytest.mark.parametrize("address", MALFORMED)
def test_malformed_address_is_named_and_nothing_is_created(
    admin_client, tenant, mailoutbox, address
):
    before = snapshot()

    response = post_invite(admin_client, tenant, f"good@example.com, {address}")

    assert response.status_code == 400
    assert "is not an email address" in response.content.decode()
    assert snapshot() == before and mailoutbox == []


def test_a_null_byte_is_refused(admin_client, tenant, mailoutbox):
    before = snapshot()
    response = post_invite(admin_client, tenant, "ana\x00@example.com")
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert snapshot() == before and mailoutbox == []


def test_idn_domain_is_accepted_stored_as_typed_and_delivered_to_its_punycode_form(
    admin, tenant, settings, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_settings(settings, smtp_sink)
    with django_capture_on_commit_callbacks(execute=True):
        [invitation] = invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(admin),
            emails=["Ana@Bücher.Example"],
            role=Role.COLLABORATOR,
        )

    assert invitation.email == "ana@bücher.example"
    smtp_sink.wait_for(1)
    [(_, recipients, raw)] = smtp_sink.raw
    assert recipients == ["ana@xn--bcher-kva.example"]
    assert b"xn--bcher-kva.example" in raw
    # the invitee who signs up with the same address can accept
    invitee = factories.UserFactory(email="ana@bücher.example")
    invitation_accept(invitation=invitation, user=invitee)
    assert Membership.objects.filter(tenant=tenant, user=invitee).exists()


@given(text=st.text(alphabet=string.printable + "äéü@ \u200b\u202e", max_size=200))
@HYPOTHESIS
def test_any_typed_text_creates_all_valid_addresses_or_nothing(client, text):
    # given a fresh tenant per example (the database is not reset between examples)
    cache.clear()
    tenant = factories.TenantFactory(member_limit_override=2000)
    client.force_login(factories.AdminMembershipFactory(tenant=tenant).user)

    response = post_invite(client, tenant, text)

    created = Invitation.objects.filter(tenant=tenant).count()
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert created == 0
    else:
        assert created >= 1
        for invitation in Invitation.objects.filter(tenant=tenant):
            validate_invitee_email(invitation.email)
            assert invitation.email == invitation.email.strip().lower()


@given(
    local=st.from_regex(r"[a-z0-9.]{1,12}", fullmatch=True),
    bad=st.sampled_from(["\r", "\n", "\r\n", "\x00", ",", ";", " ", "\t", "<", ">", '"', "\u2028"]),
    where=st.integers(min_value=0, max_value=40),
)
@HYPOTHESIS
def test_an_address_with_a_line_break_or_separator_anywhere_is_never_valid(local, bad, where):
    address = f"{local}@example.com"
    at = where % (len(address) + 1)
    with pytest.raises(ValidationError):
        validate_invitee_email(address[:at] + bad + address[at:])


# -- Header injection ------------------------------------------------------------------------------

INJECTIONS = [
    "Eve\r\nBcc: victim@evil.example",
    "Eve\nX-Injected: yes",
    "Eve\rCc: victim@evil.example",
    "Eve\r\n\r\n<html>body takeover</html>",
    "=?utf-8?q?Eve=0D=0ABcc:_victim@evil.example?=",
]


@pytest.mark.parametrize("name", INJECTIONS)
def test_line_breaks_in_names_never_reach_email_headers(
    tenant, settings, smtp_sink, django_capture_on_commit_callbacks, name
):
    # given an inviter and a tenant whose names try to start new headers
    smtp_settings(settings, smtp_sink)
    Tenant.objects.filter(pk=tenant.pk).update(name=f"Acme {name}")
    tenant.refresh_from_db()
    inviter = factories.AdminMembershipFactory(tenant=tenant, user__name=name).user

    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(inviter),
            emails=["ana@example.com"],
            role=Role.COLLABORATOR,
        )

    # then the real SMTP server saw one recipient and only the headers we write
    smtp_sink.wait_for(1)
    [(_, recipients, raw)] = smtp_sink.raw
    assert recipients == ["ana@example.com"]
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    unfolded = head.replace(b"\n ", b" ").replace(b"\n\t", b" ").split(b"\n")
    names = [line.split(b":", 1)[0].decode() for line in unfolded]
    assert sorted(names) == sorted(MESSAGE_HEADERS), names
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Injected"] is None


@given(tenant_name=st.text(max_size=80), inviter_name=st.text(max_size=80))
@HYPOTHESIS
def test_any_names_make_a_well_formed_message_to_the_invitee_only(tenant_name, inviter_name):
    # Built without the database: the message depends only on these fields.
    invitation = Invitation(
        pk=1,
        tenant=Tenant(name=tenant_name or "x", public_id="t1"),
        invited_by=User(email="inviter@example.com", name=inviter_name),
        email="ana@example.com",
        role=Role.COLLABORATOR,
        expires_at=timezone.now(),
        link_salt="0" * 32,
    )
    message = invitation_email_message(invitation).message()
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ana@example.com"
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert sorted(parsed.keys()) == sorted(MESSAGE_HEADERS)


# -- Script in names -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [SCRIPT, ATTRIBUTE_BREAKOUT])
def test_script_in_tenant_and_user_names_is_escaped_on_every_page(client, payload):
    # given a tenant and people whose names carry markup
    tenant = factories.TenantFactory(name=payload[:64], member_limit_override=10)
    admin = factories.AdminMembershipFactory(tenant=tenant, user__name=payload).user
    factories.MembershipFactory(tenant=tenant, user__name=payload)
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin)
    client.force_login(admin)
    pages = [
        tenant_url("onboarding:get_started", tenant),
        tenant_url("tenant_settings:settings", tenant),
        tenant_url("members:list", tenant),
        tenant_url("tenant_invitations:list", tenant),
        tenant_url("tenant_settings:billing", tenant),
        tenant_url("members:transfer", tenant, pk=tenant.memberships.exclude(user=admin).get().pk),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert payload not in page, url
        assert "&lt;" in page, url
    # and on the invitation page the invitee sees
    invitee = Client()
    invitee.get(reverse("invitations:open", kwargs={"token": invitation_link_token(invitation)}))
    page = invitee.get(reverse("invitations:review")).content.decode()
    assert payload not in page and "&lt;" in page


def test_script_in_names_is_escaped_in_the_html_email_and_plain_in_the_text(
    db, smtp_sink, settings, django_capture_on_commit_callbacks
):
    smtp_settings(settings, smtp_sink)
    tenant = factories.TenantFactory(name=SCRIPT, member_limit_override=10)
    inviter = factories.AdminMembershipFactory(tenant=tenant, user__name=ATTRIBUTE_BREAKOUT).user
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_bulk(
            tenant=tenant,
            actor=Actor.member(inviter),
            emails=["ana@example.com"],
            role=Role.COLLABORATOR,
        )
    [message] = smtp_sink.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert SCRIPT not in html and ATTRIBUTE_BREAKOUT not in html
    assert "&lt;script&gt;" in html
    assert SCRIPT in message.get_body(("plain",)).get_content()  # text is not HTML: shown as typed


# -- Tokens ----------------------------------------------------------------------------------------


@pytest.fixture
def invitation(tenant, admin):
    return factories.InvitationFactory(tenant=tenant, invited_by=admin, email="invitee@example.com")


def visit(client, token: str):
    """Open a link as a browser would: the secret goes into the session, then the review page."""
    return client.get(reverse("invitations:open", kwargs={"token": token}), follow=True)


def accept_with(client, token: str):
    visit(client, token)
    return client.post(reverse("invitations:review"))


@pytest.fixture
def invitee_client(client):
    client.force_login(factories.UserFactory(email="invitee@example.com"))
    return client


def test_forged_token_is_404_and_accepts_nothing(invitee_client, invitation):
    before = snapshot()
    assert visit(invitee_client, "A" * 43).status_code == 404
    assert accept_with(invitee_client, "A" * 43).status_code == 404
    assert snapshot() == before


def test_truncated_token_is_404(invitee_client, invitation):
    before = snapshot()
    assert accept_with(invitee_client, invitation_link_token(invitation)[:-1]).status_code == 404
    assert snapshot() == before


def test_replayed_token_is_410_already_used(invitee_client, invitation):
    token = invitation_link_token(invitation)
    assert accept_with(invitee_client, token).status_code == 302
    before = snapshot()
    response = accept_with(invitee_client, token)
    assert response.status_code == 410
    assert "This invitation has already been used" in response.content.decode()
    assert snapshot() == before


def test_expired_token_is_410_even_before_the_job_marks_it(invitee_client, invitation):
    before = snapshot()
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        response = accept_with(invitee_client, invitation_link_token(invitation))
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert snapshot() == before


def test_revoked_token_is_410(invitee_client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.REVOKED)
    before = snapshot()
    response = accept_with(invitee_client, invitation_link_token(invitation))
    assert response.status_code == 410 and "revoked" in response.content.decode()
    assert snapshot() == before


def test_superseded_token_is_410(invitee_client, invitation, admin):
    old = invitation_link_token(invitation)
    invitation_resend(invitation=invitation, actor=Actor.member(admin))
    before = snapshot()
    response = accept_with(invitee_client, old)
    assert response.status_code == 410 and "replaced by a newer one" in response.content.decode()
    assert snapshot() == before


def test_token_for_another_email_is_403_naming_the_invited_address(client, invitation):
    client.force_login(factories.UserFactory(email="mallory@example.com"))
    before = snapshot()
    response = accept_with(client, invitation_link_token(invitation))
    assert response.status_code == 403
    assert "This invitation is for invitee@example.com" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "token",
    ["x" * 10_000, "..%2F..%2Fadmin", "%00", "ünïcødé", "' OR 1=1 --", "review", quote("<script>")],
    ids=["huge", "traversal", "null", "unicode", "sql", "reserved-word", "markup"],
)
def test_odd_tokens_are_404_not_errors(invitee_client, invitation, token):
    before = snapshot()
    response = visit(invitee_client, token)
    assert response.status_code in {
        404,
        200,
    }  # "review" is the review page itself: no invitation there
    assert response.status_code == 404 or "Accept invitation" not in response.content.decode()
    assert snapshot() == before


@given(token=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=60))
@HYPOTHESIS
def test_random_tokens_never_open_an_invitation(client, token):
    response = visit(client, token)
    assert response.status_code in {404, 200}
    assert "Accept invitation" not in response.content.decode()


# -- CSRF ------------------------------------------------------------------------------------------


def _csrf_cases():
    return {
        "invite": lambda w: (
            tenant_url("tenant_invitations:invite", w["tenant"]),
            {"emails": "x@example.com", "role": "collaborator"},
        ),
        "resend": lambda w: (
            tenant_url("tenant_invitations:resend", w["tenant"], pk=w["invitation"].pk),
            {},
        ),
        "revoke": lambda w: (
            tenant_url("tenant_invitations:revoke", w["tenant"], pk=w["invitation"].pk),
            {},
        ),
        "rename": lambda w: (
            tenant_url("tenant_settings:settings", w["tenant"]),
            {"name": "Hijacked"},
        ),
        "delete tenant": lambda w: (
            tenant_url("tenant_settings:delete", w["tenant"]),
            {"confirm_name": w["tenant"].name},
        ),
        "change role": lambda w: (
            tenant_url("members:change_role", w["tenant"], pk=w["member"].pk),
            {"role": "admin"},
        ),
        "remove member": lambda w: (
            tenant_url("members:remove", w["tenant"], pk=w["member"].pk),
            {},
        ),
        "leave": lambda w: (tenant_url("members:leave", w["tenant"]), {}),
        "create tenant": lambda w: (
            reverse("tenants:create"),
            {"name": "Forged", "type": "development"},
        ),
        "hide checklist": lambda w: (tenant_url("onboarding:hide_checklist", w["tenant"]), {}),
        "logout": lambda w: (reverse("accounts:logout"), {}),
        "add domain": lambda w: (
            tenant_url("tenant_domains:list", w["tenant"]),
            {"name": "a.test"},
        ),
        "remove domain": lambda w: (
            tenant_url("tenant_domains:remove", w["tenant"], pk=w["domain"].pk),
            {},
        ),
        "request invitations": lambda w: (
            tenant_url("requests:invite", w["tenant"]),
            {"emails": "x@example.com"},
        ),
        "approve request": lambda w: (
            tenant_url("requests:approve", w["tenant"], pk=w["request"].pk),
            {"role": "admin"},
        ),
        "decline request": lambda w: (
            tenant_url("requests:decline", w["tenant"], pk=w["request"].pk),
            {},
        ),
        "request to join": lambda w: (
            reverse("invitations:request_to_join", kwargs={"tenant_id": w["tenant"].public_id}),
            {},
        ),
        "domain enrollment": lambda w: (
            tenant_url("tenant_domains:enrollment", w["tenant"], pk=w["domain"].pk),
            {"enrollment": "off"},
        ),
    }


@pytest.mark.parametrize("action", list(_csrf_cases()))
def test_a_post_without_csrf_token_is_403_and_changes_nothing(
    tenant, admin, invitation, mailoutbox, action
):
    factories.AdminMembershipFactory(tenant=tenant)  # so that leaving would otherwise succeed
    world = {
        "tenant": tenant,
        "invitation": invitation,
        "member": factories.MembershipFactory(tenant=tenant),
        "domain": factories.DomainFactory(tenant=tenant, verified=True),
        "request": AccessRequest.objects.create(
            tenant=tenant, requester=factories.UserFactory(), kind="join"
        ),
    }
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    before = snapshot()

    url, data = _csrf_cases()[action](world)
    response = client.post(url, data)

    assert response.status_code == 403
    assert snapshot() == before and mailoutbox == []
    assert "_auth_user_id" in client.session  # not even logged out


def test_accepting_without_csrf_token_is_403(invitation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.UserFactory(email=invitation.email))
    visit(client, invitation_link_token(invitation))
    before = snapshot()
    assert client.post(reverse("invitations:review")).status_code == 403
    assert client.post(reverse("invitations:join", kwargs={"pk": invitation.pk})).status_code == 403
    assert snapshot() == before


def test_logging_in_without_csrf_token_is_403(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# -- Wrong HTTP methods ----------------------------------------------------------------------------


def _method_cases():
    cases = []
    for name, route, callback in console_patterns():
        if route.startswith("api/v1/"):
            continue  # the JSON API answers other methods itself: tests/api/test_api_methods.py
        if route.startswith("scim/v2/"):
            continue  # SCIM answers them itself (a SCIM error): tests/scim/test_scim_users.py
        handled = handled_methods(name, callback)
        view_class = getattr(callback, "view_class", None)
        for method in ("get", "post", "put", "patch", "delete"):
            implemented = method in handled or (
                view_class
                and method in view_class.http_method_names
                and hasattr(view_class, method)
            )
            if not implemented:
                cases.append(pytest.param(name, route, method, id=f"{name}-{method}"))
    return cases


def _url_for(name: str, tenant, invitation, member) -> str:
    kwargs = {}
    route = next(r for n, r, _ in console_patterns() if n == name)
    if "<str:tenant_id>" in route:
        kwargs["tenant_id"] = tenant.public_id
    if "<int:pk>" in route:
        kwargs["pk"] = invitation.pk if "invitation" in name else member.pk
    if "(?P<uidb36>" in route:  # allauth's reset link
        kwargs.update(uidb36="1", key="forged-token")
    if "<str:provider_id>" in route:  # allauth's OpenID Connect login and callback
        kwargs["provider_id"] = "tenant-nope"
    if "<str:organization_slug>" in route:  # allauth's SAML views
        kwargs["organization_slug"] = "tenant-nope"
    for key, value in {
        "<uidb64>": "MQ",
        "<token>": "t",
        "<str:token>": "t",
        "<slug:link>": "community",
        "<uuid:batch_id>": "6d1f4c1e-0c4e-4d8a-9a57-3b2f1a0e5c11",
    }.items():
        if key in route:
            kwargs[key.strip("<>").split(":")[-1]] = value
    return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize(("name", "route", "method"), _method_cases())
def test_methods_a_url_does_not_handle_are_405_and_change_nothing(
    client, tenant, admin, invitation, name, route, method
):
    member = factories.MembershipFactory(tenant=tenant)
    invitation = factories.InvitationFactory(
        tenant=tenant, invited_by=admin, email=admin.email
    )  # joinable by admin
    if name not in {"accounts:signup", "accounts:login"}:  # those send signed-in visitors on first
        client.force_login(admin)
    before = snapshot()

    response = getattr(client, method)(_url_for(name, tenant, invitation, member))

    if name == "account_reset_password_from_key":
        # allauth checks the link before the method: a bad link is the
        # "no longer works" page whatever the method, and nothing is set.
        assert (
            response.status_code == 200
            and "This reset link no longer works" in response.content.decode()
        )
    elif name.startswith(("account_", "mfa_", "usersessions_")):
        # allauth's views check the visitor's stage first (signed in already, no
        # code pending, the password asked again, nothing to show) and send
        # them on or answer 404 before they look at the method.
        assert response.status_code in (302, 404, 405), response.status_code
    else:
        assert response.status_code == 405
    assert snapshot() == before


# -- Other tampering -------------------------------------------------------------------------------


def test_an_unknown_role_is_refused_and_nothing_is_created(admin_client, tenant, mailoutbox):
    before = snapshot()
    response = post_invite(admin_client, tenant, "ana@example.com", role="owner")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert snapshot() == before and mailoutbox == []


def test_changing_a_role_to_an_unknown_one_changes_nothing(admin_client, tenant):
    member = factories.MembershipFactory(tenant=tenant)
    before = snapshot()
    response = admin_client.post(
        tenant_url("members:change_role", tenant, pk=member.pk), {"role": "superuser"}, follow=True
    )
    assert "Choose Admin or Collaborator." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_an_empty_or_oversized_tenant_name_is_refused(admin_client, tenant, name):
    before = snapshot()
    response = admin_client.post(tenant_url("tenant_settings:settings", tenant), {"name": name})
    assert response.status_code == 400
    assert snapshot() == before


def test_ids_past_the_integer_range_are_404_not_errors(admin_client, tenant):
    huge = 10**30
    for name in ("members:remove", "tenant_invitations:revoke"):
        assert admin_client.post(tenant_url(name, tenant, pk=huge)).status_code == 404
    assert admin_client.post(reverse("invitations:join", kwargs={"pk": huge})).status_code == 404


@pytest.mark.parametrize(
    "query", ["page=-1", "page=abc", f"page={10**30}", "status=%3Cscript%3E", "page=1%00"]
)
def test_hostile_list_parameters_show_a_page_not_an_error(admin_client, tenant, query):
    for name in ("members:list", "tenant_invitations:list"):
        response = admin_client.get(f"{tenant_url(name, tenant)}?{query}")
        assert response.status_code in {200, 404}, (name, query)
        assert "<script>" not in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_log_in_never_redirects_off_site(client, user, next_url):
    response = client.post(
        f"{reverse('accounts:login')}?next={quote(next_url)}",
        {"login": user.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and not response["Location"].startswith(
        "javascript"
    )


def test_a_forged_host_header_is_refused_and_sends_no_reset_email(client, user, mailoutbox):
    response = client.post(
        reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 400
    assert mailoutbox == []


def test_an_unknown_checklist_link_is_404_and_records_nothing(admin_client, tenant):
    before = snapshot()
    assert (
        admin_client.get(
            tenant_url("onboarding:follow", tenant, link="javascript-alert")
        ).status_code
        == 404
    )
    assert snapshot() == before


def test_the_send_task_given_a_hostile_id_does_nothing(db, mailoutbox):
    for hostile in (-1, 0, 2**63 - 1):
        assert tasks.send_invitation_email.apply(args=[hostile]).get() == "skipped"
    assert (
        mailoutbox == []
        and not Invitation.objects.filter(email_status=EmailStatus.SENDING).exists()
    )


# -- Codes: unknown, replayed, reused, and CSRF (allauth's confirmation and two-step) --


def _signed_up_waiting_for_code(client, capture) -> str:
    """A fresh sign-up at the "Confirm your email" step; returns the emailed code."""
    from django.core import mail

    with capture(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"email": "new@example.com", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
        )
    body = mail.outbox[-1].body
    return re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", body, re.M).group(1)


@pytest.mark.parametrize("code", ["", "AAAA-AAAA", "' OR 1=1 --", "x" * 5000, "ＡＢＣＤ-ＥＦＧＨ"])
def test_unknown_confirmation_codes_confirm_nothing(
    client, code, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    _signed_up_waiting_for_code(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(email="new@example.com").verified


def test_wrong_codes_are_limited_then_the_code_is_void(client, django_capture_on_commit_callbacks):
    """Three wrong tries end the code: even the right one no longer works."""
    code = _signed_up_waiting_for_code(client, django_capture_on_commit_callbacks)
    for _ in range(3):
        client.post(reverse("account_email_verification_sent"), {"code": "AAAA-AAAA"})
    client.post(reverse("account_email_verification_sent"), {"code": code})
    assert "_auth_user_id" not in client.session


def test_a_replayed_confirmation_code_does_nothing_in_another_browser(
    client, django_capture_on_commit_callbacks
):
    code = _signed_up_waiting_for_code(client, django_capture_on_commit_callbacks)
    client.post(reverse("account_email_verification_sent"), {"code": code})
    assert "_auth_user_id" in client.session

    other = Client()
    response = other.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in other.session


def test_an_authenticator_code_reused_within_its_window_is_refused(user):
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.factories import give_two_step

    secret = give_two_step(user)
    if 30 - time.time() % 30 < 2:  # not a code whose window is about to close
        time.sleep(2)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    outcomes = []
    for _ in range(2):
        browser = Client()
        browser.post(reverse("accounts:login"), {"login": user.email, "password": TEST_PASSWORD})
        browser.post(reverse("mfa_authenticate"), {"code": code})
        outcomes.append("_auth_user_id" in browser.session)
    assert outcomes == [True, False]


def test_confirming_a_code_without_csrf_token_is_403(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_email_verification_sent"), {"code": "AAAA-AAAA"})
    assert response.status_code == 403


def test_the_second_step_without_csrf_token_is_403(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_signing_out_other_sessions_without_csrf_token_is_403(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("usersessions_list")).status_code == 403


# -- Keys whose creator may no longer act: deactivated, or short of the tenant's two-step ---------


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _creators_key(membership) -> str:
    return api_key_create(
        tenant=membership.tenant,
        actor=Actor.member(membership.user),
        name="probe",
        scope="read_write",
    )[1]


def _deactivate(user) -> None:
    user.is_active = False
    user.save()


def _policy_on(tenant) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(require_two_step=True)


# The attacker's most useful writes, and bodies that would fail validation or size checks:
# the key is refused (401) before any of it is read.
HOSTILE_API_CALLS = {
    "invite an admin": ("post", "/invitations", {"emails": ["m@evil.example"], "role": "admin"}),
    "promote a member": ("patch", "/members/{member}", {"role": "admin"}),
    "remove a member": ("delete", "/members/{member}", None),
    "malformed body": ("post", "/invitations", "{not json"),
    "oversized list": ("post", "/invitations", {"emails": ["a@b.example"] * 5000, "role": "x"}),
}


def _send(client, key, method, path, body):
    data = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    return getattr(client, method)(
        f"/api/v1{path}", data=data, content_type="application/json", **_bearer(key)
    )


@pytest.mark.parametrize("why", ["deactivated", "two-step required"])
@pytest.mark.parametrize("call", HOSTILE_API_CALLS)
def test_a_key_whose_creator_may_not_act_is_401_before_its_input_is_read(
    client, tenant, why, call, mailoutbox
):
    creator = factories.AdminMembershipFactory(tenant=tenant)
    factories.AdminMembershipFactory(tenant=tenant)  # the tenant keeps an admin
    member = factories.MembershipFactory(tenant=tenant)
    key = _creators_key(creator)
    if why == "deactivated":
        _deactivate(creator.user)
    else:
        _policy_on(tenant)
    before = snapshot()

    method, path, body = HOSTILE_API_CALLS[call]
    response = _send(client, key, method, path.format(member=member.pk), body)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert snapshot() == before
    assert mailoutbox == []


def test_turning_two_step_off_again_stops_the_key_again(client, tenant):
    creator = factories.AdminMembershipFactory(tenant=tenant)
    key = _creators_key(creator)
    _policy_on(tenant)
    give_two_step(creator.user)
    assert client.get("/api/v1/members", **_bearer(key)).status_code == 200

    Authenticator.objects.filter(user=creator.user, type=Authenticator.Type.TOTP).delete()

    response = client.get("/api/v1/members", **_bearer(key))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:tenant-console:problem:two-step-required"


def test_recovery_codes_alone_do_not_let_a_key_past_the_policy(client, tenant):
    # Recovery codes left behind after the authenticator app was removed are no second step.
    creator = factories.AdminMembershipFactory(tenant=tenant)
    key = _creators_key(creator)
    give_two_step(creator.user)
    Authenticator.objects.filter(user=creator.user, type=Authenticator.Type.TOTP).delete()
    assert Authenticator.objects.filter(user=creator.user).exists()
    _policy_on(tenant)

    assert client.get("/api/v1/members", **_bearer(key)).status_code == 401


def test_a_stolen_session_cookie_of_a_deactivated_account_stays_dead_after_reactivation(
    tenant,
):
    person = factories.AdminMembershipFactory(tenant=tenant).user
    victim = Client()
    victim.post(reverse("accounts:login"), {"login": person.email, "password": TEST_PASSWORD})
    stolen = victim.cookies["sessionid"].value
    _deactivate(person)
    person.is_active = True
    person.save()

    attacker = Client()
    attacker.cookies["sessionid"] = stolen
    response = attacker.get(tenant_url("onboarding:get_started", tenant))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("method", ["PUT", "PROPFIND", "TRACE", "CONNECT", "FOO"])
def test_odd_methods_on_the_api_are_405_problems_and_change_nothing(client, tenant, method):
    key = _creators_key(factories.AdminMembershipFactory(tenant=tenant))
    before = snapshot()

    response = client.generic(method, "/api/v1/invitations", **_bearer(key))

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert method not in response["Allow"]
    assert snapshot() == before


# -- Domain names (the Domains tab, issue 21) ---------------------------------------------------

HOSTILE_DOMAINS = [
    ("example.com.", "ends with a dot"),
    ("a" * 300 + ".com", "is not a domain name"),
    ("ex" + "a" * 290 + ".example.com", "is not a domain name"),
    ("exаmple.com", "mixes Latin letters"),  # Cyrillic а: a homoglyph of example.com
    ("pаypal.com", "mixes Latin letters"),
    ("xn--80ak6aa92e.com", "mixes Latin letters"),  # the punycode of a mixed-script label
    ("GMAIL.COM", "free or public mail provider"),
    ("gmail.com.", "ends with a dot"),
    ("10minutemail.com", "disposable-mail domain"),
    ("exa mple.com", "is not a domain name"),
    ("<script>alert(1)</script>.com", "is not a domain name"),
    ("example.com/../../etc", "is not a domain name"),
    ("1.2.3.4", "is not a domain name"),
    ("exa\x00mple.com", "Null characters are not allowed"),
]


@pytest.mark.parametrize(("name", "message"), HOSTILE_DOMAINS)
def test_a_hostile_domain_name_is_refused_with_a_clear_message_and_nothing_saved(
    admin_client, tenant, name, message
):
    before = snapshot()
    response = admin_client.post(tenant_url("tenant_domains:list", tenant), {"name": name})
    page = response.content.decode()
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert message in page
    assert "<script>alert" not in page
    assert snapshot() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("EXAMPLE.COM", "example.com"), ("Bücher.example", "xn--bcher-kva.example")],
)
def test_uppercase_and_idn_domains_are_stored_lower_case_in_idna_form(
    admin_client, tenant, typed, stored
):
    admin_client.post(tenant_url("tenant_domains:list", tenant), {"name": typed})
    assert list(tenant.domains.values_list("name", flat=True)) == [stored]


def test_a_domain_id_past_the_integer_range_is_404(admin_client, tenant):
    for name in ("tenant_domains:verify", "tenant_domains:remove"):
        assert admin_client.post(tenant_url(name, tenant, pk=10**30)).status_code == 404


# -- Invite requests (issue 21): the invite form's address rules --------------------------------


@pytest.mark.parametrize(
    "emails",
    [
        "<script>alert(1)</script>@example.com",
        "a@b@example.com",
        "x@example.com\r\nBcc: victim@example.com",
        ",".join(f"p{i}@example.com" for i in range(1001)),
    ],
)
def test_a_hostile_invite_request_is_refused_and_nothing_saved(client, tenant, emails):
    collaborator = factories.MembershipFactory(tenant=tenant).user
    client.force_login(collaborator)
    before = snapshot()
    response = client.post(tenant_url("requests:invite", tenant), {"emails": emails}, follow=True)
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert snapshot() == before


def test_request_ids_past_the_integer_range_are_404(admin_client, tenant):
    for name in ("requests:approve", "requests:decline"):
        assert admin_client.post(tenant_url(name, tenant, pk=10**30)).status_code == 404


def test_request_to_join_an_unknown_tenant_id_is_404(client, user):
    client.force_login(user)
    for tenant_id in ("nope", "x" * 300, "%00"):
        url = reverse("invitations:request_to_join", kwargs={"tenant_id": tenant_id})
        assert client.post(url).status_code == 404


# -- Single sign-on (issue 22): the issuer URL goes through the outbound-URL guard ---------------

HOSTILE_ISSUERS = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data",  # cloud metadata: link-local
    "http://127.0.0.1:6379/",  # the console's own Redis
    "https://user:pass@idp.example/",
    "https://idp.example/\r\nX-Injected: 1",
    "https://" + "a" * 600 + ".example/",
    "<script>alert(1)</script>",
]


@pytest.fixture
def sso_tenant(tenant):
    factories.DomainFactory(tenant=tenant, name="hostile-corp.test", verified=True)
    return tenant


@pytest.mark.parametrize("issuer", HOSTILE_ISSUERS)
def test_a_hostile_issuer_url_is_refused_and_nothing_saved(admin_client, sso_tenant, issuer):
    before = snapshot()
    url = reverse("tenant_sso:settings", kwargs={"tenant_id": sso_tenant.public_id})
    response = admin_client.post(url, {"issuer": issuer, "client_id": "c", "client_secret": "s"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert snapshot() == before


HOSTILE_METADATA = [
    {"metadata_url": "http://169.254.169.254/latest/meta-data/"},
    {"metadata_url": "https://127.0.0.1/metadata"},
    {"metadata_url": "file:///etc/passwd"},
    {"metadata_xml": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'},
    {"metadata_xml": "<script>alert(1)</script>"},
    {"metadata_xml": "<a>" * 10_000},
]


@pytest.mark.parametrize("values", HOSTILE_METADATA)
def test_hostile_saml_metadata_is_refused_and_nothing_saved(admin_client, sso_tenant, values):
    before = snapshot()
    url = reverse("tenant_sso:settings", kwargs={"tenant_id": sso_tenant.public_id})
    response = admin_client.post(url, {"protocol": "saml", **values})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert "root:" not in page
    assert snapshot() == before
    assert not SsoConnection.objects.exists()


@pytest.mark.parametrize(
    "email",
    [
        "<script>alert(1)</script>@hostile-corp.test",
        "a@b@hostile-corp.test",
        "x@hostile-corp.test\r\nBcc: victim@example.com",
        "x@" + "a" * 300 + ".test",
        "x@exa\x00mple.com",
    ],
)
def test_a_hostile_address_at_sign_in_with_sso_is_refused_and_nothing_saved(
    client, sso_tenant, email
):
    before = snapshot()
    response = client.post(reverse("sso:sign_in"), {"email": email})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert snapshot() == before


# -- SCIM (issue 23): hostile queries, ids and bodies --------------------------------------------


@pytest.fixture
def scim_world(tenant):
    from console.api.models import ApiScope

    admin = factories.AdminMembershipFactory(tenant=tenant)
    factories.DomainFactory(tenant=tenant, name="corp.test", verified=True)
    key = api_key_create(
        tenant=tenant, actor=Actor.member(admin.user), name="idp", scope=ApiScope.SCIM
    )[1]
    return tenant, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def scim_rows(tenant):
    from console.scim.models import ProvisionedUser

    return (snapshot(), sorted(ProvisionedUser.objects.filter(tenant=tenant).values_list("pk")))


@pytest.mark.parametrize(
    "query",
    [
        {"filter": 'userName eq "x" or 1 eq 1'},
        {"filter": "userName eq \"a' OR '1'='1\""},
        {"filter": 'userName eq "' + "a" * 10_000 + '"'},
        {"filter": "userName pr"},
        {"filter": "\x00"},
        {"startIndex": "-5", "count": "99999999999999999999"},
        {"startIndex": "abc"},
        {"attributes": "password,userName"},
        {"attributes": 'members[value eq "1"]'},
        {"excludedAttributes": "../../etc"},
    ],
)
def test_hostile_scim_queries_are_answered_as_scim_and_change_nothing(client, scim_world, query):
    tenant, headers = scim_world
    before = scim_rows(tenant)
    response = client.get(f"/scim/v2/{tenant.public_id}/Users", query, **headers)
    assert response.status_code in (200, 400)
    assert response["Content-Type"].startswith("application/scim+json")
    assert "Traceback" not in response.content.decode()
    assert scim_rows(tenant) == before


@pytest.mark.parametrize(
    "path",
    [
        "Users/99999999999999999999999",
        "Users/-1",
        "Users/1%00",
        "Groups/..%2f..%2fadmin",
        "Users/ ",
    ],
)
def test_hostile_scim_ids_are_404(client, scim_world, path):
    tenant, headers = scim_world
    before = scim_rows(tenant)
    for method in ("get", "delete"):
        response = getattr(client, method)(f"/scim/v2/{tenant.public_id}/{path}", **headers)
        assert response.status_code == 404
    assert scim_rows(tenant) == before


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
@HYPOTHESIS
def test_any_json_body_to_scim_create_is_a_scim_answer(scim_world, body):
    tenant, headers = scim_world
    before = scim_rows(tenant)
    response = Client().post(
        f"/scim/v2/{tenant.public_id}/Users",
        json.dumps(body),
        content_type="application/scim+json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert scim_rows(tenant) == before
