"""Redress's Celery app: `celery -A redress worker` and `celery -A redress beat`.

See README and docs/notifications.md.

Configured from Django settings under the CELERY_ prefix. With no broker (REDRESS_BROKER_URL unset, the
embedded setup) nothing is queued: redress.notifications sends inline after commit instead.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")

app = Celery("redress")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks` modules in the installed apps (redress.notifications.tasks, redress.lifecycle.tasks).
app.autodiscover_tasks()
