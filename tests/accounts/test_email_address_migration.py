"""accounts.0002: existing accounts get a primary, unconfirmed EmailAddress."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps

from console.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "console.accounts.migrations.0002_email_addresses_for_existing_users"
)


def test_every_account_without_one_gets_an_unconfirmed_primary_address():
    legacy = User.objects.create_user("Legacy@Example.com", "x")  # no EmailAddress, as before
    User.objects.filter(pk=legacy.pk).update(email="Legacy@Example.com")  # an old mixed-case row
    confirmed = factories.UserFactory()  # already has its (confirmed) address

    migration.add_email_addresses(apps, None)

    address = EmailAddress.objects.get(user=legacy)
    assert (address.email, address.primary, address.verified) == ("legacy@example.com", True, False)
    assert EmailAddress.objects.get(user=confirmed).verified  # untouched
    migration.add_email_addresses(apps, None)  # running it again adds nothing
    assert EmailAddress.objects.count() == 2
