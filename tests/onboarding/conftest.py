import pytest

from invitations import tokens
from tests import factories


@pytest.fixture
def invitation_in_session(client, db):
    """A Pending invitation whose link was opened in this client's session."""
    invitation = factories.InvitationFactory(email="invitee@example.com")
    session = client.session
    session[tokens.SESSION_KEY] = factories.invitation_link_token(invitation)
    session.save()
    return invitation
