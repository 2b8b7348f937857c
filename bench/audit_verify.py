"""`redress audit verify` timed over a chain of `--rows` audit rows (issue 14 asks for 10,000,000).

Usage: DATABASE_URL=postgres://... python -m bench.audit_verify [--rows 1000000] [--batch 10000]

Makes a throw-away test database (`test_<name>`), one case, and `--rows` reads of it (exports), each sealed
as Redress seals a row it writes (`seal_of`, in Python) but with no place yet, as a restore or a bulk import
leaves them: on PostgreSQL streamed in by COPY, elsewhere by batched INSERTs. Then times, each on its own, the
sealer placing the whole backlog (`seal`), a VACUUM ANALYZE of the chained tables (PostgreSQL; what an
operator runs after a bulk load, as autovacuum would soon), and `verify` walking the chain. Prints JSON:
rows, seconds for each step, rows per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time

import django

CHUNK = 100_000  # rows sealed in Python and sent per COPY write


def _rows(bank, case, start: int, count: int):  # type: ignore[no-untyped-def]
    """`count` export reads from row `start` on, one microsecond apart, each with its seal."""
    from redress.audit.models import AuditAction
    from redress.common.chain import audit_key, seal_of

    key, base = audit_key(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(start, start + count):
        content = {
            "at": base + dt.timedelta(microseconds=n),
            "actor_id": bank.office.pk,
            "action": AuditAction.EXPORT.value,
            "case_id": case.pk,
            "detail": f"row {n}",
        }
        yield content, seal_of("audit_auditentry", content, key)


def load(bank, case, rows: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from redress.audit.models import AuditEntry

    if connection.vendor != "postgresql":
        for start in range(0, rows, CHUNK):
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(seal=stored, **content)
                    for content, stored in _rows(bank, case, start, min(CHUNK, rows - start))
                ],
                batch_size=2000,
            )
        return
    connection.ensure_connection()
    columns = "at, actor_id, action, case_id, detail, seal, link"
    copying = f"COPY audit_auditentry ({columns}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(copying) as copy:
        for start in range(0, rows, CHUNK):
            buffer = io.StringIO()
            for content, stored in _rows(bank, case, start, min(CHUNK, rows - start)):
                buffer.write(
                    f"{content['at'].isoformat()}\t{content['actor_id']}\t{content['action']}\t"
                    f"{content['case_id']}\t{content['detail']}\t{stored}\t\n"
                )
            copy.write(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--batch", type=int, default=None, help="rows per sealer batch (default: the sealer's)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the test database for a look afterwards")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
    os.environ.setdefault("REDRESS_DEMO", "1")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from redress.audit.chain import seal, verify
    from redress.testing import build_bank

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    timings: dict[str, float] = {}

    def timed(step: str, work):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = work()
        timings[step] = time.perf_counter() - started
        load_average = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(f"{step} {timings[step]:.1f} (load average {load_average})", file=sys.stderr, flush=True)
        return result

    try:
        bank = build_bank()
        case = bank.register()
        timed("write_s", lambda: load(bank, case, args.rows))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the planner's figures for the sealer's reads
                timed("analyze_s", lambda: cursor.execute("ANALYZE audit_auditentry"))
        placed = timed("seal_s", lambda: seal(**({"batch": args.batch} if args.batch else {})))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                timed("vacuum_s", lambda: cursor.execute("VACUUM ANALYZE audit_auditentry, cases_caseevent"))
        verdict = timed("verify_s", lambda: verify(seal_first=False))
        figures = {
            "database": connection.vendor,
            "rows": verdict.checked,
            "placed": placed,
            "intact": verdict.intact,
            **{step: round(seconds, 1) for step, seconds in timings.items()},
            "written_rows_per_s": round(args.rows / timings["write_s"]),
            "sealed_rows_per_s": round(placed / timings["seal_s"]),
            "verified_rows_per_s": round(verdict.checked / timings["verify_s"]),
        }
        print(json.dumps(figures, indent=2))
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
