"""The worker's stall watch (redress.common.worker_watch): when a worker counts as stalled, and how it counts
the tasks waiting for it. The whole path — a worker consuming nothing is stopped, and the fresh one its
supervisor starts sends everything — is the cluster test of a worker that stops consuming."""

from __future__ import annotations

import pytest
from celery import Celery

from redress.common.worker_watch import StallWatch, waiting_messages
from redress.notifications.testing import free_port
from redress.testing_cluster import PrivateRedis, Unavailable, unavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_worker_is_stalled_only_once_tasks_have_waited_the_whole_limit_while_it_took_nothing():
    clock = Clock()
    watch = StallWatch(10, clock=clock)
    assert not watch.check(waiting=3, busy=0)
    clock.now += 9.9
    assert not watch.check(waiting=5, busy=0)
    clock.now += 0.1
    assert watch.check(waiting=5, busy=0)


def test_a_task_received_starts_the_wait_again():
    clock = Clock()
    watch = StallWatch(10, clock=clock)
    watch.check(waiting=3, busy=0)
    clock.now += 8
    watch.received()
    clock.now += 8
    assert not watch.check(waiting=3, busy=0)
    clock.now += 10
    assert watch.check(waiting=3, busy=0)


@pytest.mark.parametrize(
    ("waiting", "busy"),
    [(0, 0), (None, 0), (4, 1)],
    ids=["nothing waits", "the broker does not answer", "the worker is busy"],
)
def test_an_empty_queue_a_silent_broker_or_a_busy_worker_is_never_a_stall(waiting, busy):
    clock = Clock()
    watch = StallWatch(10, clock=clock)
    watch.check(waiting=3, busy=0)
    clock.now += 20
    assert not watch.check(waiting=waiting, busy=busy)
    # The wait starts again from there: not stalled until a whole limit more has passed.
    clock.now += 1
    assert not watch.check(waiting=3, busy=0)
    clock.now += 9.9
    assert not watch.check(waiting=3, busy=0)


def test_a_limit_of_zero_turns_the_watch_off():
    clock = Clock()
    watch = StallWatch(0, clock=clock)
    watch.check(waiting=3, busy=0)
    clock.now += 10**6
    assert not watch.check(waiting=3, busy=0)


@pytest.fixture
def broker(tmp_path):
    try:
        server = PrivateRedis(tmp_path).start()
    except Unavailable as exc:
        unavailable(str(exc))
    yield Celery("redress-test-watch", broker=server.url, set_as_current=False)
    server.stop()


def test_the_tasks_waiting_in_the_workers_queues_are_counted_on_the_broker(broker):
    assert waiting_messages(broker, ["redress-watch-a"], timeout=2) == 0
    for queue in ("redress-watch-a", "redress-watch-a", "redress-watch-b", "redress-elsewhere"):
        broker.send_task("redress.sweep", queue=queue)
    assert waiting_messages(broker, ["redress-watch-a", "redress-watch-b"], timeout=2) == 3


def test_a_broker_that_does_not_answer_counts_as_cannot_tell():
    app = Celery("redress-test-watch", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False)
    app.conf.broker_connection_timeout = 1
    assert waiting_messages(app, ["redress"], timeout=1) is None
