"""Celery tasks for tenants: thin; the rules live in services."""

import logging

from celery import shared_task

from tenants import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def purge_old_activity() -> int:
    """Beat: delete activity entries older than ACTIVITY_RETENTION_DAYS (bounded batches)."""
    count = services.activity_purge_old()
    if count:
        logger.info("Purged %d activity entries past the retention", count)
    return count
