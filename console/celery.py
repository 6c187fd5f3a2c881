"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from console import observability

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **kwargs):
    """Between tasks, as Django does between requests: close a database
    connection that broke or outlived ``CONN_MAX_AGE``; keep a healthy one
    (``CELERY_DB_REUSE_MAX`` stops Celery from closing every connection)."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # run in-process (no broker): the request or the test owns the connection
    from django.db import close_old_connections

    close_old_connections()


# Logs: the worker and beat use Django's LOGGING (JSON lines) instead of
# Celery's own format; the request id travels in each task's headers.
@setup_logging.connect
def use_django_logging(**kwargs):
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


before_task_publish.connect(observability.carry_request_id_into_task, weak=False)
task_prerun.connect(observability.task_started, weak=False)
task_postrun.connect(observability.task_finished, weak=False)
