"""Where a registration load's CPU goes over HTTP, process by process: each gunicorn worker and the master,
each sidecar of `redress serve`, PostgreSQL's backends and background processes (and the children the
postmaster reaped during the load), the load client, against the whole machine's busy time from /proc/stat.
For the question the in-process figure (`bench.registration_cpu`) leaves open: what the HTTP path adds.

Usage (the peer-bench virtualenv set up, as for `bench.run registration`):
  python -m bench.cpu_by_process [--path common] [--n 3000]

Prints JSON: registrations, their rate, and CPU ms a registration by group of processes.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench import common
from bench.run import PATHS

TICKS = os.sysconf("SC_CLK_TCK")


def _process(pid: str) -> tuple[str, str, int, int]:
    """Its name, command line, CPU ticks used, and CPU ticks of the children it reaped."""
    with open(f"/proc/{pid}/comm") as f:
        name = f.read().strip()
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    return name, command, *common.process_ticks(pid)


def snapshot() -> tuple[dict[int, tuple[str, str, int, int]], int]:
    processes = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                processes[int(entry)] = _process(entry)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return processes, sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait


def group(pid: int, name: str, command: str, master: int, server: set[int]) -> str | None:
    if pid == master:
        return "gunicorn master"
    if pid in server:
        return "gunicorn worker" if "gunicorn" in command else "sidecar: " + " ".join(command.split()[1:3])
    if not name.startswith("postgres"):
        return None
    if not command.startswith("postgres:"):
        return "postgresql postmaster"
    role = command.split(":", 1)[1].strip()
    if "autovacuum" in role:
        return "postgresql autovacuum"
    if " " in role and role.split()[0] not in {"checkpointer", "background", "walwriter", "logical"}:
        return "postgresql backends"  # "postgres: <user> <database> <client> <state>"
    return "postgresql " + role


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--path", default="common", choices=sorted(PATHS))
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    extra = {"DJANGO_SETTINGS_MODULE": PATHS[a.path]["settings"]} if "settings" in PATHS[a.path] else {}
    db = "redress_bench_cpu_by_process"
    with tempfile.TemporaryDirectory(prefix="redress-bench-") as tmp:
        data = Path(tmp)
        env, fixture = common.new_bank(db, data, PATHS[a.path]["fixture_args"], **extra)
        try:
            port = common.free_port()
            with common.redress_server(env, port, a.workers, 1, data / "gunicorn.log") as master:
                config = common.load_config(port, fixture, data / "load.json")
                server = common.descendants(master)
                before, busy_before = snapshot()
                started = time.monotonic()
                load_args = argparse.Namespace(n=a.n, max_seconds=300)
                common.drive(load_args, config, master, data / "load-out.json")
                seconds = time.monotonic() - started
                after, busy_after = snapshot()
                load = json.loads((data / "load-out.json").read_text())["run"]
        finally:
            common.drop_database(db)
    created = max(1, load["created"])
    spent: dict[str, float] = {}
    for pid, (name, command, used, reaped) in after.items():
        where = group(pid, name, command, master, server)
        if where is None:
            continue
        _n, _c, used_before, reaped_before = before.get(pid, (name, command, 0, 0))
        spent[where] = spent.get(where, 0) + used - used_before
        if reaped != reaped_before:
            spent[f"{where} (children reaped)"] = (
                spent.get(f"{where} (children reaped)", 0) + reaped - reaped_before
            )
    ms = {where: round(ticks / TICKS * 1000 / created, 2) for where, ticks in sorted(spent.items()) if ticks}
    ms["load client"] = round(load.get("client_cpu_s", 0) * 1000 / created, 2)
    ms["all of the above"] = round(sum(ms.values()), 2)
    ms["the machine, busy"] = round((busy_after - busy_before) / TICKS * 1000 / created, 2)
    print(
        json.dumps({"path": a.path, "created": created, "per_s": round(created / seconds, 1), "cpu_ms": ms})
    )


if __name__ == "__main__":
    main()
