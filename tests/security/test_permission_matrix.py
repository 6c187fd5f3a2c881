"""Every URL of the console and every state-changing action, as every kind of visitor.

The URL patterns are read from the resolver (``/admin/`` is Django's own and
left out), and ``test_every_url_and_method_has_expectations`` fails when a
pattern or one of its GET/POST handlers has no row in ``MATRIX``: a new page
cannot ship without saying who may use it.

Visitors: anonymous; an outsider (admin of another tenant); a collaborator and
an admin of the tenant; the invitee (signed up with the invited address, in
no tenant yet); an admin of the tenant whose account an operator deactivated
while they were signed in (treated exactly as anonymous, their sessions gone).
Tenant pages: anonymous → log-in page, outsider and invitee → 404 without the
tenant's name, collaborator → 403 on admin-only pages. Every refusal leaves
the database exactly as it was; every allowed write changes it.

IDOR: another tenant's membership and invitation ids under one's own
tenant's URL are 404 and change nothing.
"""

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console.accounts.models import User
from console.api.models import ApiKey
from console.onboarding.models import ChecklistState
from console.sso.models import SsoConnection
from console.webhooks.models import WebhookDelivery, WebhookEndpoint
from invitations.models import AccessRequest, Invitation, InvitationStatus
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.domain_dns import record_name, record_value
from tenants.models import ActivityEvent, Domain, Tenant
from tests import factories
from tests.factories import TEST_PASSWORD, give_two_step, invitation_link_token

pytestmark = [pytest.mark.security, pytest.mark.django_db]

ROLES = ["anonymous", "outsider", "collaborator", "admin", "invitee"]
# Visitors who must be treated as another: their expectations are that one's.
SAME_AS = {"deactivated": "anonymous"}
VISITORS = [*ROLES, *SAME_AS]


# -- The world and what "nothing changed" means ----------------------------------------------------


@dataclass
class World:
    tenant: Tenant
    admin: Membership
    second_admin: Membership  # so the acting admin may leave or step down
    collaborator: Membership
    target: Membership  # the member that member actions aim at
    pending: Invitation
    revoked: Invitation
    invitee: User  # signed up with pending.email, not a member of anything
    outsider: User
    other_tenant: Tenant
    other_membership: Membership
    other_invitation: Invitation


@pytest.fixture
def world(db):
    # A Development tenant whose limit an operator raised: invites go straight through.
    tenant = factories.TenantFactory(name="Secret Tenant", member_limit_override=50)
    admin = factories.AdminMembershipFactory(tenant=tenant)
    other = factories.AdminMembershipFactory(tenant__name="Other Tenant")
    pending = factories.InvitationFactory(
        tenant=tenant, invited_by=admin.user, email="invitee@example.com"
    )
    return World(
        tenant=tenant,
        admin=admin,
        second_admin=factories.AdminMembershipFactory(tenant=tenant),
        collaborator=factories.MembershipFactory(tenant=tenant),
        target=factories.MembershipFactory(tenant=tenant),
        pending=pending,
        revoked=factories.InvitationFactory(
            tenant=tenant, invited_by=admin.user, status=InvitationStatus.REVOKED
        ),
        invitee=factories.UserFactory(email="invitee@example.com"),
        outsider=other.user,
        other_tenant=other.tenant,
        other_membership=factories.MembershipFactory(tenant=other.tenant),
        other_invitation=factories.InvitationFactory(tenant=other.tenant, invited_by=other.user),
    )


def snapshot() -> tuple:
    """Every row a console action can write, in a comparable form."""
    return (
        sorted(
            Tenant.objects.values_list(
                "pk", "name", "type", "plan", "member_limit_override", "require_two_step"
            )
        ),
        sorted(Membership.objects.values_list("pk", "tenant_id", "user_id", "role")),
        sorted(
            Invitation.objects.values_list(
                "pk", "tenant_id", "email", "role", "status", "token_hash", "email_status"
            )
        ),
        sorted(User.objects.values_list("pk", "email", "name", "segment", "password", "is_active")),
        sorted(
            ChecklistState.objects.values_list(
                "pk", "user_id", "tenant_id", "hidden", "community_joined_at"
            )
        ),
        # A refused action records no activity entry either.
        sorted(ActivityEvent.objects.values_list("pk", flat=True)),
        sorted(WebhookEndpoint.objects.values_list("pk", "url", "secret", "enabled")),
        sorted(WebhookDelivery.objects.values_list("pk", flat=True)),
        sorted(ApiKey.objects.values_list("pk", "tenant_id", "scope", "revoked_at")),
        sorted(EmailAddress.objects.values_list("pk", "user_id", "email", "verified", "primary")),
        sorted(Authenticator.objects.values_list("pk", "user_id", "type")),
        sorted(User.objects.values_list("pk", "language", "time_zone")),
        sorted(Domain.objects.values_list("pk", "tenant_id", "name", "verified_at", "enrollment")),
        sorted(AccessRequest.objects.values_list("pk", "tenant_id", "requester_id", "status")),
        sorted(
            SsoConnection.objects.values_list(
                "pk", "tenant_id", "issuer", "client_id", "secret_encrypted", "version", "enabled"
            )
        ),
        sorted(SocialApp.objects.values_list("pk", "provider_id", "client_id", "secret")),
        sorted(Tenant.objects.values_list("pk", "require_single_sign_on")),
    )


