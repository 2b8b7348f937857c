"""`redress audit verify` timed over a chain of `--rows` audit rows (issue 14 asks for 10,000,000).

Usage: DATABASE_URL=postgres://... python -m bench.audit_verify [--rows 1000000] [--batch 10000]

Makes a throw-away test database (`test_<name>`), one case, and `--rows` reads of it written as the export
writes them (sealed, batched INSERTs); then times the sealer placing them all (`seal`) and `verify` walking
the chain. Prints JSON: rows, seconds to write, to seal, to verify, and rows per second verified.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per INSERT batch")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
    os.environ.setdefault("REDRESS_DEMO", "1")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from redress.audit.chain import seal, verify
    from redress.audit.models import AuditAction, AuditEntry
    from redress.testing import build_bank

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        bank = build_bank()
        case = bank.register()
        started = time.perf_counter()
        for start in range(0, args.rows, args.batch):
            rows = min(args.batch, args.rows - start)
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(
                        actor=bank.office, action=AuditAction.EXPORT, case=case, detail=f"row {start + i}"
                    )
                    for i in range(rows)
                ],
                batch_size=2000,
            )
        written = time.perf_counter() - started
        started = time.perf_counter()
        placed = seal(batch=5000)
        sealed = time.perf_counter() - started
        started = time.perf_counter()
        verdict = verify(seal_first=False)
        verified = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "database": connection.vendor,
                    "rows": verdict.checked,
                    "placed": placed,
                    "intact": verdict.intact,
                    "write_s": round(written, 1),
                    "seal_s": round(sealed, 1),
                    "verify_s": round(verified, 1),
                    "verified_rows_per_s": round(verdict.checked / verified),
                },
                indent=2,
            )
        )
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
