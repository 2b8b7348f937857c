"""notify: one notification per person, deliveries the preferences allow, never twice, sent after commit."""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from redress.notifications.choices import Channel, DeliveryStatus
from redress.notifications.models import Delivery, Notification, NotificationPreference, WebhookDelivery
from redress.notifications.services import Message, notify, notify_many


@pytest.fixture
def reachable(bank):
    bank.handler.email = "handler@bank.test"
    bank.handler.phone = "13900000002"
    bank.handler.save()
    bank.outlet_head.email = "head@bank.test"
    bank.outlet_head.save()
    return bank


def tell(case, recipients, key="case-escalated:1", **extra):
    return notify(
        "case.escalated",
        case=case,
        recipients=recipients,
        subject="案件已升级",
        body="请于明日前处理。",
        dedupe_key=key,
        **extra,
    )


def test_writes_one_notification_per_recipient_and_a_delivery_per_reachable_channel(reachable):
    bank = reachable
    case = bank.register()
    assert tell(case, [bank.handler, bank.outlet_head, bank.teller]) == 3

    assert Notification.objects.filter(case=case, event="case.escalated").count() == 3
    deliveries = {(d.notification.recipient.username, d.channel, d.address) for d in Delivery.objects.all()}
    # The teller has neither email nor phone: in-app only.
    assert deliveries == {
        ("handler", Channel.EMAIL, "handler@bank.test"),
        ("handler", Channel.SMS, "13900000002"),
        ("outlet_head", Channel.EMAIL, "head@bank.test"),
    }


def test_the_same_event_is_never_delivered_twice(reachable):
    bank = reachable
    case = bank.register()
    with transaction.atomic():
        assert tell(case, [bank.handler]) == 1
    with transaction.atomic():
        assert tell(case, [bank.handler, bank.outlet_head]) == 1  # only the head is new
        assert tell(case, [bank.handler, bank.outlet_head]) == 0

    assert Notification.objects.filter(recipient=bank.handler).count() == 1
    assert Delivery.objects.filter(notification__recipient=bank.handler).count() == 2
    # A different key is a different event.
    assert tell(case, [bank.handler], key="case-escalated:2") == 1


def test_sent_after_commit_once(reachable, django_capture_on_commit_callbacks):
    bank = reachable
    case = bank.register()
    with django_capture_on_commit_callbacks(execute=True):
        tell(case, [bank.handler])
        assert mail.outbox == []  # nothing leaves before the commit
    with django_capture_on_commit_callbacks(execute=True):
        tell(case, [bank.handler])
    assert [m.to for m in mail.outbox] == [["handler@bank.test"]]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(
    reachable, django_capture_on_commit_callbacks
):
    bank = reachable
    case = bank.register()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(case, [bank.handler])
        raise RuntimeError("the escalation failed after notifying")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_preferences_turn_channels_off(reachable, django_capture_on_commit_callbacks):
    bank = reachable
    NotificationPreference.objects.create(staff=bank.handler, channel=Channel.SMS, enabled=False)
    NotificationPreference.objects.create(staff=bank.handler, channel=Channel.IN_APP, enabled=False)
    NotificationPreference.objects.create(staff=bank.outlet_head, channel=Channel.EMAIL, enabled=True)
    case = bank.register()
    with django_capture_on_commit_callbacks(execute=True):
        tell(case, [bank.handler, bank.outlet_head])

    assert list(
        Delivery.objects.filter(notification__recipient=bank.handler).values_list("channel", flat=True)
    ) == [Channel.EMAIL]
    assert not Notification.objects.get(recipient=bank.handler).in_app
    assert Notification.objects.get(recipient=bank.outlet_head).in_app
    assert sorted(m.to[0] for m in mail.outbox) == ["handler@bank.test", "head@bank.test"]


def test_the_staff_member_complained_about_is_never_told(bank):
    bank.subject.email = "subject@bank.test"
    bank.subject.save()
    case = bank.register(subject_staff="subject")
    assert tell(case, [bank.subject, bank.outlet_head]) == 1
    assert not Notification.objects.filter(recipient=bank.subject).exists()
    assert not Delivery.objects.filter(address="subject@bank.test").exists()


def test_inactive_staff_are_not_told(bank):
    bank.teller.is_active = False
    bank.teller.save()
    assert tell(bank.register(), [bank.teller]) == 0


def test_needs_a_dedupe_key(bank):
    with pytest.raises(ValueError, match="dedupe_key"):
        tell(bank.register(), [bank.handler], key="")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_notifying_at_once_deliver_once(reachable):
    bank = reachable
    case = bank.register()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with transaction.atomic():
                barrier.wait(5)
                results.append(tell(case, [bank.handler, bank.outlet_head], key="race"))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert sorted(results) == [0, 2]
    assert Notification.objects.filter(dedupe_key="race").count() == 2
    assert Delivery.objects.filter(dedupe_key="race").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_write_one_webhook_delivery(bank):
    from redress.notifications.models import WebhookEndpoint

    WebhookEndpoint.objects.create(name="core banking", url="http://127.0.0.1:9/", events=["*"])
    case = bank.register()
    barrier = threading.Barrier(2)

    def worker():
        with transaction.atomic():
            barrier.wait(5)
            tell(case, [], key="race-hook")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert WebhookDelivery.objects.filter(dedupe_key="race-hook").count() == 1


def test_a_batch_of_messages_keeps_each_cases_own_rules_on_who_is_told_what(reachable):
    # notify_many writes many cases' messages together: the person complained about in one case is not
    # told of it (R6), and a confidential case's text reaches only those handling it (R10.1), case by case.
    bank = reachable
    secret = bank.register(complainant_confidential=True, complainant_phone="13933330001")
    about_subject = bank.register(subject_staff="subject", complainant_phone="13933330002")
    confidential = Message(
        "case.escalated", secret, (bank.teller, bank.outlet_head), "案件", "机密内容。", "batch:1"
    )
    told = notify_many(
        [
            confidential,
            Message(
                "case.escalated", about_subject, (bank.subject, bank.outlet_head), "案件", "内容。", "batch:2"
            ),
        ]
    )
    assert told == 3
    bodies = {
        (n.case_id, n.recipient.username): n.body
        for n in Notification.objects.filter(dedupe_key__startswith="batch:").select_related("recipient")
    }
    assert bodies == {
        (secret.pk, "teller"): "机密内容。",
        (secret.pk, "outlet_head"): "",
        (about_subject.pk, "outlet_head"): "内容。",
    }
    assert Delivery.objects.filter(notification__case=secret, address="head@bank.test").exists()


def test_a_batch_needs_a_key_per_message(bank):
    case = bank.register()
    twice = [
        Message("e", case, (bank.handler,), "s", "b", "same"),
        Message("e", case, (bank.teller,), "s", "b", "same"),
    ]
    with pytest.raises(ValueError, match="its own dedupe_key"):
        notify_many(twice)
    assert not Notification.objects.exists()
