"""A broker that refuses connections or hangs when work is handed to it after commit: the change stands, the
deliveries wait (due) for the retry sweep, and the request is held seconds, not for as long as the broker
hangs (the Redis fault test: a stopped Redis held every web worker until it woke up)."""

import socket
import time
from collections.abc import Iterator

import pytest

from redress.notifications import tasks
from redress.notifications.choices import DeliveryStatus
from redress.notifications.models import Delivery
from redress.notifications.services import notify
from redress.notifications.testing import free_port, using_broker


@pytest.fixture
def hanging_broker() -> Iterator[str]:
    """A port whose connections complete (the kernel's backlog) but are never read or answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def tell(bank, key: str, case=None) -> None:
    notify(
        "supervision.notice",
        case=case or bank.register(),
        recipients=[bank.province_group],
        subject="督办",
        body="请于三个工作日内办结。",
        dedupe_key=key,
    )


def timed_hand_off(bank, key: str, capture) -> float:
    # Only the hand-off is timed: a registration on a loaded machine once took a second by itself.
    case = bank.register()
    started = time.monotonic()
    with capture(execute=True):
        tell(bank, key, case)
    return time.monotonic() - started


@pytest.fixture
def emails(bank):
    bank.province_group.email = "province@bank.test"
    bank.province_group.save()


def test_a_hanging_broker_holds_the_first_hand_off_seconds_and_the_next_not_at_all(
    bank, emails, settings, hanging_broker, django_capture_on_commit_callbacks
):
    with using_broker(settings, hanging_broker, "redress-test-hanging"):
        first = timed_hand_off(bank, "notice:1", django_capture_on_commit_callbacks)
        # The broker failed a moment ago: this process leaves the next hand-offs to the retry sweep.
        second = timed_hand_off(bank, "notice:2", django_capture_on_commit_callbacks)
    # Two tries of one broker timeout (REDRESS_BROKER_TIMEOUT, 1 s) and their reconnection, not forever.
    assert first < 8, first
    assert second < 0.5, second
    assert [(d.status, d.attempts) for d in Delivery.objects.all()] == [(DeliveryStatus.PENDING, 0)] * 2
    assert all(d.next_attempt_at is not None for d in Delivery.objects.all())


def test_a_refusing_broker_leaves_the_rows_due_and_hand_offs_resume_after_the_pause(
    bank, emails, settings, django_capture_on_commit_callbacks, monkeypatch
):
    with using_broker(settings, f"redis://127.0.0.1:{free_port()}/0", "redress-test-refused"):
        assert timed_hand_off(bank, "notice:1", django_capture_on_commit_callbacks) < 3
        queued = []
        monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, **options: queued.append(args))
        timed_hand_off(bank, "notice:2", django_capture_on_commit_callbacks)
        assert queued == []  # within the pause: left to the sweep
        monkeypatch.setattr(tasks, "_broker_failed_at", time.monotonic() - tasks.BROKER_PAUSE_SECONDS - 1)
        timed_hand_off(bank, "notice:3", django_capture_on_commit_callbacks)
        assert len(queued) == 1  # the broker is tried again
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count() == 3
