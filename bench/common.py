"""Plumbing shared by the benchmark steps: paths, throw-away PostgreSQL databases, subprocesses, gunicorn.

The orchestrator (`bench.run`) never imports Django: each step that needs Redress's models runs as its own
`python -m bench.<step>` process with DATABASE_URL pointing at the step's database, so several databases
can be used in one run without Django's settings being read twice.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PEER_DIR = Path(os.environ.get("PEER_BENCH_DIR") or REPO.parent / "shared" / "peer-bench").resolve()
PEER_ROOT = Path(os.environ.get("PEERBENCH_ROOT", "/tmp/peerbench"))
PEER_PY = PEER_ROOT / "venv" / "bin" / "python"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Every bench process shares one key, so a session made by one process is valid in the served workers.
SECRET_KEY = "redress-bench-only-not-a-production-key"
# The personal data's keys at rest (decision 0031), bench-only like the secret key.
FIELD_KEYS = "b1:cmVkcmVzcy1iZW5jaC1maWVsZC1rZXktMDAwMDAwMDE"
FIELD_INDEX_KEY = "cmVkcmVzcy1iZW5jaC1ibGluZC1pbmRleC1rZXktMDE"


def pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def create_database(dbname: str) -> None:
    assert dbname.replace("_", "").isalnum(), dbname
    _admin_sql(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    _admin_sql(f"CREATE DATABASE {dbname}")


def drop_database(dbname: str) -> None:
    assert dbname.replace("_", "").isalnum(), dbname
    _admin_sql(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def pg_server_version() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def redress_env(dbname: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg_url(dbname),
        REDRESS_DATA_DIR=str(data_dir),
        REDRESS_SECRET_KEY=SECRET_KEY,
        REDRESS_FIELD_KEYS=FIELD_KEYS,
        REDRESS_FIELD_INDEX_KEY=FIELD_INDEX_KEY,
        DJANGO_SETTINGS_MODULE="redress.settings",
        REDRESS_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def run_step(module: str, args: list[str], env: dict[str, str], timeout: float) -> dict:
    """Run `python -m bench.<module>` and return the JSON object it prints on its last stdout line."""
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError(f"bench.{module} failed with exit code {proc.returncode}")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "redress"), "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True, timeout=600
    )


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds}s")
        time.sleep(0.2)


def children(master: int) -> dict[int, str]:
    """The master's child processes with their command lines (gunicorn workers, the sweeper sidecar)."""
    out = {}
    with open(f"/proc/{master}/task/{master}/children") as f:
        for pid in (int(x) for x in f.read().split()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as c:
                    out[pid] = c.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except FileNotFoundError:
                continue
    return out


def process_ticks(pid: int | str) -> tuple[int, int]:
    """CPU clock ticks (user and system) the process has used so far, and those of the children it reaped."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])  # utime stime, cutime cstime


def _cpu_ticks(pid: int | str) -> int:
    return process_ticks(pid)[0]


def descendants(root: int) -> set[int]:
    """Every process below `root`, as far down as they go."""
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.update(kids)
        todo.extend(kids)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user and system) used so far by `root` and every process below it."""
    total = 0
    for pid in (root, *descendants(root)):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += _cpu_ticks(pid)
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time used so far by every process of the machine's PostgreSQL server (its backends and its
    background processes: WAL writer, checkpointer…): the database's share of a load, on either side."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if not f.read().startswith("postgres"):
                    continue
            total += _cpu_ticks(entry)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


class CpuSplit:
    """Where a load's CPU went, per request created: the server's process tree (web workers, and for Redress
    its sidecars), PostgreSQL, and the load client (from its own report). Started before the load."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.server, self.postgres = tree_cpu_seconds(master), postgres_cpu_seconds()

    def per_request(self, load: dict) -> dict[str, float]:
        run = load["run"]
        created = max(1, run["created"])
        split = {
            "server": (tree_cpu_seconds(self.master) - self.server) * 1000 / created,
            "postgres": (postgres_cpu_seconds() - self.postgres) * 1000 / created,
            "client": run.get("client_cpu_s", 0) * 1000 / created,
        }
        split["total"] = sum(split.values())
        return {k: round(v, 2) for k, v in split.items()}


def settle(root: int, *, idle_share: float = 0.05, window: float = 1.0, seconds: float = 90) -> float:
    """Wait until the server started as `root` is idle: its workers booted and, for `redress serve`, the
    sidecars' first pass (sweep, fold, retention) done. A load started earlier would share the two cores
    with start-up work that a server running for days does not do. First a CHECKPOINT, so that neither side
    pays for writing out the pages the set-up before it (a database made and migrated) left dirty. Returns
    the seconds waited."""
    started = time.monotonic()
    _admin_sql("CHECKPOINT")
    last = tree_cpu_seconds(root)
    while time.monotonic() - started < seconds:
        time.sleep(window)
        now = tree_cpu_seconds(root)
        if now - last < idle_share * window:
            break
        last = now
    return round(time.monotonic() - started, 1)


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers only: `redress serve` also starts a sweeper sidecar as the master's child."""
    return [pid for pid, cmd in children(master).items() if "gunicorn" in cmd]


