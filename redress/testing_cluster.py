"""Redress as a cluster of processes, for the cluster and fault tests (redress/core/tests/test_cluster.py).

Everything a test kills or restarts is its own: a PostgreSQL cluster made with initdb in a temporary directory
(`PrivatePostgres`), a redis-server on a free port (`PrivateRedis`), and the Redress processes started on them
(`Cluster`: `redress serve` nodes, a Celery worker, one beat), each in a session of its own so that `kill()`
takes its children too (gunicorn's workers, Celery's pool), as a machine's crash would. The machine's shared
PostgreSQL and Redis are never touched. `RegistrationLoad` is a client sending registrations with an
Idempotency-Key from several threads and retrying failures with the same key; `Tally` counts what the
database, the SMTP server and the webhook receiver hold afterwards.

The bank is seeded once per template database, in a subprocess: `python -m redress.testing_cluster seed URL`
(this module imports no Django model at import time, so that entry point can set Django up first).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from redress.notifications.testing import SmtpSink, WebhookReceiver, free_port, wait_until

PYTHON = sys.executable
# Short enough for a test to see the retry sweep recover a lost task within its time; the claim must outlast
# the send timeouts (settings refuse anything else).
SWEEP_INTERVAL = 3
CLAIM_SECONDS = 12
# A worker that takes nothing for this long while tasks wait stops, for its supervisor to restart it: beat
# queues the retry sweep every SWEEP_INTERVAL, so a stalled worker is found within the test's settle time.
STALL_SECONDS = 10
SEND_TIMEOUT = 5


class Unavailable(Exception):
    """A tool the tests need (initdb, redis-server) is missing: see `unavailable`."""


def unavailable(reason: str) -> None:
    """Skips the test, or fails it under CI, which installs what the tests need (.ci/run)."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


# ---- processes ------------------------------------------------------------------------------------------