def user_of(world: World, role: str) -> User | None:
    return {
        "anonymous": None,
        "outsider": world.outsider,
        "collaborator": world.collaborator.user,
        "admin": world.admin.user,
        "invitee": world.invitee,
    }[role]


# -- Expectations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    writes: bool = False  # an allowed action that must change the database
    to_login: bool = False


LOGIN = Expect(302, to_login=True)
NOT_FOUND = Expect(404)
FORBIDDEN = Expect(403)


def everyone(expect: Expect) -> dict:
    return dict.fromkeys(ROLES, expect)


def tenant_page(*, collaborator: Expect, admin: Expect) -> dict:
    """A /t/<tenant>/ URL: strangers never learn the tenant exists."""
    return {
        "anonymous": LOGIN,
        "outsider": NOT_FOUND,
        "invitee": NOT_FOUND,
        "collaborator": collaborator,
        "admin": admin,
    }


def signed_out_only(*, anonymous: Expect) -> dict:
    """Log-in and sign-up: signed-in visitors are sent on, nothing else happens."""
    return {**everyone(Expect(302)), "anonymous": anonymous}


def signed_in_only(expect: Expect) -> dict:
    """An account page: anonymous visitors go to log in; each person sees only their own."""
    return {**everyone(expect), "anonymous": LOGIN}


def t(name: str, **kwargs):
    return lambda w: reverse(name, kwargs={"tenant_id": w.tenant.public_id, **kwargs})


def t_pk(name: str, attribute: str):
    return lambda w: reverse(
        name, kwargs={"tenant_id": w.tenant.public_id, "pk": getattr(w, attribute).pk}
    )


def plain(name: str, **kwargs):
    return lambda w: reverse(name, kwargs=kwargs or None)


def open_invitation_link(client, w: World) -> None:
    """The invitee's link puts the secret in the session; the review page reads it there."""
    client.get(reverse("invitations:open", kwargs={"token": invitation_link_token(w.pending)}))


@dataclass(frozen=True)
class Case:
    url: object  # World -> str
    expect: dict  # role -> Expect
    data: object = None  # World -> dict
    prepare: object = None  # (client, World) -> None