def other_children_rss(master: int) -> dict[str, dict[str, float]]:
    return {cmd[:80]: rss_mib(pid) for pid, cmd in children(master).items() if "gunicorn" not in cmd}


def rss_mib(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as f:
        d = dict(line.split(":", 1) for line in f if ":" in line)
    return {
        "VmRSS_MiB": round(int(d["VmRSS"].split()[0]) / 1024, 1),
        "VmHWM_MiB": round(int(d["VmHWM"].split()[0]) / 1024, 1),
    }


@contextlib.contextmanager
def redress_server(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    log_file: Path,
    worker_class: str | None = None,
    ready_seconds: float = 30,
) -> Iterator[int]:
    """Serve Redress with `redress serve` (gunicorn) on 127.0.0.1:port; yields the gunicorn master's pid."""
    serve_env = dict(env)
    if worker_class:
        serve_env["GUNICORN_CMD_ARGS"] = f"--worker-class {worker_class}"
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "redress"),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            cwd=REPO,
            env=serve_env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", ready_seconds)
        log(f"redress: server idle after {settle(proc.pid)} s")
        # `redress serve` execs gunicorn, so this pid is gunicorn's master.
        yield proc.pid
    finally:
        stop_pid(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)


def stop_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    for _ in range(150):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # Reap if it is our child.
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)


def machine() -> dict:
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_total_gib": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg_server_version(),
        "python": sys.version.split()[0],
    }


# ---- shared by the benchmark parts (bench/run.py, bench/reports.py) ------------------------------------

# Load clients of the registration benchmark, the peer's and ours alike.
CLIENTS = 8


def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pct(sorted_vals: list[float], p: float) -> float:
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def peer(cmd: list[str], timeout: float, **env: str) -> str:
    proc = subprocess.run(
        cmd, cwd=PEER_DIR, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return proc.stdout


def new_bank(
    db: str, data_dir: Path, fixture_args: tuple[str, ...] = (), **extra: str
) -> tuple[dict[str, str], dict]:
    """An empty, migrated database with the benchmark bank; returns its environment and the fixture."""
    create_database(db)
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    env = redress_env(db, data_dir, **extra)
    log(f"redress: migrate {db}")
    migrate(env)
    fixture = run_step("fixture", list(fixture_args), env, 600)
    (data_dir / "fixture.json").write_text(json.dumps(fixture))
    return env, fixture


def classification_labels(dimension: str) -> list[str]:
    with open(REPO / "redress" / "cases" / "data" / "jrt0169-2018.csv", encoding="utf-8") as f:
        return [row["label"] for row in csv.DictReader(f) if row["dimension"] == dimension]


def api_token(port: int, username: str, password: str) -> str:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["token"]


def drive(args: argparse.Namespace, cfg_path: Path, master: int, out_file: Path) -> None:
    """The load client (under the peer's virtualenv, as the peer's own load_create.py runs)."""
    subprocess.run(
        [
            str(PEER_PY),
            str(REPO / "bench" / "load_cases.py"),
            "--config",
            str(cfg_path),
            "--n",
            str(args.n),
            "--concurrency",
            str(CLIENTS),
            "--max-seconds",
            str(args.max_seconds),
            "--master-pid",
            str(master),
            "--out",
            str(out_file),
        ],
        check=True,
        timeout=args.max_seconds + 120,
        stdout=subprocess.DEVNULL,
    )


def load_config(port: int, fixture: dict, path: Path, varied_matters: int = 0) -> Path:
    clients = [
        {"token": api_token(port, t, fixture["password"]), "outlet": o}
        for t, o in list(zip(fixture["tellers"], fixture["outlets"], strict=True))[:CLIENTS]
    ]
    cfg = {
        "base": f"http://127.0.0.1:{port}",
        "clients": clients,
        "business_categories": classification_labels("business_category"),
        "reasons": classification_labels("reason"),
    }
    if varied_matters:
        from .matters import matters

        cfg["matters"] = matters(varied_matters)
    path.write_text(json.dumps(cfg, ensure_ascii=False))
    return path
