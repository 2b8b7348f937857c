"""Signed webhooks to a real HTTP receiver; failures retried with backoff and logged."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from redress.notifications import channels
from redress.notifications.channels import sign, verify_signature
from redress.notifications.choices import DeliveryStatus
from redress.notifications.models import WebhookDelivery, WebhookEndpoint
from redress.notifications.services import notify, retry_due_webhooks


@pytest.fixture
def endpoint(webhook_receiver):
    return WebhookEndpoint.objects.create(
        name="core banking", url=webhook_receiver.url, events=["case.escalated"], secret="s3cret"
    )


def escalate(bank, case, key="escalated:1", event="case.escalated"):
    return notify(
        event,
        case=case,
        recipients=[bank.branch_group],
        subject="案件升级至分行工作小组",
        body="同一问题三人以上投诉。",
        dedupe_key=key,
        data={"trigger": "group", "amount": 50000},
    )


def test_the_receiver_gets_a_signed_post_after_commit(
    bank, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    case = bank.register()
    with django_capture_on_commit_callbacks(execute=True):
        escalate(bank, case)
        assert webhook_receiver.requests == []

    [request] = webhook_receiver.requests
    delivery = WebhookDelivery.objects.get()
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-redress-event"] == "case.escalated"
    assert headers["x-redress-delivery"] == str(delivery.uuid)
    assert headers["content-type"].startswith("application/json")
    assert verify_signature(
        "s3cret", headers["x-redress-timestamp"], request.body, headers["x-redress-signature"]
    )
    body = request.json()
    assert body["id"] == str(delivery.uuid)
    assert body["case"] == {"number": case.number}
    assert body["data"] == {"trigger": "group", "amount": 50000, "case_number": case.number}
    assert body["recipients"] == ["branch_group"]
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 1, 204)
    assert delivery.attempt_log.get().response_code == 204


def test_one_http_client_per_process_made_anew_after_a_fork(monkeypatch):
    """A new client costs ~70 ms (its TLS context), most of a webhook's time: kept for the process; a forked
    pool child (another pid) must not use its parent's connections."""
    assert channels.http_client() is channels.http_client()
    parent = channels.http_client()
    monkeypatch.setattr(channels.os, "getpid", lambda: -1)
    child = channels.http_client()
    assert child is not parent and channels.http_client() is child


def test_endpoints_get_only_the_events_they_subscribe_to(bank, endpoint, webhook_receiver):
    WebhookEndpoint.objects.create(name="all", url=webhook_receiver.url, events=["*"])
    WebhookEndpoint.objects.create(name="off", url=webhook_receiver.url, events=["*"], active=False)
    escalate(bank, bank.register(), event="clock.warning")
    assert list(WebhookDelivery.objects.values_list("endpoint__name", flat=True)) == ["all"]


def test_a_failing_receiver_is_retried_with_backoff_and_logged(
    bank, endpoint, webhook_receiver, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_RETRY_DELAYS = [60, 300, 1800]
    webhook_receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        escalate(bank, bank.register())
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.last_error.startswith("HTTP 500")

    first_gap = delivery.next_attempt_at - delivery.attempt_log.get().attempted_at
    assert first_gap == dt.timedelta(seconds=60)

    gaps = []
    for _ in range(3):
        due = delivery.next_attempt_at
        assert retry_due_webhooks(now=due - dt.timedelta(seconds=1)) == 0
        assert retry_due_webhooks(now=due) == 1
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            gaps.append((delivery.next_attempt_at - due).total_seconds())
    assert gaps == [300, 1800]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 4, None)
    assert len(webhook_receiver.requests) == 4
    assert list(delivery.attempt_log.values_list("response_code", flat=True)) == [500, 500, 500, 500]

    # Each attempt is signed afresh: same delivery id, new timestamp.
    ids = {r.headers["X-Redress-Delivery"] for r in webhook_receiver.requests}
    assert ids == {str(delivery.uuid)}


def test_a_receiver_that_recovers_gets_the_delivery_once(
    bank, endpoint, webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        escalate(bank, bank.register())
    delivery = WebhookDelivery.objects.get()
    webhook_receiver.status = 200
    retry_due_webhooks(now=delivery.next_attempt_at)
    retry_due_webhooks(now=delivery.next_attempt_at + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 2, 200)
    assert [r.headers["X-Redress-Delivery"] for r in webhook_receiver.requests] == [str(delivery.uuid)] * 2


def test_an_unreachable_receiver_is_logged_without_a_code(bank, django_capture_on_commit_callbacks):
    from redress.notifications.testing import free_port

    WebhookEndpoint.objects.create(name="gone", url=f"http://127.0.0.1:{free_port()}/", events=["*"])
    with django_capture_on_commit_callbacks(execute=True):
        escalate(bank, bank.register())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.response_code is None
    assert "ConnectError" in delivery.attempt_log.get().error


def test_verify_signature_rejects_tampering_other_secrets_and_old_timestamps():
    body = json.dumps({"event": "case.escalated"}).encode()
    now = timezone.now().timestamp()
    ts = str(int(now))
    header = sign("s3cret", ts, body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature("s3cret", ts, body, header, now=now)
    assert not verify_signature("s3cret", ts, body + b" ", header, now=now)
    assert not verify_signature("other", ts, body, header, now=now)
    assert not verify_signature("s3cret", str(int(now) + 1), body, header, now=now)
    assert not verify_signature("s3cret", ts, body, header, now=now + 301)
    assert verify_signature("s3cret", ts, body, header, now=now + 299)
    assert not verify_signature("s3cret", "yesterday", body, header, now=now)


def test_an_administrator_gives_a_failed_delivery_one_more_attempt(bank, endpoint, webhook_receiver, client):
    from django.urls import reverse

    from redress.testing import PASSWORD

    escalate(bank, bank.register())
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED, attempts=6, next_attempt_at=None)
    assert client.login(username=bank.admin.username, password=PASSWORD)
    delivery = WebhookDelivery.objects.get()
    response = client.post(
        reverse("admin:notifications_webhookdelivery_changelist"),
        {"action": "_retry_now", "_selected_action": [delivery.id]},
    )
    assert response.status_code == 302
    assert retry_due_webhooks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 7)
    assert len(webhook_receiver.requests) == 1