@pytest.fixture(autouse=True)
def _webhook_urls_on_loopback(settings):
    """The webhook URLs below are loopback IP literals: allowed, never resolved or sent to."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


def with_webhook(*, enabled: bool = True):
    def prepare(client, w: World) -> None:
        w.webhook = WebhookEndpoint.objects.create(
            tenant=w.tenant,
            url="http://127.0.0.1:9/hooks",
            events=["member.joined"],
            enabled=enabled,
        )

    return prepare


def t_webhook(name: str):
    return lambda w: reverse(name, kwargs={"tenant_id": w.tenant.public_id, "pk": w.webhook.pk})


WEBHOOK_FORM = {"url": "http://127.0.0.1:9/v2", "events": ["member.left"]}

NEW_ACCOUNT = {
    "name": "New Person",
    "email": "new-person@example.com",
    "password1": TEST_PASSWORD,
    "password2": TEST_PASSWORD,
}

BATCH_ID = "6d1f4c1e-0c4e-4d8a-9a57-3b2f1a0e5c11"


def pending_in_a_batch(client, w: World) -> None:
    """The pending invitation came from a bulk invite: its batch has send progress."""
    Invitation.objects.filter(pk=w.pending.pk).update(batch_id=BATCH_ID)


# {url name: {method: Case}}
MATRIX = {
    "home": {
        "get": Case(
            plain("home"), {**everyone(Expect(302)), "anonymous": LOGIN, "invitee": Expect(200)}
        )
    },
    "healthz": {"get": Case(plain("healthz"), everyone(Expect(200)))},
    "readyz": {"get": Case(plain("readyz"), everyone(Expect(200)))},
    "accounts:signup": {
        "get": Case(plain("accounts:signup"), signed_out_only(anonymous=Expect(200))),
        "post": Case(
            plain("accounts:signup"),
            signed_out_only(anonymous=Expect(302, writes=True)),
            lambda w: NEW_ACCOUNT,
        ),
    },
    "accounts:login": {
        "get": Case(plain("accounts:login"), signed_out_only(anonymous=Expect(200))),
        "post": Case(
            plain("accounts:login"),
            signed_out_only(anonymous=Expect(302)),
            lambda w: {"login": w.invitee.email, "password": TEST_PASSWORD},
        ),
    },
    "accounts:logout": {
        # GET only asks "Sign out?"; a link or an image cannot sign anyone out.
        "get": Case(plain("accounts:logout"), {**everyone(Expect(200)), "anonymous": Expect(302)}),
        "post": Case(plain("accounts:logout"), everyone(Expect(302))),
    },
    # The old reset address: a permanent redirect to allauth's page, nothing else.
    "accounts:security": {
        # Signed-in people see their own events only (tests/accounts/test_security_events.py).
        "get": Case(plain("accounts:security"), {**everyone(Expect(200)), "anonymous": LOGIN})
    },
    "accounts:password_reset": {
        "get": Case(plain("accounts:password_reset"), everyone(Expect(301))),
        "post": Case(plain("accounts:password_reset"), everyone(Expect(301))),
    },
    "tenants:create": {
        "get": Case(plain("tenants:create"), {**everyone(Expect(200)), "anonymous": LOGIN}),
        "post": Case(
            plain("tenants:create"),
            {**everyone(Expect(302, writes=True)), "anonymous": LOGIN},
            lambda w: {"name": "Made here", "type": "development"},
        ),
    },
    "onboarding:get_started": {
        "get": Case(
            t("onboarding:get_started"), tenant_page(collaborator=Expect(200), admin=Expect(200))
        ),
        "post": Case(
            t("onboarding:get_started"),
            tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302, writes=True)),
            lambda w: {"segment": "enterprise"},
        ),
    },
    "onboarding:hide_checklist": {
        "post": Case(
            t("onboarding:hide_checklist"),
            tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302, writes=True)),
        ),
    },
    "onboarding:show_checklist": {
        "post": Case(
            t("onboarding:show_checklist"),
            tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302, writes=True)),
        ),
    },
    "onboarding:follow": {
        "get": Case(
            t("onboarding:follow", link="community"),
            tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302, writes=True)),
        ),
    },
    "tenant_settings:settings": {
        "get": Case(
            t("tenant_settings:settings"), tenant_page(collaborator=Expect(200), admin=Expect(200))
        ),
        "post": Case(
            t("tenant_settings:settings"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"name": "Renamed"},
        ),
    },
    "tenant_settings:two_step": {
        "post": Case(
            t("tenant_settings:two_step"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"require_two_step": "on"},
            # The admin has two-step on (only then may it be required).
            prepare=lambda client, w: give_two_step(w.admin.user),
        ),
    },
    "tenant_settings:delete": {
        "post": Case(
            t("tenant_settings:delete"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"confirm_name": w.tenant.name},
        ),
    },
    "tenant_settings:billing": {
        "get": Case(
            t("tenant_settings:billing"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
        ),
    },
    "tenant_settings:activity": {
        "get": Case(
            t("tenant_settings:activity"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
        ),
    },
    "tenant_settings:activity_csv": {
        "get": Case(
            t("tenant_settings:activity_csv"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
        ),
    },
    "members:list": {
        "get": Case(t("members:list"), tenant_page(collaborator=Expect(200), admin=Expect(200)))
    },
    "members:leave": {
        "post": Case(
            t("members:leave"),
            tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302, writes=True)),
        ),
    },
    "members:change_role": {
        "post": Case(
            t_pk("members:change_role", "target"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"role": Role.ADMIN},
        ),
    },
    "members:remove": {
        "post": Case(
            t_pk("members:remove", "target"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
        ),
    },
    "members:transfer": {
        "get": Case(
            t_pk("members:transfer", "target"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
        ),
        "post": Case(
            t_pk("members:transfer", "target"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"then": "stay"},
        ),
    },
    "tenant_invitations:list": {
        "get": Case(
            t("tenant_invitations:list"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
        ),
    },
    "tenant_invitations:invite": {
        "get": Case(
            t("tenant_invitations:invite"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
        ),
        "post": Case(
            t("tenant_invitations:invite"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: {"emails": "new-invitee@example.com", "role": Role.COLLABORATOR},
        ),
    },
    "tenant_invitations:invite_preview": {
        "post": Case(
            t("tenant_invitations:invite_preview"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
            lambda w: {"emails": "new-invitee@example.com"},
        ),
    },
    "members:actions": {
        "get": Case(
            t_pk("members:actions", "target"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
        ),
    },
    "tenant_invitations:batch_progress": {
        "get": Case(
            t("tenant_invitations:batch_progress", batch_id=BATCH_ID),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
            prepare=pending_in_a_batch,
        ),
    },
    "tenant_invitations:resend": {
        "post": Case(
            t_pk("tenant_invitations:resend", "pending"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
        ),
    },
    "tenant_invitations:revoke": {
        "post": Case(
            t_pk("tenant_invitations:revoke", "pending"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
        ),
    },
    "tenant_invitations:delete": {
        "post": Case(
            t_pk("tenant_invitations:delete", "revoked"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
        ),
    },
    "invitations:open": {
        "get": Case(
            lambda w: reverse(
                "invitations:open", kwargs={"token": invitation_link_token(w.pending)}
            ),
            everyone(Expect(302)),
        ),
    },
    "invitations:review": {
        "get": Case(
            plain("invitations:review"), everyone(Expect(200)), prepare=open_invitation_link
        ),
        "post": Case(
            plain("invitations:review"),
            # Signed in as anyone but the invitee: 403 naming the invited address.
            {**everyone(FORBIDDEN), "anonymous": LOGIN, "invitee": Expect(302, writes=True)},
            prepare=open_invitation_link,
        ),
    },
    "invitations:sign_out": {
        "post": Case(
            plain("invitations:sign_out"), everyone(Expect(302)), prepare=open_invitation_link
        )
    },
    "invitations:join": {
        "post": Case(
            lambda w: reverse("invitations:join", kwargs={"pk": w.pending.pk}),
            # Only invitations addressed to the signed-in user: anyone else's id is a 404.
            {**everyone(NOT_FOUND), "anonymous": LOGIN, "invitee": Expect(302, writes=True)},
        ),
    },
    "webhooks:list": {
        "get": Case(t("webhooks:list"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))),
    },
    "webhooks:create": {
        "get": Case(t("webhooks:create"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))),
        "post": Case(
            t("webhooks:create"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: WEBHOOK_FORM,
        ),
    },
    "webhooks:edit": {
        "get": Case(
            t_webhook("webhooks:edit"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
            prepare=with_webhook(),
        ),
        "post": Case(
            t_webhook("webhooks:edit"),
            tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
            lambda w: WEBHOOK_FORM,
            prepare=with_webhook(),
        ),
    },
    **{
        name: {
            "post": Case(
                t_webhook(name),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                prepare=with_webhook(enabled=name != "webhooks:enable"),
            )
        }
        for name in ("webhooks:delete", "webhooks:rotate", "webhooks:enable", "webhooks:test")
    },
    # -- allauth's pages (sign-up, log-in and log-out resolve to the console's views) --
    **{
        name: {
            "get": Case(plain(name), signed_out_only(anonymous=Expect(200))),
            "post": Case(plain(name), signed_out_only(anonymous=Expect(200))),  # an empty form
        }
        for name in ("account_login", "account_signup")
    },
    "account_logout": {
        # GET only asks; POST signs out (no database row changes: sessions are not rows here).
        "get": Case(plain("account_logout"), {**everyone(Expect(200)), "anonymous": Expect(302)}),
        "post": Case(plain("account_logout"), everyone(Expect(302))),
    },
    "account_inactive": {"get": Case(plain("account_inactive"), everyone(Expect(200)))},
    "account_reauthenticate": {
        "get": Case(plain("account_reauthenticate"), signed_in_only(Expect(200))),
        "post": Case(plain("account_reauthenticate"), signed_in_only(Expect(200))),
    },
    "account_request_reauthentication_code": {
        "get": Case(plain("account_request_reauthentication_code"), signed_in_only(Expect(200))),
        "post": Case(plain("account_request_reauthentication_code"), signed_in_only(Expect(200))),
    },
    "account_confirm_reauthentication_code": {
        # No code was requested: back to asking for one.
        "get": Case(plain("account_confirm_reauthentication_code"), signed_in_only(Expect(302))),
        "post": Case(
            plain("account_confirm_reauthentication_code"),
            signed_in_only(Expect(302)),
            lambda w: {"code": "AAAA-AAAA"},
        ),
    },
    "account_email": {
        "get": Case(plain("account_email"), signed_in_only(Expect(200))),
        "post": Case(plain("account_email"), signed_in_only(Expect(302))),  # no action named
    },
    "account_email_verification_sent": {
        # Nobody is confirming an address: nothing to enter a code for.
        "get": Case(plain("account_email_verification_sent"), signed_in_only(Expect(302))),
        "post": Case(
            plain("account_email_verification_sent"),
            signed_in_only(Expect(302)),
            lambda w: {"code": "AAAA-AAAA"},
        ),
    },
    "account_change_password": {
        "get": Case(plain("account_change_password"), signed_in_only(Expect(200))),
        "post": Case(
            plain("account_change_password"),
            signed_in_only(Expect(200)),  # the wrong current password changes nothing
            lambda w: {
                "oldpassword": "not-the-password",
                "password1": "Another-passw0rd!",
                "password2": "Another-passw0rd!",
            },
        ),
    },
    "account_set_password": {
        # Every account has a password already: sent to "change password".
        "get": Case(plain("account_set_password"), signed_in_only(Expect(302))),
        "post": Case(plain("account_set_password"), signed_in_only(Expect(302))),
    },
    "account_reset_password": {
        "get": Case(plain("account_reset_password"), everyone(Expect(200))),
        "post": Case(
            plain("account_reset_password"),
            everyone(Expect(302)),  # an email is queued; no row changes
            lambda w: {"email": w.invitee.email},
        ),
    },
    "account_reset_password_done": {
        "get": Case(plain("account_reset_password_done"), everyone(Expect(200)))
    },
    "account_reset_password_from_key": {
        # A forged link shows the "no longer works" page and sets no password.
        "get": Case(
            plain("account_reset_password_from_key", uidb36="1", key="forged-token"),
            everyone(Expect(200)),
        ),
        "post": Case(
            plain("account_reset_password_from_key", uidb36="1", key="forged-token"),
            everyone(Expect(200)),
            lambda w: {"password1": "Another-passw0rd!", "password2": "Another-passw0rd!"},
        ),
    },
    "account_reset_password_from_key_done": {
        "get": Case(plain("account_reset_password_from_key_done"), everyone(Expect(200)))
    },
    "account_confirm_login_code": {
        # Sign-in by emailed code is off: nobody is at that stage.
        "get": Case(plain("account_confirm_login_code"), signed_out_only(anonymous=LOGIN)),
        "post": Case(
            plain("account_confirm_login_code"),
            signed_out_only(anonymous=LOGIN),
            lambda w: {"code": "AAAA-AAAA"},
        ),
    },
    "mfa_index": {"get": Case(plain("mfa_index"), signed_in_only(Expect(200)))},
    "mfa_authenticate": {
        # Only between password and second step; otherwise nothing to answer.
        "get": Case(plain("mfa_authenticate"), signed_out_only(anonymous=LOGIN)),
        "post": Case(
            plain("mfa_authenticate"), signed_out_only(anonymous=LOGIN), lambda w: {"code": "1"}
        ),
    },
    "mfa_login_webauthn": {
        "get": Case(plain("mfa_login_webauthn"), signed_out_only(anonymous=LOGIN)),
        "post": Case(plain("mfa_login_webauthn"), signed_out_only(anonymous=LOGIN)),
    },
    **{
        # Changing two-step asks for the password again first (a recent sign-in).
        name: {
            "get": Case(plain(name), signed_in_only(Expect(302))),
            "post": Case(plain(name), signed_in_only(Expect(302)), lambda w: {"code": "123456"}),
        }
        for name in (
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_generate_recovery_codes",
            "mfa_add_webauthn",
            "mfa_reauthenticate_webauthn",
        )
    },
    **{
        name: {
            "get": Case(plain(name, pk=1), signed_in_only(Expect(302))),
            "post": Case(plain(name, pk=1), signed_in_only(Expect(302))),
        }
        for name in ("mfa_remove_webauthn", "mfa_edit_webauthn")
    },
    # Nothing to show or turn off without an authenticator app.
    "mfa_deactivate_totp": {
        "get": Case(plain("mfa_deactivate_totp"), signed_in_only(NOT_FOUND)),
        "post": Case(plain("mfa_deactivate_totp"), signed_in_only(NOT_FOUND)),
    },
    "mfa_view_recovery_codes": {
        "get": Case(plain("mfa_view_recovery_codes"), signed_in_only(NOT_FOUND))
    },
    "mfa_download_recovery_codes": {
        "get": Case(plain("mfa_download_recovery_codes"), signed_in_only(NOT_FOUND))
    },
    "mfa_list_webauthn": {"get": Case(plain("mfa_list_webauthn"), signed_in_only(Expect(200)))},
    # allauth's OpenID Connect login and callback: only a tenant's connection
    # has an app there (tests/sso), an unknown one is 404 for everyone.
    **{
        name: {
            method: Case(plain(name, provider_id="tenant-nope"), everyone(NOT_FOUND))
            for method in ("get", "post")
        }
        for name in ("openid_connect_login", "openid_connect_callback")
    },
    # allauth's SAML views, one method each (console.sso.saml_urls): likewise 404
    # without a tenant's SAML connection.
    **{
        name: {method: Case(plain(name, organization_slug="tenant-nope"), everyone(NOT_FOUND))}
        for name, method in (
            ("saml_acs", "post"),
            ("saml_finish_acs", "get"),
            ("saml_sls", "get"),
            ("saml_metadata", "get"),
        )
    },
    "usersessions_list": {
        "get": Case(plain("usersessions_list"), signed_in_only(Expect(200))),
        # "Sign out other sessions": only the visitor's own (none here besides this one).
        "post": Case(plain("usersessions_list"), signed_in_only(Expect(302))),
    },
}

# Views that are plain functions declare their methods here (class-based views are read).
FUNCTION_VIEW_METHODS = {"healthz": {"get"}, "readyz": {"get"}}


# -- The API keys tab and the JSON API (issue 14) ---------------------------------------------


def with_api_key(client, w: World) -> None:
    """An active key of the world's tenant, made by its admin, for the revoke URL."""
    from console.api.services import api_key_create

    w.api_key, _ = api_key_create(
        tenant=w.tenant, actor=Actor.member(w.admin.user), name="HR system", scope="read_write"
    )


