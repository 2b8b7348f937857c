"""Email to a real SMTP server, SMS through the configured gateway, retries with backoff."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from redress.notifications import channels
from redress.notifications.choices import Channel, DeliveryStatus
from redress.notifications.models import Delivery
from redress.notifications.services import notify, retry_due
from redress.notifications.testing import free_port, smtp_mailers


def tell(bank, case, *recipients, key="k1"):
    return notify(
        "clock.breached",
        case=case,
        recipients=recipients,
        subject=f"{case.number} 已超时",
        body="答复时限已过，请立即处理。",
        dedupe_key=key,
        data={"clock": "reply"},
    )


def test_email_arrives_at_the_smtp_server_after_commit(
    bank, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://redress.bank.test"
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    case = bank.register()
    with django_capture_on_commit_callbacks(execute=True):
        tell(bank, case, bank.handler)
        assert smtp_server.messages == []

    [message] = smtp_server.to("handler@bank.test")
    assert message["Subject"] == f"{case.number} 已超时"
    assert message["X-Redress-Event"] == "clock.breached"
    text = message.get_content()
    assert "答复时限已过" in text
    assert f"https://redress.bank.test/cases/{case.number}" in text
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.provider_ref == message["Message-ID"]


def test_a_resent_email_carries_the_same_message_id_from_any_machine(
    bank, smtp_server, settings, django_capture_on_commit_callbacks
):
    """A sender that dies between the SMTP server's 250 and recording SENT lets the retry sweep send the row
    again (at-least-once, decision 0020): the repeat is the same message to the receiving mail system."""
    settings.DEFAULT_FROM_EMAIL = "Redress <redress@bank.test>"
    bank.handler.email = "handler@bank.test"
    bank.office.email = "office@bank.test"
    for person in (bank.handler, bank.office):
        person.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(bank, bank.register(), bank.handler, bank.office)
    delivery = Delivery.objects.get(address="handler@bank.test")
    # As a dead sender leaves it: claimed and sent, never recorded; the claim has run out.
    Delivery.objects.filter(id=delivery.id).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    assert retry_due() == 1

    first, again = smtp_server.to("handler@bank.test")
    [other] = smtp_server.to("office@bank.test")
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@bank.test>")
    delivery.refresh_from_db()
    assert delivery.provider_ref == first["Message-ID"]


def test_an_unreachable_mail_server_is_retried_with_backoff_then_given_up(
    bank, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = smtp_mailers("127.0.0.1", free_port())  # nobody listens
    settings.NOTIFICATION_RETRY_DELAYS = [60, 300]
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(bank, bank.register(), bank.handler)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "ConnectionRefusedError" in delivery.last_error
    first_retry = delivery.next_attempt_at
    assert dt.timedelta(seconds=55) < first_retry - timezone.now() <= dt.timedelta(seconds=60)

    assert retry_due(now=first_retry - dt.timedelta(seconds=1)) == 0  # not yet due
    assert retry_due(now=first_retry) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == first_retry + dt.timedelta(seconds=300)

    retry_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert retry_due(now=first_retry + dt.timedelta(days=1)) == 0


def test_sms_goes_through_the_log_gateway_by_default(bank, caplog, django_capture_on_commit_callbacks):
    bank.handler.phone = "13900000002"
    bank.handler.save()
    case = bank.register()
    with (
        caplog.at_level(logging.DEBUG, logger="redress.notifications.channels"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tell(bank, case, bank.handler)
    delivery = Delivery.objects.get(channel=Channel.SMS)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_ref.startswith("log-")
    # At DEBUG, and never the full number (logs carry no full personal data).
    assert f"SMS {delivery.provider_ref} to 139****0002: {case.number} 已超时" in caplog.text
    assert "13900000002" not in caplog.text


class RecordingGateway:
    sent: list = []

    def send(self, phone: str, text: str) -> str:
        RecordingGateway.sent.append((phone, text))
        return f"gw-{len(RecordingGateway.sent)}"


class BrokenGateway:
    def send(self, phone: str, text: str) -> str:
        raise ConnectionError("gateway down")


def test_sms_gateway_is_pluggable(bank, settings, django_capture_on_commit_callbacks):
    settings.SMS_GATEWAY = f"{__name__}.RecordingGateway"
    RecordingGateway.sent.clear()
    bank.handler.phone = "13900000002"
    bank.handler.save()
    case = bank.register()
    with django_capture_on_commit_callbacks(execute=True):
        tell(bank, case, bank.handler)
    assert RecordingGateway.sent == [("13900000002", f"{case.number} 已超时")]
    assert Delivery.objects.get().provider_ref == "gw-1"


def test_a_failing_gateway_leaves_the_sms_for_a_retry(bank, settings, django_capture_on_commit_callbacks):
    settings.SMS_GATEWAY = f"{__name__}.BrokenGateway"
    bank.handler.phone = "13900000002"
    bank.handler.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell(bank, bank.register(), bank.handler)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "ConnectionError: gateway down"


def test_an_unknown_gateway_is_a_configuration_error(settings):
    settings.SMS_GATEWAY = "redress.notifications.channels.NoSuchGateway"
    with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY"):
        channels.sms_gateway()


def test_a_delivery_is_sent_once_however_often_it_is_asked_for(
    bank, smtp_server, django_capture_on_commit_callbacks
):
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    tell(bank, bank.register(), bank.handler)  # no commit here: on_commit is not run
    delivery = Delivery.objects.get()
    assert channels.send_delivery(delivery.id) is True
    assert channels.send_delivery(delivery.id) is False
    assert retry_due() == 0
    assert len(smtp_server.messages) == 1


def test_the_retry_sweep_leaves_a_row_waiting_in_the_queue_until_its_queueing_lapses(
    bank, settings, monkeypatch
):
    # With a worker's queue, a row handed over is the queue's for as long as a sender's claim: a backlog is
    # not a loss, so the sweep does not hand it over again each minute; a row the queue lost is sent after.
    from redress.notifications import tasks

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    queued = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, **kw: queued.append(args[0]))
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    case = bank.register()
    now = timezone.now()
    tell(bank, case, bank.handler)
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    lapse = settings.NOTIFICATION_CLAIM_SECONDS
    assert delivery.queued_until == pytest.approx(
        now + dt.timedelta(seconds=lapse), abs=dt.timedelta(seconds=5)
    )

    assert retry_due(now=now + dt.timedelta(seconds=60)) == 0
    assert retry_due(now=delivery.queued_until + dt.timedelta(seconds=1)) == 1
    assert queued == [delivery.id]
    delivery.refresh_from_db()
    assert delivery.queued_until > now + dt.timedelta(seconds=lapse)  # the queue's again, for another while
    assert retry_due(now=delivery.queued_until - dt.timedelta(seconds=1)) == 0


def test_a_row_the_broker_would_not_take_is_the_next_sweeps(bank, settings, monkeypatch):
    from redress.notifications import tasks

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    tasks.forget_broker_failure()

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver, "apply_async", refuse)
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    case = bank.register()
    tell(bank, case, bank.handler)
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    tasks.send(delivery_ids=[delivery.id])
    tasks.forget_broker_failure()
    delivery.refresh_from_db()
    assert delivery.queued_until is None
    assert tasks._due(Delivery, timezone.now() + dt.timedelta(seconds=1)) == [delivery.id]


def test_a_sender_taking_the_row_ends_its_time_in_the_queue(bank, settings):
    settings.CELERY_BROKER_URL = ""
    bank.handler.email = "handler@bank.test"
    bank.handler.save()
    case = bank.register()
    tell(bank, case, bank.handler)
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    Delivery.objects.filter(id=delivery.id).update(queued_until=timezone.now() + dt.timedelta(minutes=5))
    assert channels._claim(Delivery, delivery.id, timezone.now())
    delivery.refresh_from_db()
    assert delivery.queued_until is None
