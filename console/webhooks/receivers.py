"""The outbox writer: deliveries for each activity entry, in the entry's transaction."""

from django.dispatch import receiver

from console.webhooks import services
from tenants.activity import activity_recorded


@receiver(activity_recorded, dispatch_uid="webhooks.deliveries_for_events")
def write_deliveries(sender, events, **kwargs):
    services.deliveries_for_events(events=events)