def api(name: str, **ids):
    """An /api/v1/ URL; ``ids`` maps a path parameter to the World attribute holding the row."""
    return lambda w: reverse(
        f"api:{name}", kwargs={key: getattr(w, attr).pk for key, attr in ids.items()} or None
    )


UNAUTHORIZED = Expect(401)
NOT_ALLOWED = Expect(405)

MATRIX.update(
    {
        "api_keys:list": {
            "get": Case(t("api_keys:list"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))),
            "post": Case(
                t("api_keys:list"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                lambda w: {"name": "HR system", "scope": "read"},
            ),
        },
        "api_keys:revoke": {
            "post": Case(
                lambda w: reverse(
                    "api_keys:revoke",
                    kwargs={"tenant_id": w.tenant.public_id, "pk": w.api_key.pk},
                ),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                prepare=with_api_key,
            )
        },
        # The API authenticates Bearer keys only: a browser's session (or a
        # cross-site form riding on it) is 401 for everyone. Browsers can only
        # send GET and POST; the other methods are in tests/security/test_api_permissions.py.
        "api:openapi-json": {
            "get": Case(api("openapi-json"), everyone(Expect(200))),
            "post": Case(api("openapi-json"), everyone(NOT_ALLOWED)),
        },
        "api:openapi-view": {
            "get": Case(api("openapi-view"), everyone(Expect(200))),
            "post": Case(api("openapi-view"), everyone(NOT_ALLOWED)),
        },
        "api:api-root": {
            "get": Case(api("api-root"), everyone(NOT_FOUND)),
            "post": Case(api("api-root"), everyone(NOT_FOUND)),
        },
        "api:members": {
            "get": Case(api("members"), everyone(UNAUTHORIZED)),
            "post": Case(api("members"), everyone(NOT_ALLOWED)),
        },
        "api:member": {
            "get": Case(api("member", member_id="target"), everyone(NOT_ALLOWED)),
            "post": Case(api("member", member_id="target"), everyone(NOT_ALLOWED)),
        },
        "api:invitations": {
            "get": Case(api("invitations"), everyone(UNAUTHORIZED)),
            "post": Case(
                api("invitations"),
                everyone(UNAUTHORIZED),
                lambda w: {"emails": "new@example.com", "role": "collaborator"},
            ),
        },
        "api:invitation": {
            "get": Case(api("invitation", invitation_id="revoked"), everyone(NOT_ALLOWED)),
            "post": Case(api("invitation", invitation_id="revoked"), everyone(NOT_ALLOWED)),
        },
        "api:invitation_resend": {
            "get": Case(api("invitation_resend", invitation_id="pending"), everyone(NOT_ALLOWED)),
            "post": Case(api("invitation_resend", invitation_id="pending"), everyone(UNAUTHORIZED)),
        },
        "api:invitation_revoke": {
            "get": Case(api("invitation_revoke", invitation_id="pending"), everyone(NOT_ALLOWED)),
            "post": Case(api("invitation_revoke", invitation_id="pending"), everyone(UNAUTHORIZED)),
        },
        "api:activity": {
            "get": Case(api("activity"), everyone(UNAUTHORIZED)),
            "post": Case(api("activity"), everyone(NOT_ALLOWED)),
        },
        "api:requests": {
            "get": Case(api("requests"), everyone(UNAUTHORIZED)),
            "post": Case(api("requests"), everyone(NOT_ALLOWED)),
        },
        **{
            f"api:{name}": {
                "get": Case(
                    lambda w, name=name: reverse(f"api:{name}", kwargs={"request_id": 1}),
                    everyone(NOT_ALLOWED),
                ),
                "post": Case(
                    lambda w, name=name: reverse(f"api:{name}", kwargs={"request_id": 1}),
                    everyone(UNAUTHORIZED),
                ),
            }
            for name in ("request_approve", "request_decline")
        },
    }
)


