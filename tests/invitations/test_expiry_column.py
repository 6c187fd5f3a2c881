"""Accepted and Revoked invitations have no expiry date on the Invitations tab:
their link no longer works whatever the date, so "6 days from now" would mislead."""

import pytest

from invitations.models import InvitationStatus
from tests import factories
from tests.invitations.conftest import list_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [InvitationStatus.ACCEPTED, InvitationStatus.REVOKED])
def test_accepted_and_revoked_rows_show_no_expiry(admin_client, tenant, admin, status):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    page = admin_client.get(list_url(tenant)).content.decode()
    assert invitation.email in page
    assert "from now" not in page
    assert invitation.expires_at.isoformat() not in page
    assert 'aria-label="No expiry">—</span>' in page
    assert " · expires " not in page  # nor in the phone layout


@pytest.mark.parametrize("status", [InvitationStatus.PENDING, InvitationStatus.EXPIRED])
def test_pending_and_expired_rows_keep_their_expiry(admin_client, tenant, admin, status):
    invitation = factories.InvitationFactory(tenant=tenant, invited_by=admin, status=status)
    page = admin_client.get(list_url(tenant)).content.decode()
    assert f'<time datetime="{invitation.expires_at.isoformat()}"' in page
    assert " · expires " in page
    assert 'aria-label="No expiry"' not in page
