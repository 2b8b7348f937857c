"""Issue 3's benchmark: recomputing the clocks of open cases after a calendar change, and one deadline.

Usage:
  .venv/bin/python -m bench.clocks [--n 100000]              # orchestrates: its own PostgreSQL database
  DATABASE_URL=... python -m bench.clocks --step --n 100000  # the measuring step (run by the above)

The step builds a small bank, registers one case through `register_case` (so its clocks come from the real
policies), then copies that case and its reply clock N times with set-based SQL (received over the ten days
before it), so the database holds N open cases whose 10-working-day periods all contain Tuesday 2026-06-16.
It then makes that day a holiday through the calendar service — a real calendar change that moves every one
of those deadlines by a working day — and times the recompute the change triggers
(`redress.deadlines.services.recompute` over `clocks_touching` that day), then checks a moved clock, and
times a single `compute_deadline` call. Target: ≥ 20,000 clocks per second, one worker. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import timeit
from pathlib import Path


def _step(n: int) -> dict:
    import django

    django.setup()
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.db import connection

    from redress.calendar.deadlines import compute_deadline
    from redress.calendar.services import get_calendar, set_day
    from redress.cases.services import RegistrationData
    from redress.deadlines.models import Clock
    from redress.deadlines.services import clocks_touching
    from redress.lifecycle.registration import register_case
    from redress.testing import build_bank

    bank = build_bank()
    beijing = ZoneInfo("Asia/Shanghai")
    seed = register_case(
        bank.teller,
        RegistrationData(
            kind="complaint",
            channel="counter",
            received_at=dt.datetime(2026, 6, 15, 10, tzinfo=beijing),
            complainant_name="基准",
            complainant_phone="13812345678",
            subject_unit=bank.outlet_a1_1.code,
            matter="基准测试",
            demand="基准测试",
            category="service_product",
        ),
    ).case
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        case_columns = [
            f.column for f in seed._meta.concrete_fields if f.column not in {"id", "number", "received_at"}
        ]
        cols = ", ".join(f'"{c}"' for c in case_columns)
        # N copies of the seed case, received over the year before it so their periods differ.
        cursor.execute(
            f"""
            INSERT INTO cases_case (number, received_at, {cols})
            SELECT 'TB' || lpad(g::text, 10, '0'), c.received_at - (g %% 10) * interval '1 day', {cols}
              FROM cases_case c, generate_series(1, %s) g WHERE c.id = %s
            """,
            [n, seed.pk],
        )
        clock_columns = [
            f.column for f in Clock._meta.concrete_fields if f.column not in {"id", "case_id", "started_at"}
        ]
        ccols = ", ".join(f'"{c}"' for c in clock_columns)
        cursor.execute(
            f"""
            INSERT INTO deadlines_clock (case_id, started_at, {ccols})
            SELECT c.id, c.received_at, {", ".join(f'k."{x}"' for x in clock_columns)}
              FROM cases_case c JOIN deadlines_clock k ON k.case_id = %s AND k.name = 'reply'
             WHERE c.number LIKE 'TB%%'
            """,
            [seed.pk],
        )
        cursor.execute("ANALYZE deadlines_clock")
        cursor.execute("ANALYZE cases_case")
    load_s = time.perf_counter() - t0
    changed_day = dt.date(2026, 6, 16)
    before = (
        Clock.objects.filter(case__number="TB0000000010", name="reply").values_list("due_at", flat=True).get()
    )
    live = clocks_touching(changed_day, changed_day).count()
    # The change end to end: the day written, then (after commit, with no broker) every touched clock
    # recomputed by the deadlines app's receiver — what an administrator's correction sets off.
    t0 = time.perf_counter()
    set_day(changed_day, "holiday", "基准测试假日", note="benchmark")
    recompute_s = time.perf_counter() - t0
    calendar = get_calendar()
    written = live
    after = (
        Clock.objects.filter(case__number="TB0000000010", name="reply").values_list("due_at", flat=True).get()
    )
    assert after > before, "the holiday must move the deadline"
    start = dt.datetime(2026, 9, 30, 10, tzinfo=beijing)
    reps = 20000
    one_s = timeit.timeit(lambda: compute_deadline(calendar, start, 3, "working_days"), number=reps) / reps
    return {
        "cases": n,
        "moved_example": [before.isoformat(), after.isoformat()],
        "live_clocks": live,
        "recomputed": written,
        "load_s": round(load_s, 2),
        "recompute_s": round(recompute_s, 3),
        "clocks_per_s": round(written / recompute_s) if recompute_s else None,
        "target_clocks_per_s": 20000,
        "one_deadline_us": round(one_s * 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(_step(args.n)))
        return
    from bench.common import create_database, drop_database, machine, migrate, redress_env, run_step

    db = "redress_bench_clocks"
    create_database(db)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = redress_env(db, Path(tmp))
            migrate(env)
            result = run_step("clocks", ["--step", "--n", str(args.n)], env, timeout=1800)
    finally:
        drop_database(db)
    result["machine"] = machine()
    result["command"] = f"{Path(sys.executable).name} -m bench.clocks --n {args.n}"
    print(json.dumps(result, indent=2, ensure_ascii=False))
    passed = (result["clocks_per_s"] or 0) >= 20000
    print(f"recompute: {result['clocks_per_s']} clocks/s (target ≥ 20,000): {'PASS' if passed else 'FAIL'}")
    sys.exit(0 if passed or os.environ.get("BENCH_NO_FAIL") else 1)


if __name__ == "__main__":
    main()
