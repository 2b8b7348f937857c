"""Notifications (R11.2): what each person was told, on which channel, and what the bank's systems were sent.

Every row that leaves the building (Delivery, CustomerMessage, WebhookDelivery) is unique per event and
destination, so a repeated or concurrent `notify` cannot send twice, and carries its own retry state, so a
crash between commit and send is picked up by the next retry sweep.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.common.fields import EncryptedTextField

from .choices import ALL_EVENTS, Channel, DeliveryStatus


class Notification(models.Model):
    """One event told to one staff member; shown under the bell unless they turned in-app off."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    event = models.CharField(_("event"), max_length=64)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=255)
    # The notify() call that wrote the row: tells that call which rows are its own after
    # INSERT … ON CONFLICT DO NOTHING, which does not report them.
    batch = models.UUIDField(editable=False)
    in_app = models.BooleanField(_("shown in the application"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient"], name="notification_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.subject}"


class NotificationPreference(models.Model):
    """A staff member's choice for one channel. No row means the channel is on."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["staff", "channel"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.channel}: {'on' if self.enabled else 'off'}"


class _Outbound(models.Model):
    """The retry state of a message that leaves the building: claimed, sent or retried by
    `channels._transmit`, handed over again by the retry sweep (`tasks._due`)."""

    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Due now when written; moved ahead while a sender holds the row and after each failure (backoff).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Handed to the worker's queue and not yet taken by a sender: the retry sweep leaves the row alone until
    # then (a backlog is not a loss); a sender's claim clears it. NULL in the embedded setup (no queue).
    queued_until = models.DateTimeField(_("queued until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    # The gateway's message reference (SMS) or the Message-ID (email).
    provider_ref = models.CharField(_("reference"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class Delivery(_Outbound):
    """One notification sent on one outbound channel (email or SMS) to the address it had then."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    dedupe_key = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The notification is unique per (dedupe_key, recipient), so this is
            # (dedupe_key, recipient, channel).
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=DeliveryStatus.PENDING),
                name="delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address} ({self.status})"


def _new_secret() -> str:
    return secrets.token_hex(32)


class CustomerMessage(_Outbound):
    """A text message (SMS) to a case's customer — the reminder that an emergency verbal loss report lapses
    (P1 四(三)3) — kept with its retry state like a staff member's delivery: a gateway that fails leaves it
    due for the retry sweep, never lost. Number encrypted at rest; retention empties it and the text."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="customer_messages"
    )
    purpose = models.CharField(_("purpose"), max_length=64)
    # One message per purpose and occasion (e.g. one verbal loss report's reminder), whoever asks twice.
    dedupe_key = models.CharField(max_length=255, unique=True)
    address = EncryptedTextField(_("phone"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("message to the customer")
        verbose_name_plural = _("messages to customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=DeliveryStatus.PENDING),
                name="customer_message_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} of {self.case_id}"


class WebhookEndpoint(models.Model):
    """One of the bank's other systems, told of the events it subscribes to by signed POSTs."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=_new_secret,
        help_text=_("Shared with the receiver, which checks X-Redress-Signature with it."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_('Event names this endpoint receives; "*" for all.'),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event: str) -> bool:
        return ALL_EVENTS in self.events or event in self.events


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the delivery log, with its retry state."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64)
    dedupe_key = models.CharField(max_length=255)
    batch = models.UUIDField(editable=False)
    body = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Handed to the worker's queue and not yet taken by a sender: the retry sweep leaves the row alone until
    # then (a backlog is not a loss); a sender's claim clears it. NULL in the embedded setup (no queue).
    queued_until = models.DateTimeField(_("queued until"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "endpoint"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=DeliveryStatus.PENDING),
                name="webhook_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a webhook delivery and what came back: what an operator reads when a system complains."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(_("attempted at"))
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at}: {self.response_code or self.error}"


class NotificationAttachment(models.Model):
    """A file sent with every e-mail of one `notify` call (its batch): a daily report's workbook. Kept once
    for all its recipients; the in-app bell and SMS carry no file."""

    batch = models.UUIDField(editable=False, db_index=True)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=128)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notification attachment")
        verbose_name_plural = _("notification attachments")

    def __str__(self) -> str:
        return self.name
