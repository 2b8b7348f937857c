"""The database drops the sender's connection (a restart, a failover) after the message left but before the
row says so: the outcome is written once the database answers again, and the retry sweep sends nothing more
(the cluster's fault test saw a webhook delivered twice this way)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from redress.notifications.choices import DeliveryStatus
from redress.notifications.models import Delivery, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from redress.notifications.services import notify, retry_due
from redress.notifications.testing import drop_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class DropsTheSenderOnReceipt(list):
    """A receiver's inbox that ends the sender's database session as each message arrives."""

    def __init__(self, pid: int) -> None:
        super().__init__()
        self.pid = pid

    def append(self, item) -> None:
        super().append(item)
        drop_session(self.pid)


def tell(bank):
    # Outside any transaction: the hand-off runs at once, here (no broker), on this test's connection.
    return notify(
        "supervision.notice",
        case=bank.register(),
        recipients=[bank.province_group],
        subject="督办",
        body="请于三个工作日内办结。",
        dedupe_key="notice:1",
    )


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def test_a_webhook_whose_sender_lost_the_database_is_recorded_and_not_sent_again(bank, webhook_receiver):
    WebhookEndpoint.objects.create(name="core banking", url=webhook_receiver.url, events=["*"])
    connection.ensure_connection()
    webhook_receiver.requests = DropsTheSenderOnReceipt(connection.connection.info.backend_pid)

    tell(bank)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 1, 204)
    assert WebhookAttempt.objects.count() == 1
    assert retry_due(now=later()) == 0
    assert len(webhook_receiver.requests) == 1


def test_an_email_whose_sender_lost_the_database_is_recorded_and_not_sent_again(bank, smtp_server):
    bank.province_group.email = "province@bank.test"
    bank.province_group.save()
    connection.ensure_connection()
    smtp_server.messages = DropsTheSenderOnReceipt(connection.connection.info.backend_pid)

    tell(bank)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert retry_due(now=later()) == 0
    assert len(smtp_server.messages) == 1
