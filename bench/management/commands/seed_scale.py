"""Fill the database with realistic data at scale, quickly (bulk inserts).

    python manage.py seed_scale --members 1000 --invitations 10000 --tenants 1000

Creates one large tenant ("Scale Co", admin ``admin@scale.example``) with the
given members and invitations spread over every status, and many small
tenants with one admin each. Everyone's password is ``--password``.
"""

import itertools
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from console.accounts.models import User
from invitations import tokens
from invitations.models import EmailStatus, Invitation, InvitationStatus
from members.models import Membership, Role
from tenants.models import Plan, Tenant, TenantType
from tenants.policies import invitation_lifetime

BATCH = 2000
ADMIN_EMAIL = "admin@scale.example"
OPERATOR_EMAIL = "operator@scale.example"
SEARCH_ADMIN_EMAIL = "admin@search.example"
# Search Co's people: every first name with every last name, so a search for
# one last name ("lovelace") matches 1 member in len(LAST_NAMES).
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Guido",
    "Hedy",
    "Ivan",
    "Jean",
    "Ken",
]
LAST_NAMES = [
    "Allen",
    "Babbage",
    "Backus",
    "Cerf",
    "Dijkstra",
    "Floyd",
    "Hamilton",
    "Hoare",
    "Hopper",
    "Kay",
    "Knuth",
    "Lamarr",
    "Lamport",
    "Liskov",
    "Lovelace",
    "McCarthy",
    "Minsky",
    "Naur",
    "Perlis",
    "Ritchie",
    "Shannon",
    "Sutherland",
    "Thompson",
    "Turing",
    "Wirth",
]


def sent_invitation(*, tenant, email, role, status, invited_by, sent_at) -> Invitation:
    """An unsaved invitation whose email went out at ``sent_at`` (for bulk_create)."""
    salt, token_hash = tokens.new_link()
    return Invitation(
        tenant=tenant,
        email=email,
        role=role,
        status=status,
        invited_by=invited_by,
        created_at=sent_at,
        sent_at=sent_at,
        expires_at=sent_at + invitation_lifetime(),
        link_salt=salt,
        token_hash=token_hash,
        email_status=EmailStatus.SENT,
        email_attempts=1,
        email_sent_at=sent_at,
    )


class Command(BaseCommand):
    help = "Create a large tenant and many small ones with bulk inserts (for benchmarks and demos)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1000)
        parser.add_argument("--invitations", type=int, default=10000)
        parser.add_argument("--tenants", type=int, default=1000)
        parser.add_argument("--password", default="bench-password-123")
        parser.add_argument(
            "--search-members",
            type=int,
            default=0,
            help="also a tenant this large for the search benchmark (Search Co)",
        )

    @transaction.atomic
    def handle(self, *args, members, invitations, tenants, password, search_members=0, **options):
        now = timezone.now()
        password_hash = make_password(password)  # hashed once, shared: hashing is slow by design

        big = Tenant.objects.create(name="Scale Co", type=TenantType.PRODUCTION, plan=Plan.PRO)
        admin = User.objects.create(email=ADMIN_EMAIL, name="Scale Admin", password=password_hash)
        people = User.objects.bulk_create(
            (
                User(email=f"member{i}@scale.example", name=f"Member {i}", password=password_hash)
                for i in range(1, members)
            ),
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            itertools.chain(
                [Membership(user=admin, tenant=big, role=Role.ADMIN)],
                (
                    Membership(
                        user=user, tenant=big, role=Role.ADMIN if i % 50 == 0 else Role.COLLABORATOR
                    )
                    for i, user in enumerate(people)
                ),
            ),
            batch_size=BATCH,
        )

        statuses = [
            InvitationStatus.PENDING,
            InvitationStatus.ACCEPTED,
            InvitationStatus.EXPIRED,
            InvitationStatus.REVOKED,
        ]

        def invitation(i):
            status = statuses[i % len(statuses)]
            sent_at = now - timedelta(minutes=i)
            if status == InvitationStatus.EXPIRED:
                sent_at = now - invitation_lifetime() - timedelta(days=1, minutes=i)
            return sent_invitation(
                tenant=big,
                email=f"invitee{i}@elsewhere.example",
                role=Role.COLLABORATOR if i % 5 else Role.ADMIN,
                status=status,
                invited_by=admin,
                sent_at=sent_at,
            )

        Invitation.objects.bulk_create(
            (invitation(i) for i in range(invitations)), batch_size=BATCH
        )

        small = Tenant.objects.bulk_create(
            (Tenant(name=f"Small tenant {i}") for i in range(tenants)), batch_size=BATCH
        )
        owners = User.objects.bulk_create(
            (
                User(email=f"owner{i}@small.example", name=f"Owner {i}", password=password_hash)
                for i in range(tenants)
            ),
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            (
                Membership(user=u, tenant=t, role=Role.ADMIN)
                for u, t in zip(owners, small, strict=True)
            ),
            batch_size=BATCH,
        )
        if search_members:
            seed_search_tenant(search_members, password_hash, now)
        # The Django admin of the same memberships, as the benchmark's peer.
        User.objects.create(
            email=OPERATOR_EMAIL,
            name="Scale Operator",
            password=password_hash,
            is_staff=True,
            is_superuser=True,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale Co ({big.public_id}): {members} members, {invitations} invitations; "
                f"{tenants} small tenants. Sign in as {ADMIN_EMAIL} / {password}."
            )
        )


def seed_search_tenant(members: int, password_hash: str, now) -> Tenant:
    """Search Co: ``members`` members with varied names and emails, and half as
    many invitations, administered by ``admin@search.example`` (bench searches)."""
    tenant = Tenant.objects.create(name="Search Co", type=TenantType.PRODUCTION, plan=Plan.PRO)
    admin = User.objects.create(
        email=SEARCH_ADMIN_EMAIL, name="Search Admin", password=password_hash
    )

    def person(i):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[i % len(LAST_NAMES)]  # 14 and 25 are coprime: every pair
        return User(
            email=f"{first.lower()}.{last.lower()}{i}@search{i % 7}.example",
            name=f"{first} {last}",
            password=password_hash,
        )

    people = User.objects.bulk_create((person(i) for i in range(1, members)), batch_size=BATCH)
    Membership.objects.bulk_create(
        itertools.chain(
            [Membership(user=admin, tenant=tenant, role=Role.ADMIN)],
            (Membership(user=user, tenant=tenant, role=Role.COLLABORATOR) for user in people),
        ),
        batch_size=BATCH,
    )

    def invitation(i):
        # Seconds apart, so none is past expiry: the expiry benchmark's stale
        # rows stay its own.
        last = LAST_NAMES[i % len(LAST_NAMES)]
        return sent_invitation(
            tenant=tenant,
            email=f"{last.lower()}.invitee{i}@guests.example",
            role=Role.COLLABORATOR,
            status=InvitationStatus.ACCEPTED if i % 3 else InvitationStatus.PENDING,
            invited_by=admin,
            sent_at=now - timedelta(seconds=i),
        )

    Invitation.objects.bulk_create((invitation(i) for i in range(members // 2)), batch_size=BATCH)
    return tenant
