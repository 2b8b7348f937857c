"""Redress as a cluster, broken on purpose (issue 16, R12): two `redress serve` nodes, a Celery worker and one
beat on one PostgreSQL database and one Redis, an SMTP server and a webhook receiver; a load of registrations
with Idempotency-Keys from several clients that retry what failed. Then a node and the worker are killed
(SIGKILL), PostgreSQL is restarted, Redis dies or hangs, and the test counts: every acknowledged registration
stored once with its clocks, no key stored twice, every email and webhook delivered once.

The database server and the broker are the test's own (redress.testing_cluster: initdb in a temporary
directory, a redis-server on a free port), never the machine's shared ones. Run alone, counts printed:

    DATABASE_URL=postgres://… pytest -m cluster -s redress/core/tests/test_cluster.py

(REDRESS_CLUSTER_KEEP_LOGS=1 keeps each process's log under pytest's temporary directory.)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from redress.notifications.testing import SmtpSink, WebhookReceiver
from redress.testing_cluster import (
    CLAIM_SECONDS,
    STALL_SECONDS,
    SWEEP_INTERVAL,
    Cluster,
    PrivatePostgres,
    PrivateRedis,
    RegistrationLoad,
    Tally,
    Timeline,
    Unavailable,
    hammer,
    prepare_template,
    quiet_logs,
    unavailable,
)

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

TEMPLATE = "redress_cluster_template"
# Time for the retry sweep to take over what a killed or cut-off sender held: its claim, then a sweep or two.
SETTLE = CLAIM_SECONDS + 4 * SWEEP_INTERVAL + 30


@dataclass
class Stack:
    pg: PrivatePostgres
    webhooks: WebhookReceiver
    tokens: list[str]
    workdir: Path


@dataclass
class Parts:
    cluster: Cluster
    redis: PrivateRedis
    smtp: SmtpSink
    webhooks: WebhookReceiver
    pg: PrivatePostgres
    tokens: list[str]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """A private PostgreSQL server with a migrated, seeded template database; a webhook receiver (its URL
    is in the template)."""
    try:
        pg = PrivatePostgres()
    except Unavailable as exc:
        unavailable(str(exc))
    quiet_logs()
    webhooks = WebhookReceiver().start()
    workdir = tmp_path_factory.mktemp("cluster")
    try:
        pg.init().start()
        seeded = prepare_template(pg, TEMPLATE, webhooks.url, workdir)
        yield Stack(pg, webhooks, seeded["tokens"], workdir)
    finally:
        webhooks.stop()
        pg.cleanup()


@pytest.fixture
def parts(stack: Stack, request) -> Iterator[Parts]:
    """A fresh copy of the template database, a private Redis and SMTP server; the cluster's processes are
    started by the test and stopped (all of them, whatever happened) here."""
    name = "redress_cluster_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    stack.pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    workdir = stack.workdir / name
    workdir.mkdir()
    stack.webhooks.requests.clear()
    try:
        redis = PrivateRedis(workdir)
    except Unavailable as exc:
        unavailable(str(exc))
    redis.start()
    smtp = SmtpSink().start()
    cluster = Cluster(stack.pg.url(name), redis.url, smtp, workdir)
    try:
        yield Parts(cluster, redis, smtp, stack.webhooks, stack.pg, stack.tokens)
    finally:
        cluster.stop()
        redis.stop()
        smtp.stop()
        # The server itself may be what the test broke: the whole private cluster goes with the module.
        with contextlib.suppress(Exception):
            stack.pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not os.environ.get("REDRESS_CLUSTER_KEEP_LOGS"):
            shutil.rmtree(workdir, ignore_errors=True)


def assert_nothing_lost_or_doubled(tally: Tally, count: int, cluster: Cluster) -> None:
    registrations = (
        tally.acknowledged,
        tally.stored,
        tally.duplicated,
        tally.lost,
        tally.unanswered,
        tally.refused,
        tally.without_clocks,
    )
    assert registrations == (count, count, 0, 0, 0, 0, 0), tally.report() + "\n" + cluster.logs()
    assert tally.emails > 0 and tally.webhooks > 0, tally.report()
    assert (tally.emails_sent, tally.emails_received) == (tally.emails, tally.emails), tally.report()
    assert (tally.emails_missing, tally.emails_unknown) == (0, 0), tally.report()
    assert (tally.webhooks_sent, tally.webhooks_received) == (tally.webhooks, tally.webhooks), tally.report()
    assert tally.webhooks_missing == 0, tally.report()
    # Sent twice only what a sender held when it was killed (at-least-once, decision 0020): a repeat with
    # the same Message-ID / X-Redress-Delivery, which the receiver recognises.
    assert tally.emails_twice == tally.emails_twice_held, tally.report()
    assert tally.webhooks_twice == tally.webhooks_twice_held, tally.report()


def test_killing_a_node_and_the_worker_mid_load_loses_and_doubles_nothing(parts: Parts) -> None:
    name = "cluster: a node and the worker killed"
    timeline = Timeline()
    cluster = parts.cluster.start(nodes=2)
    timeline.mark("started")
    count = 300
    load = RegistrationLoad(cluster.urls, parts.tokens, tag="cluster", count=count, clients=6, pace=0.3)
    load.start()
    assert load.wait_for(0.3), cluster.logs()

    node = cluster.nodes[0]
    node.kill()
    cluster.worker.kill()
    held = cluster.held_by_senders()
    timeline.mark(f"node0 and worker killed at {load.finished} registrations answered")
    time.sleep(3)  # the other node carries the load; failed requests are retried there
    node.start()
    timeline.mark("node0 back")
    cluster.worker.start()
    timeline.mark("worker back")

    assert load.join(180), "the clients did not finish"
    timeline.mark("load done")
    settled = cluster.settle(SETTLE)
    timeline.mark("deliveries settled")
    tally = Tally.of(name, cluster, load, parts.smtp, parts.webhooks, held)
    print(tally.report() + timeline.report(name))
    assert settled, f"deliveries still unsent after {SETTLE} s\n{tally.report()}\n{cluster.logs()}"
    assert_nothing_lost_or_doubled(tally, count, cluster)
    assert tally.retried > 0, "the kill met no request: the test proved nothing"


def test_postgresql_restarted_mid_load_loses_and_doubles_nothing(parts: Parts) -> None:
    """The database server restarted twice under load (`fast`: every session ended, and `immediate`: a crash
    and WAL recovery): what the clients retry with their keys is stored once, no node keeps failing."""
    name = "faults: PostgreSQL restarted"
    timeline = Timeline()
    cluster = parts.cluster.start(nodes=2)
    timeline.mark("started")
    count = 200
    load = RegistrationLoad(cluster.urls, parts.tokens, tag="pg", count=count, clients=6, pace=0.3)
    load.start()
    assert load.wait_for(0.25), cluster.logs()
    parts.pg.restart("fast")
    timeline.mark(f"restarted (fast) at {load.finished} registrations answered")
    assert load.wait_for(0.6), cluster.logs()
    parts.pg.restart("immediate")
    timeline.mark(f"restarted (immediate) at {load.finished} registrations answered")
    assert load.join(180), "the clients did not finish"
    timeline.mark("load done")
    settled = cluster.settle(SETTLE)
    timeline.mark("deliveries settled")

    # Idle nodes whose every kept connection the server has just dropped: the next requests must not fail.
    parts.pg.restart("fast")
    after = hammer(cluster.urls, parts.tokens[0], requests=40)
    timeline.mark(f"restarted (fast) idle; then reads answered {dict(after)}")
    tally = Tally.of(name, cluster, load, parts.smtp, parts.webhooks)
    print(tally.report() + timeline.report(name))
    assert settled, f"deliveries still unsent after {SETTLE} s\n{tally.report()}\n{cluster.logs()}"
    assert_nothing_lost_or_doubled(tally, count, cluster)
    assert tally.retried > 0, "the restarts met no request: the test proved nothing"
    assert after == {200: 40}, f"after a restart the nodes answered {dict(after)}\n{cluster.logs()}"


def test_redis_down_then_hanging_registrations_succeed_and_notifications_follow_once(parts: Parts) -> None:
    """The broker killed for 4 s (connections refused; it comes back empty: the queued tasks are gone), then
    hanging for 6 s (SIGSTOP: connections accepted, nothing answered, as behind a dead network path).
    Registrations must not notice — each answered 2xx at its first attempt, within the client's 5 s — and
    every notification goes out once the broker is back, through the retry sweep. Celery's worker may end on
    such a fault (kombu's "Unrecoverable error" while it restores unacknowledged messages: CI met it): its
    supervisor starts it again, as systemd does in production, and the tally says so."""
    name = "faults: Redis down, then hanging"
    timeline = Timeline()
    cluster = parts.cluster.start(nodes=2)
    timeline.mark("started")
    count = 200
    load = RegistrationLoad(
        cluster.urls, parts.tokens, tag="redis", count=count, clients=6, pace=0.5, timeout=5
    ).start()
    assert load.wait_for(0.2), cluster.logs()
    parts.redis.kill()
    timeline.mark(f"Redis killed at {load.finished} registrations answered")
    time.sleep(4)
    parts.redis.start()
    timeline.mark(f"Redis back, empty, at {load.finished}")
    time.sleep(2)
    parts.redis.service.signal(signal.SIGSTOP)
    timeline.mark(f"Redis hangs at {load.finished}")
    time.sleep(6)
    parts.redis.service.signal(signal.SIGCONT)
    timeline.mark(f"Redis answers again at {load.finished}")
    assert load.join(180), "the clients did not finish"
    timeline.mark("load done")
    settled = cluster.settle(SETTLE)
    timeline.mark("deliveries settled")

    tally = Tally.of(name, cluster, load, parts.smtp, parts.webhooks)
    print(tally.report() + timeline.report(name))
    assert settled, f"deliveries still unsent after {SETTLE} s\n{tally.report()}\n{cluster.logs()}"
    assert_nothing_lost_or_doubled(tally, count, cluster)
    assert tally.answers == {"201": count}, tally.report()


def test_a_worker_that_stops_consuming_is_stopped_by_its_watch_and_started_again(parts: Parts) -> None:
    """Celery on Redis may come back from a broker fault alive and consuming nothing. Made here on purpose:
    the worker's consumer cancelled by remote control. Tasks wait (every notification, beat's retry sweeps);
    the worker's stall watch must stop it within REDRESS_WORKER_STALL_SECONDS, and the fresh worker its
    supervisor starts must send every notification once."""
    from celery import Celery

    name = "faults: the worker stops consuming"
    timeline = Timeline()
    cluster = parts.cluster.start(nodes=1)
    timeline.mark("started")
    control = Celery("redress-test-control", broker=parts.redis.url, set_as_current=False)
    answers = control.control.cancel_consumer(cluster.queue, reply=True, timeout=5)
    assert answers, f"the worker did not answer the remote control\n{cluster.logs()}"
    timeline.mark("the worker's consumer cancelled")
    count = 30
    load = RegistrationLoad(cluster.urls, parts.tokens, tag="stall", count=count, clients=2, pace=0.2).start()
    assert load.join(120), "the clients did not finish"
    timeline.mark(f"load done (worker restarts so far: {cluster.worker.restarts})")
    settled = cluster.settle(SETTLE + STALL_SECONDS)
    timeline.mark("deliveries settled")

    tally = Tally.of(name, cluster, load, parts.smtp, parts.webhooks)
    print(tally.report() + timeline.report(name))
    assert settled, f"deliveries still unsent\n{tally.report()}\n{cluster.logs()}"
    assert cluster.worker.restarts >= 1, cluster.logs()
    said = "it stops so that its supervisor starts a fresh one"
    assert said in cluster.worker.log_tail(10**6), cluster.logs()
    assert_nothing_lost_or_doubled(tally, count, cluster)
