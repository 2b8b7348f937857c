"""Issue 5's benchmark: one sweep over N cases of which B are newly breached, on PostgreSQL.

Usage:
  .venv/bin/python -m bench.sweep [--sizes 100000,1000000] [--breached 10000]
  DATABASE_URL=... python -m bench.sweep --step --n N --breached B   # one measurement (run by the above)

Each step builds a small bank, registers one case through `register_case` (so its reply clock comes from the
real policy), then copies it N-1 times with set-based SQL. B cases get a reply clock that ran out a day
before the sweep's `now`; the others' clocks are due a month later (no warning either). It then times one
`redress.lifecycle.sweeper.sweep(now)`: every breach gets its supervision notice, escalation and
notifications. Targets: the time at the largest N is no more than 1.5× the time at the smallest, with the
same B — the sweep's cost follows the breached clocks, not all clocks (issue 5); and at most 10 ms per breach
at the largest N (issue 16: 10,000 breaches over 1,000,000 cases). Prints JSON, with the SQL statements per
breach.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

RATIO_TARGET = 1.5  # time at the largest size / time at the smallest (issue 5)
PER_BREACH_TARGET_MS = 10.0  # at the largest size (issue 16)


class _Count:
    """Counts the statements sent (savepoints included: each is a round trip)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _step(n: int, breached: int) -> dict:
    import django

    django.setup()
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.db import connection

    from redress.deadlines.models import Clock
    from redress.escalation.models import SupervisionNotice
    from redress.escalation.services import due_breaches
    from redress.lifecycle.registration import register_case
    from redress.lifecycle.sweeper import sweep
    from redress.notifications.models import Notification
    from redress.testing import build_bank

    bank = build_bank()
    beijing = ZoneInfo("Asia/Shanghai")
    received = dt.datetime(2026, 3, 2, 10, tzinfo=beijing)
    now = dt.datetime(2026, 3, 10, 10, tzinfo=beijing)
    seed = register_case(bank.teller, bank.registration(received_at=received), now=received).case
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        case_columns = [f.column for f in seed._meta.concrete_fields if f.column not in {"id", "number"}]
        cols = ", ".join(f'"{c}"' for c in case_columns)
        cursor.execute(
            f"""INSERT INTO cases_case (number, {cols})
                SELECT 'TB' || lpad(g::text, 10, '0'), {cols}
                  FROM cases_case c, generate_series(1, %s) g WHERE c.id = %s""",
            [n - 1, seed.pk],
        )
        cursor.execute("DELETE FROM deadlines_clock WHERE case_id = %s AND name <> 'reply'", [seed.pk])
        clock_columns = [
            f.column
            for f in Clock._meta.concrete_fields
            if f.column not in {"id", "case_id", "due_at", "warn_at"}
        ]
        ccols = ", ".join(f'"{c}"' for c in clock_columns)
        # The first B-1 copies (and the seed) breached a day before `now`; the rest due a month after it.
        cursor.execute(
            f"""INSERT INTO deadlines_clock (case_id, due_at, warn_at, {ccols})
                SELECT c.id,
                       CASE WHEN substr(c.number, 3)::int < %s THEN %s::timestamptz - interval '1 day'
                            ELSE %s::timestamptz + interval '30 days' END,
                       CASE WHEN substr(c.number, 3)::int < %s THEN %s::timestamptz - interval '2 days'
                            ELSE %s::timestamptz + interval '20 days' END,
                       {", ".join(f'k."{x}"' for x in clock_columns)}
                  FROM cases_case c JOIN deadlines_clock k ON k.case_id = %s
                 WHERE c.number LIKE 'TB%%'""",
            [breached, now, now, breached, now, now, seed.pk],
        )
        cursor.execute(
            "UPDATE deadlines_clock SET due_at = %s::timestamptz - interval '1 day' WHERE case_id = %s",
            [now, seed.pk],
        )
        cursor.execute("ANALYZE")
    load_s = time.perf_counter() - t0
    sql, params = due_breaches(now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    statements = _Count()
    t0 = time.perf_counter()
    with connection.execute_wrapper(statements):
        result = sweep(now)
    sweep_s = time.perf_counter() - t0
    return {
        "cases": Clock.objects.values("case").distinct().count(),
        "breached": breached,
        "load_s": round(load_s, 1),
        "sweep_s": round(sweep_s, 2),
        "per_breach_ms": round(sweep_s * 1000 / max(result.breaches, 1), 2),
        "statements_per_breach": round(statements.n / max(result.breaches, 1), 2),
        "result": result.as_dict(),
        "notices": SupervisionNotice.objects.count(),
        "notifications": Notification.objects.count(),
        "claim_plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--breached", type=int, default=10_000)
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(_step(args.n, args.breached)))
        return
    from bench.common import create_database, drop_database, machine, migrate, redress_env, run_step

    runs = []
    for n in (int(s) for s in args.sizes.split(",")):
        db = f"redress_bench_sweep_{n}"
        create_database(db)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                env = redress_env(db, Path(tmp))
                migrate(env)
                runs.append(
                    run_step("sweep", ["--step", "--n", str(n), "--breached", str(args.breached)], env, 7200)
                )
        finally:
            drop_database(db)
        print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    ratio = runs[-1]["sweep_s"] / runs[0]["sweep_s"]
    per_breach = runs[-1]["per_breach_ms"]
    summary = {
        "command": f"python -m bench.sweep --sizes {args.sizes} --breached {args.breached}",
        "machine": machine(),
        "runs": runs,
        "ratio_largest_to_smallest": round(ratio, 2),
        "target_ratio": RATIO_TARGET,
        "per_breach_ms_at_largest": per_breach,
        "target_per_breach_ms": PER_BREACH_TARGET_MS,
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    ok_ratio = len(runs) < 2 or ratio <= RATIO_TARGET
    ok_breach = per_breach <= PER_BREACH_TARGET_MS
    print(f"sweep ratio {ratio:.2f} (target ≤ {RATIO_TARGET}): {'PASS' if ok_ratio else 'FAIL'}")
    print(
        f"per breach at {runs[-1]['cases']:,} cases: {per_breach} ms (target ≤ {PER_BREACH_TARGET_MS}): "
        f"{'PASS' if ok_breach else 'FAIL'}"
    )
    sys.exit(0 if ok_ratio and ok_breach else 1)


if __name__ == "__main__":
    main()
