"""End to end through a real Celery worker on Redis: notify → commit → the worker sends email and webhook."""

import pytest
from django.db import transaction

from redress.notifications.channels import verify_signature
from redress.notifications.choices import DeliveryStatus
from redress.notifications.models import Delivery, WebhookDelivery, WebhookEndpoint
from redress.notifications.services import notify
from redress.notifications.testing import wait_until


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_email_and_a_signed_webhook_after_commit(bank, celery_broker, webhook_receiver):
    smtp = celery_broker.smtp
    WebhookEndpoint.objects.create(
        name="core banking", url=webhook_receiver.url, events=["*"], secret="s3cret"
    )
    bank.province_group.email = "province@bank.test"
    bank.province_group.save()
    case = bank.register()

    with transaction.atomic():
        assert (
            notify(
                "supervision.notice",
                case=case,
                recipients=[bank.province_group],
                subject=f"督办 {case.number}",
                body="请于三个工作日内办结。",
                dedupe_key=f"notice:{case.id}:1",
            )
            == 1
        )

    arrived = wait_until(lambda: smtp.to("province@bank.test") and webhook_receiver.requests, timeout=20)
    assert arrived, f"nothing arrived; worker log:\n{celery_broker.log_text()}"
    [message] = smtp.to("province@bank.test")
    assert message["Subject"] == f"督办 {case.number}"
    [request] = webhook_receiver.requests
    assert verify_signature(
        "s3cret", request.headers["X-Redress-Timestamp"], request.body, request.headers["X-Redress-Signature"]
    )
    assert request.json()["event"] == "supervision.notice"
    assert wait_until(
        lambda: (
            Delivery.objects.get().status == DeliveryStatus.SENT
            and WebhookDelivery.objects.get().status == DeliveryStatus.SENT
        ),
        timeout=10,
    )