# -- SCIM (issue 23): Bearer SCIM keys only; a browser's session is 401 for everyone ----------


def scim(name: str, **kwargs):
    return lambda w: reverse(f"scim:{name}", kwargs={"tenant_id": w.tenant.public_id, **kwargs})


SCIM_URLS = {
    "spc": ({}, ("get",)),
    "resource_types": ({}, ("get",)),
    "resource_type": ({"pk": "User"}, ("get",)),
    "schemas": ({}, ("get",)),
    "schema": ({"pk": "urn:ietf:params:scim:schemas:core:2.0:User"}, ("get",)),
    "users": ({}, ("get", "post")),
    "user": ({"pk": "1"}, ("get",)),
    "groups": ({}, ("get",)),
    "group": ({"pk": "admins"}, ("get",)),
    "search": ({}, ("post",)),
    "users_search": ({}, ("post",)),
    "groups_search": ({}, ("post",)),
    "not_found": ({}, ("get", "post")),
}
MATRIX.update(
    {
        f"scim:{name}": {
            method: Case(scim(name, **kwargs), everyone(UNAUTHORIZED)) for method in methods
        }
        for name, (kwargs, methods) in SCIM_URLS.items()
    }
)


# -- Languages and time zones (issue 15) ---------------------------------------------------

MATRIX.update(
    {
        "accounts:preferences": {
            "get": Case(plain("accounts:preferences"), signed_in_only(Expect(200))),
            "post": Case(
                plain("accounts:preferences"),
                signed_in_only(Expect(302, writes=True)),
                lambda w: {"language": "de", "time_zone": "Europe/Berlin"},
            ),
        },
        "accounts:language": {
            "get": Case(plain("accounts:language"), everyone(NOT_ALLOWED)),
            # Saved on the account when signed in; an anonymous visitor gets the cookie only.
            "post": Case(
                plain("accounts:language"),
                {**everyone(Expect(302, writes=True)), "anonymous": Expect(302)},
                lambda w: {"language": "fr", "next": "/"},
            ),
        },
        # Django's own view: a cookie, never a row.
        "set_language": {
            "get": Case(plain("set_language"), everyone(Expect(302))),  # back to "/", no cookie
            "post": Case(
                plain("set_language"), everyone(Expect(302)), lambda w: {"language": "de"}
            ),
        },
    }
)


