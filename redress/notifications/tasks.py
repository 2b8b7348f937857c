"""Celery tasks of notifications. They take ids and re-check the row, so running one twice sends once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings

from redress.celery import app

from . import channels

logger = logging.getLogger(__name__)


@app.task(name="redress.notifications.deliver")
def deliver(delivery_id: int) -> bool:
    return channels.send_delivery(delivery_id)


@app.task(name="redress.notifications.deliver_webhook")
def deliver_webhook(webhook_delivery_id: int) -> bool:
    return channels.send_webhook(webhook_delivery_id)


@app.task(name="redress.notifications.retry_webhooks")
def retry_webhooks() -> int:
    """Beat's every-minute retry of due email, SMS and webhook deliveries (the name predates email/SMS)."""
    from .services import retry_due

    return retry_due()


def send(
    delivery_ids: Iterable[int] = (),
    webhook_delivery_ids: Iterable[int] = (),
    *,
    now: dt.datetime | None = None,
) -> None:
    """Hands the deliveries to the worker, or sends them here when there is no broker (the embedded setup).

    Called after commit. A row that could not be handed over stays due and the next retry sweep sends it.
    `now` is the sweep's clock for inline sends; a worker reads its own.
    """
    jobs = [(deliver, i) for i in delivery_ids] + [(deliver_webhook, i) for i in webhook_delivery_ids]
    if not settings.CELERY_BROKER_URL:
        senders = {deliver: channels.send_delivery, deliver_webhook: channels.send_webhook}
        for task, row_id in jobs:
            try:
                senders[task](row_id, now=now)
            except Exception:
                logger.exception("sending %s(%s) failed; the retry sweep will try again", task.name, row_id)
        return
    for task, row_id in jobs:
        try:
            task.apply_async((row_id,), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception:
            logger.exception("could not queue %s(%s); the retry sweep will send it", task.name, row_id)
            return
