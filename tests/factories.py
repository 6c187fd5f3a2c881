import factory
from django.utils import timezone

from console.accounts.models import User
from invitations import tokens
from invitations.models import Invitation, InvitationStatus
from members.models import Membership, Role
from tenants.models import Domain, Plan, Tenant, TenantType
from tenants.policies import invitation_lifetime

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """A usable account has a confirmed address; ``email_verified=False`` makes one
        that typed its address but never proved it (no Join, sent to confirm at sign-in)."""
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    type = TenantType.DEVELOPMENT
    plan = ""

    class Params:
        production_free = factory.Trait(type=TenantType.PRODUCTION, plan=Plan.FREE)
        pro = factory.Trait(type=TenantType.PRODUCTION, plan=Plan.PRO)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.COLLABORATOR


class AdminMembershipFactory(MembershipFactory):
    role = Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    """A Pending invitation sent now, by an admin of the same tenant."""

    class Meta:
        model = Invitation

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.COLLABORATOR
    status = InvitationStatus.PENDING
    invited_by = factory.LazyAttribute(lambda o: AdminMembershipFactory(tenant=o.tenant).user)
    sent_at = factory.LazyFunction(timezone.now)
    created_at = factory.SelfAttribute("sent_at")
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + invitation_lifetime())
    link_salt = factory.LazyFunction(tokens.new_link_salt)
    token_hash = factory.LazyAttribute(lambda o: tokens.token_hash(tokens.link_token(o.link_salt)))


def invitation_link_token(invitation: Invitation) -> str:
    """The secret that the invitation's current email carries."""
    return tokens.link_token(invitation.link_salt)


def give_two_step(user, secret: str = "JBSWY3DPEHPK3PXP"):
    """Turn on two-step verification (an authenticator app) for ``user``; returns the secret.

    The same rows allauth writes when the user scans the code and enters one.
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


class DomainFactory(factory.django.DjangoModelFactory):
    """An Unverified domain of a tenant; ``verified=True`` makes it Verified."""

    class Meta:
        model = Domain

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"company{n}.test")

    class Params:
        verified = factory.Trait(verified_at=factory.LazyFunction(timezone.now))