class Service:
    """A server process in a session of its own, its output appended to `<log_dir>/<name>.log`.

    `kill()` is a crash (SIGKILL to the whole process group: nothing is flushed, no request finishes);
    `start()` again is the machine coming back. `supervise()` restarts it whenever it exits on its own, as
    systemd's `Restart=always` does in production (README), never after the test's own `kill()` or `stop()`.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        log_dir: Path,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.ready = ready
        self.process: subprocess.Popen | None = None
        self._offset = 0
        self._lock = threading.RLock()
        self._down = True  # stopped or killed by the test: not the supervisor's to restart
        self.supervised = False
        self.restarts = 0  # by the supervisor, after the process had exited on its own

    def supervise(self) -> Service:
        self.supervised = True
        threading.Thread(target=self._supervise, name=f"supervise-{self.name}", daemon=True).start()
        return self

    def _supervise(self) -> None:
        while self.supervised:
            time.sleep(0.5)
            with self._lock:
                if not self.supervised or self._down or self.process is None or self.process.poll() is None:
                    continue
                self.restarts += 1
                with self.log.open("ab") as out:
                    out.write(
                        f"\n[supervisor] {self.name} exited ({self.process.returncode}): restarted\n".encode()
                    )
                with contextlib.suppress(RuntimeError):  # did not come up: tried again next time round
                    self.start()

    def start(self, timeout: float = 45.0) -> Service:
        with self._lock:
            self._down = False
            return self._start(timeout)

    def _start(self, timeout: float) -> Service:
        with self.log.open("ab") as out:
            self._offset = out.tell()
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.ready is not None:
            started = wait_until(lambda: self.process.poll() is not None or self.ready(), timeout, 0.2)
            if not started or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} did not start in {timeout} s:\n{self.log_tail()}")
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process and all its children at once."""
        self._down = True
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def signal(self, signum: int) -> None:
        """SIGSTOP / SIGCONT: a process that hangs (and then wakes up) instead of dying."""
        assert self.process is not None
        os.killpg(self.process.pid, signum)

    def stop(self, timeout: float = 20.0) -> None:
        """An orderly stop (SIGTERM to the leader: gunicorn's and Celery's warm shutdown), then SIGKILL to
        whatever of the group is left or took longer than `timeout`."""
        self._down = True
        if self.running:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self.kill()

    def output(self) -> str:
        """What this run of the process wrote (not an earlier run's output in the same log)."""
        with self.log.open("rb") as log:
            log.seek(self._offset)
            return log.read().decode(errors="replace")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class PrivateRedis:
    """A redis-server of the test's own on a free port, without persistence: killed, it forgets its queues."""

    def __init__(self, log_dir: Path) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise Unavailable("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        argv = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.service = Service("redis", argv, dict(os.environ), log_dir, ready=self.ping)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self) -> PrivateRedis:
        self.service.start()
        return self

    def kill(self) -> None:
        self.service.kill()

    def stop(self) -> None:
        self.service.stop()


def _postgres_bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if found:
        return found[0].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise Unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return Path(initdb).parent


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own: initdb in a temporary directory, listening on a free port of
    127.0.0.1, so it can be restarted under load without disturbing the machine's server that others use.

    As root the server runs as the `postgres` user (PostgreSQL refuses root). fsync is off: a server
    restarted with `-m immediate` still recovers from its WAL, which the operating system keeps; only a
    power cut would need fsync, and the tests do not cut the power.
    """

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="redress-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise Unavailable("running as root without runuser: cannot start PostgreSQL as postgres")
            shutil.chown(self.root, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [*self._as, str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync")  # fmt: skip
        return self

    def start(self) -> PrivatePostgres:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")  # fmt: skip
        return self

    def restart(self, mode: str = "fast") -> None:
        """`fast` ends every session and checkpoints; `immediate` is a crash followed by WAL recovery."""
        # With its log file named again: the new server would otherwise write to pg_ctl's output, a pipe
        # that this process would wait on for as long as the server runs.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-m", mode, "-w",
                  "-t", "60", "restart")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)

    def cleanup(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# ---- the Redress processes ------------------------------------------------------------------------------


def quiet_logs() -> None:
    """Under a load aiosmtpd logs every SMTP command and httpx every request at INFO: thousands of lines that
    would bury the counts in the test's output."""
    for name in ("mail.log", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def redress_env(database_url: str, broker_url: str, smtp: SmtpSink, data_dir: Path, queue: str) -> dict:
    """One environment for every node, worker and beat of a cluster, as the README's production section."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "redress.settings",
        "DATABASE_URL": database_url,
        "REDRESS_BROKER_URL": broker_url,
        "REDRESS_CELERY_QUEUE": queue,
        "REDRESS_DATA_DIR": str(data_dir),
        # Nodes share the secret key (sessions and signed values made by one are read by the other).
        "REDRESS_SECRET_KEY": "cluster-test-secret-key-shared-by-every-node",
        "REDRESS_FIELD_KEYS": "c1:cmVkcmVzcy1jbHVzdGVyLWZpZWxkLWtleS0wMDAwMDE",
        "REDRESS_FIELD_INDEX_KEY": "cmVkcmVzcy1jbHVzdGVyLWJsaW5kLWluZGV4LWtleTE",
        "REDRESS_EMAIL_HOST": smtp.host,
        "REDRESS_EMAIL_PORT": str(smtp.port),
        "REDRESS_EMAIL_FROM": "redress@bank.test",
        "REDRESS_EMAIL_TIMEOUT": str(SEND_TIMEOUT),
        "REDRESS_WEBHOOK_TIMEOUT": str(SEND_TIMEOUT),
        "REDRESS_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
        "REDRESS_NOTIFICATION_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "REDRESS_LOG_LEVEL": "WARNING",
        "REDRESS_WORKER_STALL_SECONDS": str(STALL_SECONDS),
    }


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class Cluster:
    """`redress serve` nodes, a Celery worker and one beat on one database and one broker."""

    def __init__(self, database_url: str, broker_url: str, smtp: SmtpSink, workdir: Path) -> None:
        self.database_url = database_url
        self.workdir = workdir
        queue = f"redress-cluster-{workdir.name}"
        self.env = redress_env(database_url, broker_url, smtp, workdir / "data", queue)
        self.queue = queue
        self.nodes: list[Service] = []
        self.ports: list[int] = []
        self.worker = Service(
            "worker",
            [PYTHON, "-m", "celery", "-A", "redress", "worker", "--queues", queue, "--concurrency", "2",
             "--hostname", f"{queue}@%h", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
            self.env,
            workdir,
            ready=lambda: "ready." in self.worker.output(),
        )  # fmt: skip
        self.beat = Service(
            "beat",
            [PYTHON, "-m", "celery", "-A", "redress", "beat", "--loglevel", "INFO",
             "--schedule", str(workdir / "celerybeat-schedule")],
            self.env,
            workdir,
            ready=lambda: "beat: Starting" in self.beat.output(),
        )  # fmt: skip

    def add_node(self) -> Service:
        port = free_port()
        index = len(self.nodes)
        node = Service(
            f"node{index}",
            [PYTHON, "-m", "redress.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            self.env,
            self.workdir,
            ready=lambda: _answers(f"http://127.0.0.1:{port}/healthz"),
        )
        self.nodes.append(node)
        self.ports.append(port)
        return node

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def start(self, nodes: int = 2, worker: bool = True, beat: bool = True) -> Cluster:
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        services = [self.add_node() for _ in range(nodes)]
        services += [self.worker] if worker else []
        services += [self.beat] if beat else []
        # Started together: each takes a few seconds to import Django.
        errors: list[BaseException] = []

        def start(service: Service) -> None:
            try:
                service.start()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(s,)) for s in services]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        # Celery's worker (and beat) run under a supervisor in production (README): Celery on Redis may end
        # its worker on a broker fault ("Unrecoverable error" while restoring unacknowledged messages) or,
        # alive, stop consuming — then the worker's stall watch ends it (redress.common.worker_watch).
        for service in (self.worker, self.beat):
            if service.running:
                service.supervise()
        return self

    def stop(self) -> None:
        for service in [*self.nodes, self.worker, self.beat]:
            service.supervised = False
            service.stop()

    def restarts(self) -> str:
        """What the supervisor restarted, in words for the tally ("" when nothing)."""
        done = [f"{s.name} {s.restarts}×" for s in (self.worker, self.beat) if s.restarts]
        return f"restarted by the supervisor: {', '.join(done)}" if done else ""

    def logs(self) -> str:
        """The worker's and beat's logs first (what a failed delivery count needs), then the nodes' without
        their access lines."""

        def tail(service: Service) -> str:
            text = service.log_tail(20000)
            if service in self.nodes:
                text = "\n".join(
                    line for line in text.splitlines() if '"' not in line or " HTTP/1." not in line
                )
            return text[-3000:]

        return "\n".join(f"---- {s.name} ----\n{tail(s)}" for s in [self.worker, self.beat, *self.nodes])

    # ---- what the database says -------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=10) as connection:
            return connection.execute(sql, params).fetchall()

    def held_by_senders(self) -> tuple[set[int], set[str]]:
        """Email deliveries (ids) and webhook deliveries (uuids) a sender has claimed and not yet recorded, or
        that wait for a retry: what a sender killed now may have sent without saying so."""
        emails = self.query(
            "SELECT id FROM notifications_delivery WHERE status = 'pending' AND next_attempt_at > now()"
        )
        hooks = self.query(
            "SELECT uuid::text FROM notifications_webhookdelivery"
            " WHERE status = 'pending' AND next_attempt_at > now()"
        )
        return {row[0] for row in emails}, {row[0] for row in hooks}

    def unsent(self) -> int:
        [(emails,)] = self.query("SELECT count(*) FROM notifications_delivery WHERE status <> 'sent'")
        [(hooks,)] = self.query("SELECT count(*) FROM notifications_webhookdelivery WHERE status <> 'sent'")
        return emails + hooks

    def settle(self, timeout: float) -> bool:
        """Waits until every email and webhook delivery is sent (the worker and the retry sweep at work)."""
        return wait_until(lambda: self.unsent() == 0, timeout, 0.5)


# ---- the load ---------------------------------------------------------------------------------------------

PLAIN, GROUP, MEDIA = "plain", "group", "media"
KINDS = (PLAIN, GROUP, MEDIA)


def registration(key: str, index: int, kind: str, received_at: str) -> dict:
    """A registration whose matter carries its key (so the stored cases can be counted per key).

    plain: a suggestion, no trigger fires, nobody is told; group: complaints about outlet A1-2 by different
    customers, a group complaint from the third on (escalated to the province, its work group leader told);
    media: complaints about A1-1 threatening the press (the branch's work group told, and a group too).
    """
    complainant = {"name": f"客户{index}", "phone": f"1371{index:07d}", "anonymous": False}
    if kind == PLAIN:
        return {
            "kind": "suggestion",
            "channel": "counter",
            "received_at": received_at,
            "complainant": complainant,
            "matter": f"建议增加周末营业时间。[{key}]",
        }
    return {
        "kind": "complaint",
        "channel": "counter",
        "received_at": received_at,
        "complainant": complainant,
        "subject_unit": "A1-2" if kind == GROUP else "A1-1",
        "matter": (
            f"网点系统故障，排队两小时无法办理业务。[{key}]"
            if kind == GROUP
            else f"柜员拒绝办理挂失，再不解决就找记者曝光。[{key}]"
        ),
        "demand": "要求尽快处理并道歉。",
        "category": "service_attitude" if kind == GROUP else "work_error",
    }


@dataclass
class Outcome:
    """One registration as its client saw it: every attempt's answer, and what finally came back."""

    key: str
    token: str
    body: dict
    kind: str
    attempts: list[str] = field(default_factory=list)  # "201", "500", "ConnectError", …
    status: int | None = None
    number: str | None = None
    refusal: str = ""  # a 4xx: not retried (the test fails on it)
    slowest: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class RegistrationLoad:
    """`count` registrations sent to the nodes by `clients` threads, each client taking at least `pace`
    seconds a registration. A failed attempt (an error status ≥ 500, no answer, a refused connection) is
    retried with the same Idempotency-Key on the next node, with a growing pause, for `give_up_after` s."""

    def __init__(
        self,
        urls: Sequence[str],
        tokens: Sequence[str],
        *,
        tag: str,
        count: int,
        clients: int = 6,
        pace: float = 0.3,
        timeout: float = 20.0,
        give_up_after: float = 120.0,
    ) -> None:
        self.urls = list(urls)
        self.clients = clients
        self.pace = pace
        self.timeout = timeout
        self.give_up_after = give_up_after
        received = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
        self.outcomes = [
            Outcome(
                key=(key := f"{tag}-{i:04d}"),
                token=tokens[i % len(tokens)],
                kind=KINDS[i % len(KINDS)],
                body=registration(key, i, KINDS[i % len(KINDS)], received),
            )
            for i in range(count)
        ]
        self._lock = threading.Lock()
        self._next = 0
        self.finished = 0
        self._threads: list[threading.Thread] = []

    def start(self) -> RegistrationLoad:
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def wait_for(self, fraction: float, timeout: float = 120.0) -> bool:
        """Until this share of the registrations is answered (or given up)."""
        return wait_until(lambda: self.finished >= fraction * len(self.outcomes), timeout, 0.05)

    def join(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.outcomes):
                return None
            self._next += 1
            return self._next - 1

    def _client(self) -> None:
        with httpx.Client(timeout=self.timeout) as http:
            while (index := self._take()) is not None:
                started = time.monotonic()
                self._register(http, index, self.outcomes[index])
                with self._lock:
                    self.finished += 1
                time.sleep(max(0.0, self.pace - (time.monotonic() - started)))

    def _register(self, http: httpx.Client, index: int, outcome: Outcome) -> None:
        headers = {"Authorization": f"Bearer {outcome.token}", "Idempotency-Key": outcome.key}
        deadline = time.monotonic() + self.give_up_after
        pause = 0.2
        for attempt in range(10_000):
            url = self.urls[(index + attempt) % len(self.urls)]
            started = time.monotonic()
            try:
                response = http.post(f"{url}/api/v1/cases", json=outcome.body, headers=headers)
            except httpx.HTTPError as exc:
                outcome.attempts.append(type(exc).__name__)
            else:
                outcome.attempts.append(str(response.status_code))
                if response.is_success:
                    outcome.status = response.status_code
                    outcome.number = response.json()["number"]
                elif response.status_code < 500:
                    outcome.status = response.status_code
                    outcome.refusal = response.text[:500]
                    return
            finally:
                outcome.slowest = max(outcome.slowest, time.monotonic() - started)
            if outcome.status is not None or time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def hammer(urls: Sequence[str], token: str, requests: int = 40) -> Counter:
    """Reads the register on every node, `requests` times in all: the statuses that came back."""
    statuses: Counter = Counter()
    with httpx.Client(timeout=10) as http:
        for i in range(requests):
            try:
                response = http.get(
                    f"{urls[i % len(urls)]}/api/v1/cases?limit=5",
                    headers={"Authorization": f"Bearer {token}"},
                )
                statuses[response.status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
    return statuses


class Timeline:
    """When each step of a test happened, seconds from its start: printed with the counts."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: list[tuple[float, str]] = []

    def mark(self, step: str) -> None:
        self.steps.append((time.monotonic() - self.started, step))

    def report(self, name: str) -> str:
        return f"\n[{name}] timeline: " + ", ".join(f"{at:.1f} s {step}" for at, step in self.steps)


# ---- what came out ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Registrations: acknowledged (a 2xx came back), stored (cases carrying a load key), duplicated (keys
    with more than one case), lost (acknowledged, with no case or another number), unanswered (never a 2xx),
    refused (a 4xx), without clocks. Notifications: email and webhook deliveries as rows, sent by the rows,
    received by the SMTP server / webhook receiver (distinct ids), received twice, sent but never received,
    received but of no row."""

    name: str
    requests: int = 0
    acknowledged: int = 0
    stored: int = 0
    duplicated: int = 0
    lost: int = 0
    unanswered: int = 0
    refused: int = 0
    without_clocks: int = 0
    attempts: int = 0
    retried: int = 0
    answers: Counter = field(default_factory=Counter)
    slowest: float = 0.0
    emails: int = 0
    emails_sent: int = 0
    emails_received: int = 0
    emails_twice: int = 0
    emails_twice_held: int = 0
    emails_missing: int = 0
    emails_unknown: int = 0
    webhooks: int = 0
    webhooks_sent: int = 0
    webhooks_received: int = 0
    webhooks_twice: int = 0
    webhooks_twice_held: int = 0
    webhooks_missing: int = 0
    details: list[str] = field(default_factory=list)
    restarts: str = ""

    @classmethod
    def of(
        cls,
        name: str,
        cluster: Cluster,
        load: RegistrationLoad,
        smtp: SmtpSink,
        webhooks: WebhookReceiver,
        held: tuple[set[int], set[str]] = (set(), set()),
    ) -> Tally:
        tally = cls(name=name, requests=len(load.outcomes), restarts=cluster.restarts())
        outcomes = {o.key: o for o in load.outcomes}
        stored: dict[str, list[tuple[str, int]]] = {}
        for key, number, clocks in cluster.query(
            "SELECT substring(c.matter from '\\[([^]]+)\\]$'), c.number,"
            " (SELECT count(*) FROM deadlines_clock k WHERE k.case_id = c.id)"
            " FROM cases_case c WHERE c.matter ~ '\\[[^]]+\\]$'"
        ):
            stored.setdefault(key, []).append((number, clocks))
        for key, outcome in outcomes.items():
            cases = stored.get(key, [])
            tally.attempts += len(outcome.attempts)
            tally.retried += len(outcome.attempts) > 1
            tally.answers.update(outcome.attempts)
            tally.slowest = max(tally.slowest, outcome.slowest)
            tally.stored += bool(cases)
            if len(cases) > 1:
                tally.duplicated += 1
                tally.details.append(f"{key}: {len(cases)} cases {[n for n, _ in cases]}")
            tally.without_clocks += sum(1 for _, clocks in cases if clocks == 0)
            if outcome.acknowledged:
                tally.acknowledged += 1
                if outcome.number not in {n for n, _ in cases}:
                    tally.lost += 1
                    tally.details.append(f"{key}: answered {outcome.number}, stored {cases}")
            elif outcome.refusal:
                tally.refused += 1
                tally.details.append(f"{key}: refused {outcome.status} {outcome.refusal}")
            else:
                tally.unanswered += 1
                tally.details.append(f"{key}: never acknowledged: {outcome.attempts}")

        rows = cluster.query(
            "SELECT id, status, provider_ref FROM notifications_delivery WHERE channel = 'email'"
        )
        received = Counter(str(message["Message-ID"]) for _, message in list(smtp.messages))
        sent_refs = {ref: row_id for row_id, status, ref in rows if status == "sent"}
        tally.emails = len(rows)
        tally.emails_sent = len(sent_refs)
        tally.emails_received = len(received)
        twice = {ref for ref, n in received.items() if n > 1}
        tally.emails_twice = len(twice)
        # A sender killed between the SMTP server's answer and recording it sends again (decision 0020).
        tally.emails_twice_held = sum(1 for ref in twice if sent_refs.get(ref) in held[0])
        tally.emails_missing = sum(1 for ref in sent_refs if ref not in received)
        tally.emails_unknown = sum(1 for ref in received if ref not in sent_refs)
        tally.details += [f"email {ref} received {received[ref]} times" for ref in sorted(twice)]
        tally.details += [
            f"email {ref} received, of no sent delivery" for ref in received if ref not in sent_refs
        ]

        hooks = cluster.query("SELECT uuid::text, status FROM notifications_webhookdelivery")
        posted = Counter(r.headers.get("X-Redress-Delivery") for r in list(webhooks.requests))
        sent_hooks = {uuid for uuid, status in hooks if status == "sent"}
        tally.webhooks = len(hooks)
        tally.webhooks_sent = len(sent_hooks)
        tally.webhooks_received = len(posted)
        tally.webhooks_twice = sum(1 for n in posted.values() if n > 1)
        tally.webhooks_twice_held = sum(1 for uuid, n in posted.items() if n > 1 and uuid in held[1])
        tally.webhooks_missing = sum(1 for uuid in sent_hooks if uuid not in posted)
        return tally

    def report(self) -> str:
        answers = ", ".join(f"{k}×{v}" for k, v in sorted(self.answers.items()))
        return (
            f"\n[{self.name}] registrations: requests {self.requests}, acknowledged {self.acknowledged},"
            f" stored {self.stored}, duplicated {self.duplicated}, lost {self.lost}, unanswered"
            f" {self.unanswered}, refused {self.refused}, without clocks {self.without_clocks}"
            f"\n[{self.name}] attempts {self.attempts} ({self.retried} registrations retried;"
            f" answers: {answers}; slowest attempt {self.slowest:.1f} s)"
            f"\n[{self.name}] emails: deliveries {self.emails}, sent {self.emails_sent}, received"
            f" {self.emails_received}, received twice {self.emails_twice} (of them held by a killed sender"
            f" {self.emails_twice_held}), sent but not received {self.emails_missing}, of no delivery"
            f" {self.emails_unknown}"
            f"\n[{self.name}] webhooks: deliveries {self.webhooks}, sent {self.webhooks_sent}, received"
            f" {self.webhooks_received}, received twice {self.webhooks_twice} (of them held by a killed"
            f" sender {self.webhooks_twice_held}), sent but not received"
            f" {self.webhooks_missing}"
            + (f"\n[{self.name}] {self.restarts}" if self.restarts else "")
            + "".join(f"\n[{self.name}]   {line}" for line in self.details[:20])
        )


# ---- seeding a template database (a subprocess: Django set up against that database) -------------------


def seed(webhook_url: str) -> dict:
    """The test bank, every member with an email address, a webhook endpoint taking every event, and API
    tokens for four callers in different units. Returns the tokens."""
    from django.conf import settings

    # Real password hashing costs a second a person; these passwords are never used.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from redress.access.models import ApiToken
    from redress.notifications.models import WebhookEndpoint
    from redress.organisation.models import Staff
    from redress.testing import build_bank

    bank = build_bank()
    for person in Staff.objects.all():
        person.email = f"{person.username}@bank.test"
        person.save(update_fields=["email"])
    WebhookEndpoint.objects.create(name="core banking", url=webhook_url, events=["*"], secret="cluster")
    callers = (bank.teller, bank.outlet_head, bank.branch_group, bank.handler)
    return {"tokens": [ApiToken.issue(person) for person in callers]}


def prepare_template(pg: PrivatePostgres, name: str, webhook_url: str, workdir: Path) -> dict:
    """Creates database `name` on `pg`, migrates it and seeds it (see `seed`); returns the seed's answer."""
    pg.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": pg.url(name), "REDRESS_DATA_DIR": str(workdir)}
    env.pop("REDRESS_BROKER_URL", None)
    for argv in (
        [PYTHON, "-m", "redress.cli", "migrate", "--noinput"],
        [PYTHON, "-m", "redress.testing_cluster", "seed", webhook_url],
    ):
        result = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv[2:])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
        django.setup()
        print(json.dumps(seed(sys.argv[2])))
    else:
        sys.exit("usage: python -m redress.testing_cluster seed WEBHOOK_URL")
