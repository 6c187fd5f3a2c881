"""invitation_create_bulk: which addresses can be invited, all or none."""

import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invitations import tokens
from invitations.exceptions import InvitationsRefused
from invitations.models import EmailStatus, Invitation, InvitationStatus
from invitations.services import invitation_create_bulk, invite_check
from members.models import Role
from tenants.actors import Actor
from tenants.models import ActivityEvent
from tenants.policies import invitation_lifetime
from tests import factories

pytestmark = pytest.mark.django_db


def invite(tenant, inviter, emails, role=Role.COLLABORATOR):
    return invitation_create_bulk(
        tenant=tenant, actor=Actor.member(inviter), emails=emails, role=role
    )


def test_invite_creates_pending_invitations_with_a_week_to_accept(
    tenant, admin, on_commit, mailoutbox
):
    before = timezone.now()
    with on_commit():
        created = invite(tenant, admin, ["ana@example.com", "li@example.com"])
    assert [i.email for i in created] == ["ana@example.com", "li@example.com"]
    for invitation in Invitation.objects.filter(tenant=tenant):
        assert invitation.status == InvitationStatus.PENDING
        assert invitation.role == Role.COLLABORATOR
        assert invitation.invited_by == admin
        assert invitation.sent_at >= before
        assert invitation.expires_at == invitation.sent_at + invitation_lifetime()
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.com", "li@example.com"]


def test_invite_records_the_send_as_queued_before_commit(tenant, admin, mailoutbox):
    # given no commit yet (the test transaction is still open)
    invite(tenant, admin, ["ana@example.com"])
    # then the send is recorded and nothing went out
    assert Invitation.objects.get().email_status == EmailStatus.QUEUED
    assert mailoutbox == []


def test_addresses_are_trimmed_lower_cased_and_duplicates_folded(tenant, admin):
    created = invite(tenant, admin, ["  Ana@Example.COM", "ana@example.com", "ANA@example.com "])
    assert [i.email for i in created] == ["ana@example.com"]


def test_each_invitation_gets_its_own_link(tenant, admin):
    created = invite(tenant, admin, ["a@example.com", "b@example.com"])
    assert created[0].token_hash != created[1].token_hash
    for invitation in created:
        assert invitation.token_hash == tokens.token_hash(tokens.link_token(invitation.link_salt))


def test_not_an_email_is_refused_naming_the_address_and_nothing_is_created(tenant, admin):
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, ["ana@example.com", "not-an-email"])
    assert refused.value.address_errors == {
        "not-an-email": "“not-an-email” is not an email address."
    }
    assert not Invitation.objects.exists()


def test_existing_member_is_refused_as_already_a_member(tenant, admin, collaborator):
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, [collaborator.email.upper()])
    assert list(refused.value.address_errors.values()) == [
        f"{collaborator.email} is already a member."
    ]
    assert not Invitation.objects.exists()


def test_address_with_pending_invitation_is_refused(tenant, admin, invitation):
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, ["INVITEE@example.com"])
    assert list(refused.value.address_errors.values()) == [
        "invitee@example.com already has a pending invitation."
    ]
    assert Invitation.objects.count() == 1


def test_pending_invitation_past_expiry_does_not_block_and_is_marked_expired(
    tenant, admin, invitation
):
    invitation.expires_at = timezone.now() - invitation_lifetime()
    invitation.save()
    created = invite(tenant, admin, ["invitee@example.com"])
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert created[0].status == InvitationStatus.PENDING


def test_pending_invitation_in_another_tenant_does_not_block(tenant, admin):
    factories.InvitationFactory(email="ana@example.com")
    assert invite(tenant, admin, ["ana@example.com"])


def test_one_bad_address_refuses_the_whole_submission(tenant, admin, collaborator, invitation):
    with pytest.raises(InvitationsRefused) as refused:
        invite(
            tenant, admin, ["good@example.com", "bad@", collaborator.email, "invitee@example.com"]
        )
    assert len(refused.value.address_errors) == 3
    assert Invitation.objects.count() == 1  # only the fixture's


def test_more_than_1000_addresses_are_refused(pro_tenant, pro_admin):
    with pytest.raises(InvitationsRefused) as refused:
        invite(pro_tenant, pro_admin, [f"u{i}@example.com" for i in range(1001)])
    assert "at most 1,000 addresses" in refused.value.errors[0]
    assert not Invitation.objects.exists()


