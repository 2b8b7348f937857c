"""Registration with the personal data encrypted and blind-indexed (decision 0031) against the same
registrations with both switched off, in one process and one run (issue 14: no worse than 0.9×).

Usage: [DATABASE_URL=postgres://...] python -m bench.personal_data [--n 100] [--rounds 3]

Makes a throw-away test database (as the test suite does: `test_<name>`), the tests' small bank, then times
`--rounds` rounds of `--n` registrations in each mode, the modes alternating so that whatever else the machine
does falls on both. "Off" replaces `encrypt`, `decrypt` and `blind_index` with the identity (the value stored
as given, its "index" the value itself). Prints JSON: registrations/s per round and mode, and the ratio of the
medians (with / without).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from contextlib import contextmanager

import django

MATTERS = (
    "柜台办理转账时等候时间过长，柜员态度冷淡。",
    "信用卡从来没用过，却被收取了年费，要求退还。",
    "在ATM取款时银行卡被吞，网点说要三天后才能取回。",
    "网点的存折打印机坏了，补登存折打不出来。",
    "手机银行转账显示成功，对方却一直没有收到钱。",
    "理财产品到期后收益比宣传的少很多，要求解释。",
    "办理贷款时被要求同时购买保险，否则不给办理。",
    "电话客服一直占线，打了十几次都没有人接。",
)


@contextmanager
def encryption_off():
    from redress.common import crypto, fields

    saved = crypto.encrypt, crypto.decrypt, crypto.blind_index
    crypto.encrypt = lambda value, column, keys=None: value or ""
    crypto.decrypt = lambda stored, column, keys=None: stored or ""
    crypto.blind_index = lambda value, column, keys=None: (value or "")[:32]
    fields.crypto = crypto
    try:
        yield
    finally:
        crypto.encrypt, crypto.decrypt, crypto.blind_index = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="registrations per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
    os.environ.setdefault("REDRESS_DEMO", "1")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.utils import timezone

    from redress.testing import build_bank

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        bank = build_bank()
        serial = iter(range(10**6))

        def register(n: int) -> float:
            started = time.perf_counter()
            for _ in range(n):
                i = next(serial)
                bank.register(
                    complainant_phone=f"139{i:08d}",
                    complainant_id_number="",
                    complainant_name=f"客户{i}",
                    received_at=timezone.now() - dt.timedelta(minutes=5),
                    # Matters of several kinds, so that the registrations do not all join one group.
                    matter=f"第{i}号：{MATTERS[i % len(MATTERS)]}",
                )
            return n / (time.perf_counter() - started)

        register(20)  # warm: caches, the first statements' plans
        with encryption_off():
            register(20)

        def analyse() -> None:
            # The fresh test database has no statistics until autovacuum comes by: without them each round
            # ran slower than the one before, in both modes (tenth session, docs/performance.md §8).
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

        rates: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(args.rounds):
            analyse()
            rates["with"].append(round(register(args.n), 1))
            analyse()
            with encryption_off():
                rates["without"].append(round(register(args.n), 1))
        ratio = statistics.median(rates["with"]) / statistics.median(rates["without"])
        print(
            json.dumps(
                {
                    "database": connection.vendor,
                    "n": args.n,
                    "rounds": args.rounds,
                    "registrations_per_s": rates,
                    "ratio_with_over_without": round(ratio, 3),
                },
                indent=2,
            )
        )
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
