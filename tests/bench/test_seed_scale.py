import pytest
from django.core.management import call_command

from invitations.models import Invitation, InvitationStatus
from members.models import Membership
from tenants.models import Tenant


@pytest.mark.django_db
def test_seed_scale_fills_a_large_tenant_and_many_small_ones():
    call_command("seed_scale", members=40, invitations=200, tenants=30, verbosity=0)
    big = Tenant.objects.get(name="Scale Co")
    assert Membership.objects.filter(tenant=big).count() == 40
    assert Invitation.objects.filter(tenant=big).count() == 200
    counts = {
        s: Invitation.objects.filter(tenant=big, status=s).count() for s in InvitationStatus.values
    }
    assert set(counts.values()) == {50}  # every status, evenly
    assert Tenant.objects.count() == 31
    assert (
        Membership.objects.filter(tenant__name__startswith="Small tenant", role="admin").count()
        == 30
    )
    # expired rows really are past their expiry, pending ones are not
    assert not Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=big.created_at
    ).exists()


@pytest.mark.django_db
def test_seed_scale_adds_a_search_tenant_and_an_operator():
    from console.accounts.models import User

    call_command("seed_scale", members=5, invitations=8, tenants=2, search_members=60, verbosity=0)
    search = Tenant.objects.get(name="Search Co")
    assert Membership.objects.filter(tenant=search).count() == 60
    assert Invitation.objects.filter(tenant=search).count() == 30
    # One last name in 25: the benchmark's search for it is selective but not empty.
    assert Membership.objects.filter(tenant=search, user__name__icontains="lovelace").count() == 2
    assert Invitation.objects.filter(tenant=search, email__icontains="lovelace").count() == 1
    assert search.memberships.get(user__email="admin@search.example").role == "admin"
    operator = User.objects.get(email="operator@scale.example")
    assert operator.is_staff and operator.is_superuser


@pytest.mark.django_db
def test_the_search_tenant_adds_no_stale_pending_invitation():
    # The expiry benchmark counts every stale Pending invitation in the database;
    # 10,200 invitations a minute apart would reach back past the 7 days.
    from django.utils import timezone

    call_command(
        "seed_scale", members=2, invitations=0, tenants=0, search_members=20_400, verbosity=0
    )
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).exists()
    assert not Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=timezone.now()
    ).exists()