# -- The Domains tab (issue 21) ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _domain_dns_on_loopback(request):
    """Domain cases verify against a real DNS server on 127.0.0.1, never the internet."""
    params = getattr(request.node, "callspec", None)
    if params and str(params.params.get("name", "")).startswith("tenant_domains:"):
        request.getfixturevalue("world").dns = request.getfixturevalue("dns_server")


def with_domain(*, verified: bool):
    def prepare(client, w: World) -> None:
        w.domain = factories.DomainFactory(tenant=w.tenant, name="acme.test", verified=verified)
        w.dns.records[record_name(w.domain.name)] = [record_value(w.domain.verification_token)]

    return prepare


def t_domain(name: str):
    return lambda w: reverse(name, kwargs={"tenant_id": w.tenant.public_id, "pk": w.domain.pk})


MATRIX.update(
    {
        "tenant_domains:list": {
            "get": Case(
                t("tenant_domains:list"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
            ),
            "post": Case(
                t("tenant_domains:list"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                lambda w: {"name": "acme.test"},
            ),
        },
        "tenant_domains:verify": {
            "post": Case(
                t_domain("tenant_domains:verify"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                prepare=with_domain(verified=False),
            )
        },
        "tenant_domains:remove": {
            "post": Case(
                t_domain("tenant_domains:remove"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                prepare=with_domain(verified=False),
            )
        },
        "tenant_domains:enrollment": {
            "post": Case(
                t_domain("tenant_domains:enrollment"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                lambda w: {"enrollment": "automatic"},
                prepare=with_domain(verified=True),
            )
        },
    }
)


# -- Single sign-on (issue 22): the tab for admins, Sign in with SSO for anyone ----------------
# The world's tenant has no verified domain and no connection: a save is refused with a
# message on the form, and each action says there is no connection (nothing written). The
# journeys with a real provider are in tests/sso.

MATRIX.update(
    {
        "tenant_sso:settings": {
            "get": Case(
                t("tenant_sso:settings"), tenant_page(collaborator=FORBIDDEN, admin=Expect(200))
            ),
            "post": Case(
                t("tenant_sso:settings"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(200)),
                lambda w: {"issuer": "https://idp.example", "client_id": "c", "client_secret": "s"},
            ),
        },
        **{
            f"tenant_sso:{action}": {
                "post": Case(
                    t(f"tenant_sso:{action}"),
                    tenant_page(collaborator=FORBIDDEN, admin=Expect(302)),
                )
            }
            for action in ("test", "enable", "disable", "delete", "require")
        },
        # Where Require single sign-on sends a member: without an enabled connection, home.
        "sso:continue": {
            "get": Case(t("sso:continue"), tenant_page(collaborator=Expect(302), admin=Expect(302)))
        },
        "sso:sign_in": {
            "get": Case(plain("sso:sign_in"), everyone(Expect(200))),
            "post": Case(
                plain("sso:sign_in"), everyone(Expect(200)), lambda w: {"email": "x@nobody.test"}
            ),
        },
    }
)


# -- Join requests and invite requests (issue 21) ---------------------------------------------


def with_join_request(client, w: World) -> None:
    """The invitee asked to join (through a verified domain, since removed)."""
    w.join_request = AccessRequest.objects.create(
        tenant=w.tenant, requester=w.invitee, kind="join", emails=[w.invitee.email]
    )


def t_request(name: str):
    return lambda w: reverse(
        name, kwargs={"tenant_id": w.tenant.public_id, "pk": w.join_request.pk}
    )


def offered_by_domain(client, w: World) -> None:
    """The tenant verified example.com: everyone here has an address at it."""
    factories.DomainFactory(tenant=w.tenant, name="example.com", verified=True)


MATRIX.update(
    {
        "invitations:request_to_join": {
            # Offered to confirmed addresses at the domain who are not members:
            # the outsider and the invitee ask; members are told they already are.
            "post": Case(
                lambda w: reverse(
                    "invitations:request_to_join", kwargs={"tenant_id": w.tenant.public_id}
                ),
                {
                    "anonymous": LOGIN,
                    "outsider": Expect(302, writes=True),
                    "invitee": Expect(302, writes=True),
                    "collaborator": Expect(302),
                    "admin": Expect(302),
                },
                prepare=offered_by_domain,
            )
        },
        "requests:invite": {
            # Collaborators ask; an admin is told to invite directly (nothing written).
            "post": Case(
                t("requests:invite"),
                tenant_page(collaborator=Expect(302, writes=True), admin=Expect(302)),
                lambda w: {"emails": "new-person@example.com"},
            )
        },
        "requests:approve": {
            "post": Case(
                t_request("requests:approve"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                lambda w: {"role": "collaborator"},
                prepare=with_join_request,
            )
        },
        "requests:decline": {
            "post": Case(
                t_request("requests:decline"),
                tenant_page(collaborator=FORBIDDEN, admin=Expect(302, writes=True)),
                prepare=with_join_request,
            )
        },
    }
)


def console_patterns(patterns=None, namespace: str = "", prefix: str = ""):
    """(url name, route, view) for every pattern of the console, admin left out."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from console_patterns(pattern.url_patterns, inner, route)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", route, pattern.callback


def handled_methods(name: str, callback) -> set[str]:
    """GET and POST if the view handles them (what a browser, or an attacker's form, can send)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return FUNCTION_VIEW_METHODS.get(name, {"get", "post"})
    return {
        m for m in ("get", "post") if m in view_class.http_method_names and hasattr(view_class, m)
    }


def test_every_url_and_method_has_expectations():
    found = {name: handled_methods(name, callback) for name, _, callback in console_patterns()}
    missing = {name: methods - set(MATRIX.get(name, {})) for name, methods in found.items()}
    assert {name: methods for name, methods in missing.items() if methods} == {}, (
        "add these URLs / methods to MATRIX with who may use them"
    )
    assert set(MATRIX) == set(found), "MATRIX names a URL that no longer exists"
    assert len(found) >= 30


CASES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, methods in MATRIX.items()
    for method in methods
    for role in VISITORS
]


def deactivated_while_signed_in(client, world: World) -> User:
    """An admin of the tenant signs in, then an operator unticks *active* (a save):
    the session they signed in with is gone."""
    user = factories.AdminMembershipFactory(tenant=world.tenant).user
    client.post(reverse("accounts:login"), {"login": user.email, "password": TEST_PASSWORD})
    session_key = client.session.session_key
    assert UserSession.objects.filter(user=user, session_key=session_key).exists()
    user.is_active = False
    user.save()
    assert not UserSession.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    return user


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_permission_matrix(client, world, name, method, role, mailoutbox):
    case = MATRIX[name][method]
    expect = case.expect[SAME_AS.get(role, role)]
    if role == "deactivated":
        user = deactivated_while_signed_in(client, world)
    else:
        user = user_of(world, role)
    if user is not None and role != "deactivated":
        client.force_login(user)
    if case.prepare:
        case.prepare(client, world)
    before = snapshot()

    data = case.data(world) if case.data else {}
    response = getattr(client, method)(case.url(world), data)

    assert response.status_code == expect.status, response.content.decode()[:500]
    if expect.to_login:
        assert response["Location"].startswith(reverse("accounts:login"))
    if expect.status == 404 and role == "outsider":
        # Existence not revealed. (The invitee's page does name the tenant: their
        # own pending invitation to it is listed with "Join".)
        assert world.tenant.name not in response.content.decode()
    if expect.status == 403 and "t/<str:tenant_id>" in next(
        r for n, r, _ in console_patterns() if n == name
    ):
        assert "You don’t have access to this page" in response.content.decode()
    if expect.writes:
        assert snapshot() != before
    else:
        assert snapshot() == before


# -- IDOR: another tenant's ids under one's own tenant ---------------------------------------------

IDOR = [
    ("members:change_role", "post", "other_membership", {"role": Role.ADMIN}),
    ("members:remove", "post", "other_membership", {}),
    ("members:actions", "get", "other_membership", {}),
    ("members:transfer", "get", "other_membership", {}),
    ("members:transfer", "post", "other_membership", {"then": "leave"}),
    ("tenant_invitations:resend", "post", "other_invitation", {}),
    ("tenant_invitations:revoke", "post", "other_invitation", {}),
    ("tenant_invitations:delete", "post", "other_invitation", {}),
]


@pytest.mark.parametrize(
    ("name", "method", "attribute", "data"), IDOR, ids=[f"{n}-{m}" for n, m, _, _ in IDOR]
)
def test_another_tenants_ids_under_ones_own_tenant_are_404(
    client, world, name, method, attribute, data, mailoutbox
):
    # given the admin of the world's tenant who learned ids of the other tenant
    client.force_login(world.admin.user)
    if (
        name == "tenant_invitations:delete"
    ):  # deletable in its own tenant: only the scoping refuses it
        Invitation.objects.filter(pk=world.other_invitation.pk).update(
            status=InvitationStatus.REVOKED
        )
    before = snapshot()

    url = reverse(
        name, kwargs={"tenant_id": world.tenant.public_id, "pk": getattr(world, attribute).pk}
    )
    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    assert snapshot() == before
    assert mailoutbox == []
    assert world.other_tenant.name not in response.content.decode()


def test_guessing_ids_around_ones_own_reaches_nothing_of_another_tenant(client, world):
    client.force_login(world.admin.user)
    before = snapshot()
    guesses = [
        (Membership, world.tenant.memberships, "members:remove"),
        (Invitation, world.tenant.invitations, "tenant_invitations:delete"),
    ]
    for model, own, name in guesses:
        own_ids = set(own.values_list("pk", flat=True))
        # Every id from just below the first row to just past the last: the
        # other tenant's rows were created in between.
        ids = list(model.objects.values_list("pk", flat=True))
        for pk in set(range(max(min(ids) - 3, 1), max(ids) + 3)) - own_ids:
            url = reverse(name, kwargs={"tenant_id": world.tenant.public_id, "pk": pk})
            assert client.post(url).status_code == 404, (name, pk)

    assert snapshot() == before


def test_join_with_someone_elses_invitation_id_is_404(client, world):
    client.force_login(world.invitee)
    before = snapshot()
    response = client.post(reverse("invitations:join", kwargs={"pk": world.other_invitation.pk}))
    assert response.status_code == 404
    assert snapshot() == before


def test_outsider_using_their_own_ids_under_the_victims_tenant_is_404(client, world):
    # The outsider is an admin elsewhere: their power does not travel with the URL.
    client.force_login(world.outsider)
    before = snapshot()
    for name, attribute in [("members:remove", "target"), ("tenant_invitations:revoke", "pending")]:
        url = reverse(
            name, kwargs={"tenant_id": world.tenant.public_id, "pk": getattr(world, attribute).pk}
        )
        assert client.post(url).status_code == 404
    assert snapshot() == before