def test_1000_addresses_are_accepted_on_pro(pro_tenant, pro_admin):
    assert len(invite(pro_tenant, pro_admin, [f"u{i}@example.com" for i in range(1000)])) == 1000


def test_development_limit_is_refused_naming_the_limit(tenant, admin, collaborator):
    # given 2 of 3 seats used
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, ["a@example.com", "b@example.com"])
    assert refused.value.errors == [
        "This Development tenant is limited to 3 members (2 used, counting pending invitations), "
        "so you can invite 1 more, not 2. Remove someone or ask an operator to raise the limit."
    ]
    assert not Invitation.objects.exists()


def test_pending_invitations_count_toward_the_limit(tenant, admin, invitation):
    invite(tenant, admin, ["a@example.com"])  # 1 member + 2 pending = 3
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, ["b@example.com"])
    assert "limited to 3 members (3 used" in refused.value.errors[0]


def test_operator_raised_limit_allows_more(tenant, admin):
    tenant.member_limit_override = 10
    tenant.save()
    assert len(invite(tenant, admin, [f"u{i}@example.com" for i in range(9)])) == 9


def test_production_free_cannot_invite_anyone(db):
    tenant = factories.TenantFactory(production_free=True)
    admin = factories.AdminMembershipFactory(tenant=tenant).user
    with pytest.raises(InvitationsRefused) as refused:
        invite(tenant, admin, ["ana@example.com"])
    assert refused.value.errors[0].startswith("Inviting members needs the Pro plan.")
    assert not Invitation.objects.exists()


def test_pro_can_invite_past_the_included_seats(pro_tenant, pro_admin):
    assert len(invite(pro_tenant, pro_admin, [f"u{i}@example.com" for i in range(5)])) == 5


def test_pro_cost_counts_only_seats_past_the_included_ones(pro_tenant, pro_admin):
    # given 1 member of 3 included: 2 free seats, then $8 each
    check = invite_check(tenant=pro_tenant, emails=[f"u{i}@example.com" for i in range(4)])
    assert check.added_monthly_cost == Decimal("16.00")


def test_unknown_role_is_refused(tenant, admin):
    with pytest.raises(InvitationsRefused):
        invite(tenant, admin, ["ana@example.com"], role="owner")
    assert not Invitation.objects.exists()


def _queries_for(tenant, inviter, count: int) -> list[str]:
    emails = [f"user{i}-{count}@example.com" for i in range(count)]
    with CaptureQueriesContext(connection) as captured:
        invite(tenant, inviter, emails)
    return [q["sql"] for q in captured.captured_queries]


def test_invite_queries_do_not_grow_with_the_number_of_addresses(db):
    """Breakdown: savepoint, lock tenant, expire stale, members IN, pending IN,
    count members, count pending, one INSERT of invitations, one INSERT of
    their activity entries, the webhook endpoints wanting them (the
    activity_recorded listener), advance the tenant's and the invitees' page
    versions (console/page_cache.py), release savepoint.

    SQLite caps a statement at 999 variables, so Django splits that one
    INSERT into batches there; on PostgreSQL it is a single statement.
    """
    small, large = factories.TenantFactory(pro=True), factories.TenantFactory(pro=True)
    small_admin = factories.AdminMembershipFactory(tenant=small).user
    large_admin = factories.AdminMembershipFactory(tenant=large).user

    five = _queries_for(small, small_admin, 5)
    five_hundred = _queries_for(large, large_admin, 500)

    def split(queries):
        inserts = [q for q in queries if q.lstrip().upper().startswith("INSERT")]
        return len(queries) - len(inserts), len(inserts)

    assert split(five)[0] == split(five_hundred)[0] <= 12
    if connection.vendor == "postgresql":
        assert len(five) == len(five_hundred)
    else:
        expected = 0
        for model in (Invitation, ActivityEvent):
            fields = len([f for f in model._meta.concrete_fields if not f.primary_key])
            expected += math.ceil(
                500 / connection.ops.bulk_batch_size([None] * fields, [None] * 500)
            )
        assert split(five_hundred)[1] == expected
