"""Named constants of notifications (R11.2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in the application")
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


# Channels that leave the building through a Delivery row; in-app is the Notification itself.
OUTBOUND_CHANNELS = (Channel.EMAIL, Channel.SMS)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    # Gave up after the last retry; an administrator may retry it from the admin site.
    FAILED = "failed", _("failed")


# Subscribes a webhook endpoint to every event.
ALL_EVENTS = "*"
