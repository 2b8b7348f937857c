"""Sending one delivery on its channel: email through Django's mail backends, SMS through a pluggable
gateway, webhooks as signed JSON POSTs. Each send claims its row first, so a row queued twice, or picked up
by a worker and by the retry sweep at once, is sent once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from redress.common.validators import mask_phone

from .choices import Channel, DeliveryStatus
from .models import CustomerMessage, Delivery, NotificationAttachment, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

# A row written by the web machine a moment ago is due for a worker whose clock runs a little behind.
CLOCK_SKEW_SECONDS = 5
# Recording a send stops retrying this long before the claim runs out and the retry sweep may take the row.
RECORD_MARGIN_SECONDS = 5
RECORD_RETRY_PAUSE_SECONDS = 0.5
# Receivers should refuse signatures older than this (replays).
SIGNATURE_TOLERANCE_SECONDS = 300


class SmsGateway(Protocol):
    """Sends one text message; returns the gateway's reference for it, raises on failure."""

    def send(self, phone: str, text: str) -> str: ...


class LogGateway:
    """The default gateway: writes the message to the debug log; the Delivery row records it as sent. The
    number is masked (logs never carry full personal data) and the line is DEBUG, so a demo's hundreds of
    historical messages do not flood the server's start-up."""

    def send(self, phone: str, text: str) -> str:
        reference = f"log-{uuid.uuid4().hex[:12]}"
        logger.debug("SMS %s to %s: %s", reference, mask_phone(phone), text)
        return reference


@lru_cache(maxsize=8)
def _gateway_class(path: str) -> type:
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_GATEWAY={path!r} cannot be imported: {exc}") from exc


def sms_gateway() -> SmsGateway:
    return _gateway_class(settings.SMS_GATEWAY)()


def next_attempt_after(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts; None once the retries are used up."""
    delays = settings.NOTIFICATION_RETRY_DELAYS
    if attempts > len(delays):
        return None
    return now + dt.timedelta(seconds=delays[attempts - 1])


def _claim(model, row_id: int, now: dt.datetime) -> bool:
    # A conditional update: of two senders racing for the row, exactly one sees a changed row.
    due_by = now + dt.timedelta(seconds=CLOCK_SKEW_SECONDS)
    return bool(
        model.objects.filter(id=row_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=due_by).update(
            next_attempt_at=now + dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS), queued_until=None
        )
    )


def _record(write: Callable[[], object], claimed: float, what: str) -> None:
    """Writes what a send did (`claimed`: time.monotonic() when the row was claimed). The message has left: if
    the database dropped the connection meanwhile (a restart, a failover), reconnect and write again while
    the claim holds, rather than leave the row to the retry sweep, which would send it a second time."""
    give_up = claimed + settings.NOTIFICATION_CLAIM_SECONDS - RECORD_MARGIN_SECONDS
    while True:
        try:
            write()
            return
        except (OperationalError, InterfaceError) as exc:
            # Inside a transaction (a test's) the connection cannot be replaced; past the claim another
            # sender may hold the row: the retry sweep's repeat (at-least-once) is then all that is left.
            if connection.in_atomic_block or time.monotonic() >= give_up:
                raise
            logger.warning("recording %s failed on the database connection (%s); retrying", what, exc)
            with contextlib.suppress(DatabaseError):
                connection.close()
            time.sleep(RECORD_RETRY_PAUSE_SECONDS)


def _failed(model, row_id: int, attempts: int, now: dt.datetime, error: str, **extra) -> None:
    retry_at = next_attempt_after(attempts, now)
    model.objects.filter(id=row_id).update(
        attempts=attempts,
        last_error=error[:2000],
        status=DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED,
        next_attempt_at=retry_at,
        **extra,
    )


def _transmit(model, row, now: dt.datetime, claimed: float, what: str, transmit: Callable[[], str]) -> bool:
    """Sends a claimed email, SMS or customer message through `transmit` (which returns the reference) and
    records the outcome: sent, or failed with its next attempt."""
    attempts = row.attempts + 1
    try:
        reference = transmit()
    except Exception as exc:
        logger.warning("%s failed (attempt %s): %s", what, attempts, exc)
        error = f"{type(exc).__name__}: {exc}"
        _record(lambda: _failed(model, row.id, attempts, now, error), claimed, f"a failed {what}")
        return False
    sent_at = timezone.now()
    _record(
        lambda: model.objects.filter(id=row.id).update(
            status=DeliveryStatus.SENT,
            attempts=attempts,
            sent_at=sent_at,
            next_attempt_at=None,
            last_error="",
            provider_ref=(reference or "")[:255],
        ),
        claimed,
        f"the sent {what}",
    )
    return True


def send_delivery(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Sends one email or SMS delivery if it is pending and due; True if it went out now."""
    now = now or timezone.now()
    if not _claim(Delivery, delivery_id, now):
        return False
    claimed = time.monotonic()
    delivery = Delivery.objects.select_related("notification").get(id=delivery_id)
    notification = delivery.notification

    def transmit() -> str:
        if delivery.channel == Channel.EMAIL:
            return _send_email(delivery, notification)
        if delivery.channel == Channel.SMS:
            return sms_gateway().send(delivery.address, _sms_text(notification))
        raise ValueError(f"no sender for channel {delivery.channel!r}")

    return _transmit(Delivery, delivery, now, claimed, f"{delivery.channel} delivery {delivery_id}", transmit)


def send_customer_message(message_id: int, *, now: dt.datetime | None = None) -> bool:
    """Sends one text message to a customer if it is pending and due; True if it went out now."""
    now = now or timezone.now()
    if not _claim(CustomerMessage, message_id, now):
        return False
    claimed = time.monotonic()
    message = CustomerMessage.objects.get(id=message_id)
    return _transmit(
        CustomerMessage,
        message,
        now,
        claimed,
        f"customer message {message_id}",
        lambda: sms_gateway().send(message.address, message.text),
    )


def message_id(delivery: Delivery, batch: uuid.UUID) -> str:
    """The email's Message-ID: the same on every attempt of one delivery, from any machine (the domain is the
    sender's, not the host's), so a repeat after a sender died between sending and recording is recognisable
    as the same message, as webhook receivers recognise X-Redress-Delivery."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "redress.invalid"
    return f"<redress.{batch.hex}.{delivery.id}@{domain}>"


def _send_email(delivery: Delivery, notification) -> str:
    address = delivery.address
    body = notification.body
    number = (notification.data or {}).get("case_number")
    if settings.SITE_URL and number:
        body = f"{body}\n\n{settings.SITE_URL}/cases/{number}"
    reference = message_id(delivery, notification.batch)
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Message-ID": reference, "X-Redress-Event": notification.event},
    )
    if notification.data.get("attachments"):  # only then a statement more
        for attached in NotificationAttachment.objects.filter(batch=notification.batch).order_by("pk"):
            message.attach(attached.name, bytes(attached.content), attached.content_type)
    mailers.default.send_messages([message])
    return reference


def _sms_text(notification) -> str:
    return notification.subject[:300]


def sign(secret: str, timestamp: str | int, body: bytes | str) -> str:
    """The X-Redress-Signature value: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret."""
    raw = body if isinstance(body, bytes) else body.encode()
    message = f"{timestamp}.".encode() + raw
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    *,
    tolerance: int | None = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """For receivers (and tests): the signature matches and the timestamp is recent (no replays)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if tolerance is not None and abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), header or "")


