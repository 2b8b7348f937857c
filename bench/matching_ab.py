"""What the similarity of matters costs an API registration, in-process: with it and without it, in
alternating blocks on the same database and in the same process (decisions 0027 and 0041).

Usage (a database migrated, with the benchmark's bank):
  DATABASE_URL=... python -m bench.fixture --mute-triggers > fixture.json
  DATABASE_URL=... python -m bench.matching_ab --fixture fixture.json \
      [--preload 3000] [--blocks 8] [--per-block 150] [--seed 21] [--modes with,without,before]
      [--against REV]

Django's test client posts the registration load's bodies (`bench.load_cases.body`) to POST /api/v1/cases:
first `--preload` of them, then `--blocks` rounds of blocks, one per mode, each mode first in turn:
`with` the similarity of matters; `without` it (no topic read or joined, no related-matters lookup, so the
repeat and group rules find nothing: as `bench.unmatched_urls` serves); `before`, the repeat and group
rules as they were before issue 13, by complainant, category and unit instead of the matter
(`bench.rules_before`). One client and the server run one after the other, so a block's wall time is
what both spend.
Prints the ms per registration of each block and the medians, as JSON: wall time, and CPU time (this
process and its PostgreSQL backend, `cpu_clock`), the steadier of the two when the machine's other load
moves.

With `--against REV`: instead, the escalation triggers of the working tree against those of the commit REV
(`redress/escalation/triggers.py` as it was there, loaded beside the current one), in alternating blocks:
what a change of the related-matters lookup saves, on the current schema (REV's triggers must run on it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--preload", type=int, default=3000)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--per-block", type=int, default=150)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--against", metavar="REV", help="the working tree's triggers against REV's")
    ap.add_argument(
        "--modes",
        default="with,without",
        help="'with' and any of 'without' (no related-matters lookup at all) and 'before' (the repeat and"
        " group rules as they were before issue 13: bench/rules_before.py)",
    )
    a = ap.parse_args()
    django.setup()

    from bench import rules_before
    from bench.load_cases import body
    from bench.profile_registration import api_client
    from redress.escalation import triggers
    from redress.matching import similarity

    client, headers, outlet, cfg = api_client(a.fixture)
    rnd = random.Random(a.seed)
    counter = [a.seed * 1_000_000]

    def post(n: int) -> tuple[float, float]:
        """Wall ms and CPU ms (this process and its PostgreSQL backend) per registration."""
        cpu0, t0 = cpu(), time.perf_counter()
        for _ in range(n):
            counter[0] += 1
            payload = body(counter[0], rnd, outlet, cfg)
            response = client.post("/api/v1/cases", payload, content_type="application/json", **headers)
            assert response.status_code == 201, response.content[:500]
        return (time.perf_counter() - t0) / n * 1000, (cpu() - cpu0) / n * 1000

    cpu = cpu_clock()
    post(a.preload)
    if a.modes.split(",")[0] != "with" or not set(a.modes.split(",")) <= {"with", "without", "before"}:
        ap.error("--modes: 'with' first, then 'without' and/or 'before'")
    if a.against:
        print(json.dumps(against(a.against, a.blocks, lambda: post(a.per_block)[0])))
        return
    served = (triggers.related_cases, similarity.band_keys)
    modes = a.modes.split(",")
    ms: dict[str, list[float]] = {mode: [] for mode in modes}
    cpu_ms: dict[str, list[float]] = {mode: [] for mode in modes}
    for block in range(a.blocks):
        # Each mode first in turn.
        for mode in modes[block % len(modes) :] + modes[: block % len(modes)]:
            if mode == "without":
                triggers.related_cases = lambda case, rules: triggers.Related()
                similarity.band_keys = lambda matter: ()
            elif mode == "before":
                rules_before.install()
            try:
                wall, spent = post(a.per_block)
            finally:
                triggers.related_cases, similarity.band_keys = served
            ms[mode].append(round(wall, 2))
            cpu_ms[mode].append(round(spent, 2))
    medians = {mode: round(statistics.median(v), 2) for mode, v in ms.items()}
    cpu_medians = {mode: round(statistics.median(v), 2) for mode, v in cpu_ms.items()}
    found: dict = {
        "ms_per_registration": ms,
        "median": medians,
        "cpu_ms_per_registration": cpu_ms,
        "cpu_median": cpu_medians,
    }
    for other in modes[1:]:
        name = "without" if other == "without" else "before"
        found[f"similarity_cost_ms_over_{name}"] = round(medians["with"] - medians[other], 2)
        found[f"with_over_{name}"] = round(medians[other] / medians["with"], 3)
        found[f"similarity_cpu_ms_over_{name}"] = round(cpu_medians["with"] - cpu_medians[other], 2)
        found[f"with_over_{name}_by_cpu"] = round(cpu_medians[other] / cpu_medians["with"], 3)
    print(json.dumps(found))


def cpu_clock():
    """A clock of the CPU this process and its database connection's server process have used, in seconds
    (the server's from /proc: PostgreSQL on this machine). Steadier than wall time on a machine whose other
    load comes and goes; time waiting on a lock is in neither. Read at the ends of a block: the test client
    keeps its one connection, and a block that ends on another server process is refused."""
    import os

    from django.db import connection

    from bench.common import process_ticks

    tick = os.sysconf("SC_CLK_TCK")
    started: list[int] = []

    def read() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        if started and started[-1] != backend:
            raise RuntimeError("the database connection changed within a block: its CPU is not comparable")
        started[:] = [backend]
        return time.process_time() + process_ticks(backend)[0] / tick

    return read


def triggers_at(rev: str):
    """`redress.escalation.triggers` as it was at `rev`, as a module of its own."""
    text = subprocess.run(
        ["git", "show", f"{rev}:redress/escalation/triggers.py"],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # Its relative imports name the escalation package.
    text = text.replace("from .models import", "from redress.escalation.models import")
    with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
        f.write(text)
        f.flush()
        spec = importlib.util.spec_from_file_location(f"triggers_at_{rev}", f.name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def against(rev: str, blocks: int, block) -> dict:
    """Blocks of registrations evaluated by the working tree's triggers and by `rev`'s, in turn first."""
    from redress.escalation import triggers

    current, earlier = triggers.evaluate, triggers_at(rev).evaluate
    ms: dict[str, list[float]] = {"current": [], rev: []}
    try:
        for n in range(blocks):
            for side in ("current", rev) if n % 2 else (rev, "current"):
                triggers.evaluate = current if side == "current" else earlier
                ms[side].append(round(block(), 2))
    finally:
        triggers.evaluate = current
    medians = {side: round(statistics.median(v), 2) for side, v in ms.items()}
    saved = round(medians[rev] - medians["current"], 2)
    return {"ms_per_registration": ms, "median": medians, "saved_ms": saved}


if __name__ == "__main__":
    main()
