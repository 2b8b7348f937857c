"""A Celery worker that has stopped taking work while work waits for it stops, so its supervisor starts anew.

After a broker outage (Redis killed and restarted, or hanging behind a dead network path) Celery's worker
sometimes reconnects and never consumes again — a known failure of Celery on Redis, reported release after
release. The process stays alive and quiet, so a supervisor that watches processes sees nothing wrong, and
every email, SMS and webhook waits. The cluster test met it once in CI: the broker back, beat queueing the
retry sweep every few seconds, the worker taking none of it for a minute.

So the worker watches itself. Every few seconds its main process asks the broker, on a connection of its own
(the consumer's may be the broken one), how many messages wait in the queues it consumes. When messages have
waited for `REDRESS_WORKER_STALL_SECONDS` together while this worker received nothing and ran nothing, it
logs why and stops (a cold shutdown), and its supervisor starts a fresh one (systemd `Restart=always`:
README). Tasks are acknowledged late, so nothing the stalled worker held is lost; another worker, or the
restarted one, takes it. A busy worker (a long task running, or one prefetched) is never stopped, nor one
that cannot reach the broker: its own reconnection is at work then.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence

from kombu.exceptions import ChannelError

log = logging.getLogger("redress.worker")

# How long after the cold shutdown was asked for the process is ended whatever it is doing.
FORCE_EXIT_AFTER = 30.0


class StallWatch:
    """The rule, fed by what the worker sees: `received()` on every task the consumer receives, `check()` on
    every look at the broker. Stalled when messages have waited, the worker idle, for `limit` seconds on end,
    and nothing was received meanwhile."""

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.waiting_since: float | None = None

    def received(self) -> None:
        self.waiting_since = None

    def check(self, waiting: int | None, busy: int) -> bool:
        """`waiting`: messages in the worker's queues (None when the broker did not answer); `busy`: tasks
        this worker runs or holds. True when the worker has stalled."""
        if self.limit <= 0 or waiting is None or waiting == 0 or busy > 0:
            self.waiting_since = None
            return False
        now = self.clock()
        if self.waiting_since is None:
            self.waiting_since = now
        return now - self.waiting_since >= self.limit


def waiting_messages(app, queues: Sequence[str], timeout: float) -> int | None:
    """Messages waiting in `queues`, asked on a fresh connection; None when the broker does not answer."""
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            return sum(_waiting_in(connection, name) for name in queues)
    except Exception:  # any failure of the broker means "cannot tell"
        return None


def _waiting_in(connection, queue: str) -> int:
    # A channel per queue: on AMQP a queue not found closes the channel it was asked on.
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:  # no such queue (on Redis: an empty one has no key): nothing waits in it
        return 0
    finally:
        with contextlib.suppress(Exception):
            channel.close()


def busy_requests() -> int:
    from celery.worker import state

    return len(state.active_requests) + len(state.reserved_requests)


def _stop(waited: float, waiting: int) -> None:
    log.error(
        "the worker has taken nothing for %.0f s while %d tasks wait in its queues: it stops so that its "
        "supervisor starts a fresh one",
        waited,
        waiting,
    )
    os.kill(os.getpid(), signal.SIGQUIT)
    time.sleep(FORCE_EXIT_AFTER)
    os._exit(1)


def start(app, queues: Sequence[str], limit: float) -> StallWatch | None:
    """Starts the watch in a daemon thread of the worker's main process; None when `limit` is 0 (off)."""
    if limit <= 0 or not queues:
        return None
    watch = StallWatch(limit)
    every = max(1.0, min(limit / 4, 30.0))
    timeout = max(1.0, min(every, 5.0))

    def run() -> None:
        while True:
            time.sleep(every)
            waiting = waiting_messages(app, queues, timeout)
            if watch.check(waiting, busy_requests()):
                _stop(limit, waiting or 0)
                return

    threading.Thread(target=run, name="redress-stall-watch", daemon=True).start()
    return watch
