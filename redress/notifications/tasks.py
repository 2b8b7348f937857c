"""Celery tasks of notifications. They take ids and re-check the row, so running one twice sends once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from redress.celery import app

from . import channels
from .choices import DeliveryStatus
from .models import CustomerMessage, Delivery, WebhookDelivery

logger = logging.getLogger(__name__)


@app.task(name="redress.notifications.deliver")
def deliver(delivery_id: int) -> bool:
    return channels.send_delivery(delivery_id)


@app.task(name="redress.notifications.deliver_webhook")
def deliver_webhook(webhook_delivery_id: int) -> bool:
    return channels.send_webhook(webhook_delivery_id)


@app.task(name="redress.notifications.deliver_customer_message")
def deliver_customer_message(message_id: int) -> bool:
    return channels.send_customer_message(message_id)


@app.task(name="redress.notifications.retry_webhooks")
def retry_webhooks() -> int:
    """Beat's every-minute retry of due email, SMS and webhook deliveries (the name predates email/SMS)."""
    return retry_due()


def queued_until(now: dt.datetime) -> dt.datetime | None:
    """Until when a row handed to the queue now is the queue's: as long as a sender's claim (a task lost with
    a worker is sent by the retry sweep after that, as a claimed row whose sender died is). None: no queue."""
    if not settings.CELERY_BROKER_URL:
        return None
    return now + dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)


def _not_queued(jobs: list[tuple]) -> None:
    """The rows of `jobs` were not handed over after all: the next retry sweep takes them."""
    for task, model in (
        (deliver, Delivery),
        (deliver_webhook, WebhookDelivery),
        (deliver_customer_message, CustomerMessage),
    ):
        ids = [row_id for t, row_id in jobs if t is task]
        if ids:
            try:
                model.objects.filter(id__in=ids).update(queued_until=None)
            except Exception:  # the database away too: the rows' queueing lapses on its own
                logger.exception("could not mark %s rows as not queued", len(ids))


# After the broker refused or timed out a hand-off, this process leaves hand-offs to the retry sweep for this
# long (at most a sweep interval): a broker that hangs would otherwise cost every notifying request its
# timeouts, and with them the web workers.
BROKER_PAUSE_SECONDS = 10.0
_broker_failed_at: float | None = None


def send(
    delivery_ids: Iterable[int] = (),
    webhook_delivery_ids: Iterable[int] = (),
    customer_message_ids: Iterable[int] = (),
    *,
    now: dt.datetime | None = None,
) -> None:
    """Hands the deliveries to the worker, or sends them here when there is no broker (the embedded setup).

    Called after commit. A row that could not be handed over stays due and the next retry sweep sends it.
    `now` is the sweep's clock for inline sends; a worker reads its own.
    """
    global _broker_failed_at
    jobs = (
        [(deliver, i) for i in delivery_ids]
        + [(deliver_webhook, i) for i in webhook_delivery_ids]
        + [(deliver_customer_message, i) for i in customer_message_ids]
    )
    if not settings.CELERY_BROKER_URL:
        senders = {
            deliver: channels.send_delivery,
            deliver_webhook: channels.send_webhook,
            deliver_customer_message: channels.send_customer_message,
        }
        for task, row_id in jobs:
            try:
                senders[task](row_id, now=now)
            except Exception:
                logger.exception("sending %s(%s) failed; the retry sweep will try again", task.name, row_id)
        return
    pause = min(BROKER_PAUSE_SECONDS, settings.SWEEP_INTERVAL)
    if jobs and _broker_failed_at is not None and (since := time.monotonic() - _broker_failed_at) < pause:
        logger.info("the broker failed %.1f s ago: %s deliveries left to the retry sweep", since, len(jobs))
        _not_queued(jobs)
        return
    for n, (task, row_id) in enumerate(jobs):
        try:
            task.apply_async((row_id,), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception:
            _broker_failed_at = time.monotonic()
            logger.exception("could not queue %s(%s); the retry sweep will send it", task.name, row_id)
            _not_queued(jobs[n:])
            return
    _broker_failed_at = None


def forget_broker_failure() -> None:
    """Hand-offs go to the broker again at once (tests, between brokers)."""
    global _broker_failed_at
    _broker_failed_at = None


# A retry sweep hands over at most this many of each kind; the next minute takes the rest.
RETRY_BATCH = 500


def retry_due_webhooks(*, now: dt.datetime | None = None) -> int:
    """Sends (or hands to the worker) the webhook deliveries due for another attempt; returns how many."""
    now = now or timezone.now()
    ids = _due(WebhookDelivery, now)
    send(webhook_delivery_ids=ids, now=now)
    return len(ids)


def retry_due_deliveries(*, now: dt.datetime | None = None) -> int:
    """Sends (or hands to the worker) email and SMS deliveries due for another attempt; returns how many."""
    now = now or timezone.now()
    ids = _due(Delivery, now)
    send(delivery_ids=ids, now=now)
    return len(ids)


def retry_due_customer_messages(*, now: dt.datetime | None = None) -> int:
    """Sends (or hands to the worker) the messages to customers due for another attempt; returns how many."""
    now = now or timezone.now()
    ids = _due(CustomerMessage, now)
    send(customer_message_ids=ids, now=now)
    return len(ids)


def retry_due(*, now: dt.datetime | None = None) -> int:
    """What the sweeper (and beat's retry task) runs each minute: every due email, SMS, message to a
    customer and webhook."""
    return retry_due_deliveries(now=now) + retry_due_customer_messages(now=now) + retry_due_webhooks(now=now)


def _due(model, now: dt.datetime) -> list[int]:
    """The rows due for another attempt, marked as the queue's for a while when they go to a worker's queue.
    Rows a sender holds have next_attempt_at in the future (see channels._claim); rows waiting in the queue
    behind a backlog have queued_until in the future: neither is due."""
    ids = list(
        model.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(queued_until__isnull=True) | Q(queued_until__lte=now))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:RETRY_BATCH]
    )
    until = queued_until(now)
    if ids and until is not None:
        model.objects.filter(id__in=ids).update(queued_until=until)
    return ids
