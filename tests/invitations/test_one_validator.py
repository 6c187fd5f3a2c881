"""The invite form and the service refuse the same input with the same words:
both call ``invitations.validators``, so a change there reaches both."""

import pytest
from django.core.exceptions import ValidationError

from invitations import validators
from invitations.forms import InviteForm
from invitations.services import invite_check
from members.models import Role

pytestmark = pytest.mark.django_db


def form_errors(emails: str) -> list[str]:
    form = InviteForm({"emails": emails, "role": Role.COLLABORATOR})
    assert not form.is_valid()
    return form.errors["emails"]


def test_the_form_and_the_service_share_the_submission_limit(tenant, monkeypatch):
    monkeypatch.setattr(validators, "MAX_ADDRESSES_PER_SUBMISSION", 2)
    addresses = ["a@example.com", "b@example.com", "c@example.com"]
    expected = "You can invite at most 2 addresses at a time; this list has 3."

    (form_error,) = form_errors(" ".join(addresses))
    (service_error,) = invite_check(tenant=tenant, emails=addresses).errors

    assert form_error == service_error
    assert form_error.startswith(expected)


def test_the_form_and_the_service_share_the_empty_message(tenant, monkeypatch):
    monkeypatch.setattr(validators, "NO_ADDRESS_MESSAGE", "Type an address.")

    assert form_errors(" , ; ") == ["Type an address."]
    assert invite_check(tenant=tenant, emails=[" "]).errors == ["Type an address."]


@pytest.mark.parametrize("typed", ["ana@[10.0.0.5]", "ana@localhost", "a" * 250 + "@example.com"])
def test_the_service_refuses_what_the_validator_refuses(tenant, typed):
    with pytest.raises(ValidationError):
        validators.validate_invitee_email(typed)
    check = invite_check(tenant=tenant, emails=[typed])
    assert check.address_errors == {typed: validators.not_an_address_message(typed)}
    assert check.addresses == []