def encode_body(body: dict) -> bytes:
    # Compact and key-sorted: the exact bytes signed are the bytes sent.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


_http: tuple[int, httpx.Client] | None = None


def http_client() -> httpx.Client:
    """This process's HTTP client for webhooks. Building one costs ~70 ms (its TLS context): twenty times a
    POST to a nearby receiver, and most of a worker's time in a burst of webhooks. Made anew in a forked
    child (Celery's prefork pool), so no two processes share a connection."""
    global _http
    if _http is None or _http[0] != os.getpid():
        _http = (os.getpid(), httpx.Client(headers={"User-Agent": "Redress-Webhook/1"}))
    return _http[1]


def send_webhook(webhook_delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """POSTs one webhook delivery if it is pending and due; True if the receiver took it (2xx)."""
    now = now or timezone.now()
    if not _claim(WebhookDelivery, webhook_delivery_id, now):
        return False
    claimed = time.monotonic()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(id=webhook_delivery_id)
    endpoint = delivery.endpoint
    attempts = delivery.attempts + 1
    payload = encode_body(delivery.body)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Redress-Webhook/1",
        "X-Redress-Event": delivery.event,
        "X-Redress-Delivery": str(delivery.uuid),
        "X-Redress-Timestamp": timestamp,
        "X-Redress-Signature": sign(endpoint.secret, timestamp, payload),
    }
    code: int | None = None
    error = ""
    started = time.monotonic()
    try:
        response = http_client().post(
            endpoint.url, content=payload, headers=headers, timeout=settings.WEBHOOK_TIMEOUT
        )
        code = response.status_code
        if not response.is_success:
            error = f"HTTP {code}: {response.text[:500]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    if error:
        logger.warning(
            "webhook %s to %s failed (attempt %s): %s", delivery.uuid, endpoint.name, attempts, error
        )
    delivered_at = timezone.now()

    def write() -> None:
        # The attempt's log line and the outcome together: written again whole after a lost connection.
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=delivery, attempted_at=now, response_code=code, error=error, duration_ms=duration_ms
            )
            if error:
                _failed(WebhookDelivery, webhook_delivery_id, attempts, now, error, response_code=code)
                return
            WebhookDelivery.objects.filter(id=webhook_delivery_id).update(
                status=DeliveryStatus.SENT,
                attempts=attempts,
                response_code=code,
                last_error="",
                next_attempt_at=None,
                delivered_at=delivered_at,
            )

    _record(write, claimed, f"webhook delivery {delivery.uuid}")
    return not error
