"""The outbox writer: deliveries for each activity entry, in the entry's transaction."""

from django.dispatch import receiver

from console.webhooks import selectors, services
from tenants.activity import activity_interest_register, activity_recorded

DISPATCH_UID = "webhooks.deliveries_for_events"


@receiver(activity_recorded, dispatch_uid=DISPATCH_UID)
def write_deliveries(sender, events, **kwargs):
    services.deliveries_for_events(events=events)


# The expiry job returns its new entries only when some endpoint wants them.
activity_interest_register(dispatch_uid=DISPATCH_UID, wants=selectors.any_endpoint_wants)
