"""Every existing account gets its login address as a primary, unconfirmed EmailAddress.

Nobody proved their address before allauth, so none is marked confirmed:
each person confirms with a code at their next sign-in, and until then sees
no pending invitations (Join needs a confirmed address).
"""

from django.db import migrations
from django.db.models.functions import Lower


def add_email_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    have_one = EmailAddress.objects.values("user_id")
    missing = User.objects.exclude(pk__in=have_one).annotate(address=Lower("email"))
    batch = []
    for user_id, address in missing.values_list("pk", "address").iterator(chunk_size=2000):
        batch.append(EmailAddress(user_id=user_id, email=address, primary=True, verified=False))
        if len(batch) >= 2000:
            EmailAddress.objects.bulk_create(batch)
            batch = []
    EmailAddress.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(add_email_addresses, migrations.RunPython.noop, elidable=True),
    ]
