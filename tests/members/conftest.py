import pytest

from members.models import Membership


@pytest.fixture
def membership_rows():
    """Every membership as (pk, user, tenant, role): compare before/after a refused action."""

    def rows():
        return list(
            Membership.objects.order_by("pk").values_list("pk", "user_id", "tenant_id", "role")
        )

    return rows
