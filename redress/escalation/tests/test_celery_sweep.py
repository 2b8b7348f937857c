"""End to end through a real Celery worker on Redis: a breached clock becomes a supervision notice, the email
arrives at a real SMTP server and the webhook reaches a real receiver with a valid signature."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.escalation.models import SupervisionNotice
from redress.lifecycle.tasks import sweep_task
from redress.notifications.channels import verify_signature
from redress.notifications.models import WebhookEndpoint
from redress.notifications.testing import wait_until


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_breach_swept_by_the_worker_becomes_a_notice_an_email_and_a_signed_webhook(
    bank, celery_broker, webhook_receiver
):
    smtp = celery_broker.smtp
    WebhookEndpoint.objects.create(name="监管报送", url=webhook_receiver.url, events=["*"], secret="k3y")
    bank.teller.email = "teller@bank.test"
    bank.teller.save()
    # Received ten days ago: the three-working-day reply limit has run out.
    case = bank.register(received_at=timezone.now() - dt.timedelta(days=10))

    sweep_task.delay()

    arrived = wait_until(
        lambda: (
            SupervisionNotice.objects.filter(case=case).exists()
            and smtp.to("teller@bank.test")
            and webhook_receiver.requests
        ),
        timeout=30,
    )
    assert arrived, f"nothing arrived; worker log:\n{celery_broker.log_text()}"
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.issued_level == "sub_branch"
    [message] = smtp.to("teller@bank.test")
    assert case.number in message["Subject"]
    request = next(r for r in webhook_receiver.requests if r.json()["event"] == "clock_breached")
    assert verify_signature(
        "k3y", request.headers["X-Redress-Timestamp"], request.body, request.headers["X-Redress-Signature"]
    )
