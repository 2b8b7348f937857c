"""Real servers for notification tests: an SMTP server (aiosmtpd), a webhook receiver (http.server) and a
Celery worker on the machine's Redis and PostgreSQL. Fixtures for any app's tests:

    from redress.notifications.testing import celery_broker, celery_worker, smtp_server, webhook_receiver

`celery_broker` (function) points this process at the worker's broker and queue; the worker is started
once per test session (per xdist process) against the test database, with its mail going to
`celery_worker.smtp`. Tests using it need `@pytest.mark.postgres` and `django_db(transaction=True)`: the
worker is another process and sees only committed rows.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

REDIS_URL = os.environ.get("REDRESS_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.port = free_port()
        self.host = "127.0.0.1"
        self._controller = None

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 recording each POST; answers `status` (settable, e.g. 500)."""

    status: int = 204
    requests: list[ReceivedRequest] = field(default_factory=list)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args) -> None:  # quiet test output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/redress"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def smtp_mailers(host: str, port: int) -> dict:
    """A MAILERS setting sending through Django's SMTP backend to host:port."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": host, "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpSink]:
    """A real SMTP server, with Django's SMTP backend pointed at it (not locmem)."""
    sink = SmtpSink().start()
    settings.MAILERS = smtp_mailers(sink.host, sink.port)
    yield sink
    sink.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def _unavailable(reason: str) -> None:
    # CI has Redis and PostgreSQL (.ci/run starts them): there a missing one is a failure, not a skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def drop_session(pid: int) -> None:
    """Ends PostgreSQL session `pid` from another connection, as a server restart or a failover would."""
    import psycopg
    from django.db import connection

    with psycopg.connect(_database_url(connection.settings_dict), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'])}"


@dataclass
class CeleryWorker:
    broker_url: str
    queue: str
    smtp: SmtpSink
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[CeleryWorker]:
    """`celery -A redress worker` in a subprocess, on Redis, against this session's test database."""
    import redis
    from django.db import connection

    if connection.vendor != "postgresql":
        _unavailable("the Celery worker needs PostgreSQL: run with DATABASE_URL=postgres://…")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable(f"no Redis at {REDIS_URL} ({exc}); start one with redis-server")

    queue = f"redress-test-{uuid.uuid4().hex[:10]}"
    sink = SmtpSink().start()
    log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "redress.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDRESS_BROKER_URL": REDIS_URL,
        "REDRESS_CELERY_QUEUE": queue,
        "REDRESS_EMAIL_HOST": sink.host,
        "REDRESS_EMAIL_PORT": str(sink.port),
        "REDRESS_DB_CONN_MAX_AGE": "0",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "redress", "worker",
        "--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h",
        "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    worker = CeleryWorker(REDIS_URL, queue, sink, log, process)
    try:
        if not wait_until(
            lambda: "ready." in log.read_text(errors="replace") or process.poll() is not None, 30
        ):
            pytest.fail(f"the Celery worker did not start in 30 s:\n{worker.log_text()}")
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited ({process.returncode}):\n{worker.log_text()}")
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        sink.stop()
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, *client.keys(f"*{queue}*"))
        log.unlink(missing_ok=True)


@contextmanager
def using_broker(settings, url: str, queue: str) -> Iterator[None]:
    """This process hands tasks to the broker at `url` (instead of sending inline) until the block ends."""
    from redress.celery import app

    from . import tasks

    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    # Celery copies Django's settings into app.conf the first time anything reads it (an earlier test in this
    # process may have), so set the copy too; the connection pool is made on first use.
    previous = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    # Shared tasks (`sweep_task.delay()`) go through the current app: a Celery app another test made may have
    # become it, and sent this test's tasks to that test's broker, long stopped.
    app.set_current()
    app.conf.broker_url = url
    app.conf.task_default_queue = queue
    _drop_connections(app)
    tasks.forget_broker_failure()
    try:
        yield
    finally:
        # The next test may have no broker: drop the connections made to this one.
        _drop_connections(app)
        app.conf.update(previous)
        tasks.forget_broker_failure()


@pytest.fixture
def celery_broker(celery_worker, settings) -> Iterator[CeleryWorker]:
    """This process sends tasks to the session's worker (instead of running them inline)."""
    with using_broker(settings, celery_worker.broker_url, celery_worker.queue):
        yield celery_worker


def _drop_connections(app) -> None:
    """Close the broker connections and forget the pools built on them (the producer pool too, or the next
    send acquires from a closed pool)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps its own registry of producer pools per connection: built on the closed pool, it must go too.
    pools.reset()
