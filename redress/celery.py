"""Redress's Celery app: `celery -A redress worker` and `celery -A redress beat`.

See README and docs/notifications.md.

Configured from Django settings under the CELERY_ prefix. With no broker (REDRESS_BROKER_URL unset, the
embedded setup) nothing is queued: redress.notifications sends inline after commit instead.
"""

import os

from celery import Celery
from celery.signals import task_received, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")

app = Celery("redress")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks` modules in the installed apps (redress.notifications.tasks, redress.lifecycle.tasks).
app.autodiscover_tasks()

# The worker's stall watch, once its consumer is ready (in the worker's main process only).
_watch: dict = {}


@worker_ready.connect
def _watch_for_a_stall(sender, **_) -> None:
    """A worker alive but no longer consuming stops, for its supervisor to start anew
    (redress.common.worker_watch)."""
    from django.conf import settings

    from redress.common import worker_watch

    queues = [queue.name for queue in sender.app.amqp.queues.consume_from.values()]
    _watch["stall"] = worker_watch.start(sender.app, queues, settings.WORKER_STALL_SECONDS)


@task_received.connect
def _task_received(**_) -> None:
    watch = _watch.get("stall")
    if watch is not None:
        watch.received()
