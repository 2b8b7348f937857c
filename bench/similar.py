"""Issue 13's benchmark: the similarity lookup at registration, on PostgreSQL with N cases in their topics.

Usage:
  .venv/bin/python -m bench.similar [--sizes 10000,100000] [--lookups 300] [--registrations 150]
  DATABASE_URL=... python -m bench.similar --step --n N ...   # one measurement (run by the above)

Each step builds the small test bank, then copies a registered case N times with set-based SQL, each copy
with a matter from a pool (the 190 matters of the evaluation set and the bulk loader's 72), a phone of its
own (one in ten shares a phone with another case) and a time spread over the year before `now`; the pool's
matters are placed in topics as registration would have placed them, and each copy joins its matter's topic
in SQL, so the tables hold what registration would have written.
The pool is small beside a real register: every matter has N/262 copies, so the candidates of a lookup
are many more than a real bank's (a worst case, not a typical one).

It times (1) `escalation.triggers.related_cases`, the one lookup the repeat, group and skip-level rules make
at registration, for `lookups` cases taken at random as if just registered (p50, p95), each case's matter
concepts and band keys worked out first and timed apart (`matter_worked_out_p50_ms`: at registration the
intake has done it, before the triggers look, for the search entry and the topic it joins), and each
lookup run again unprepared, in turn first (`lookup_unprepared_p50_ms`; the lookup is a prepared statement
on PostgreSQL unless REDRESS_DB_PREPARED_STATEMENTS=0); (2) registering
`registrations` cases through `register_case`, with the topics and the lookup, and with both replaced by
nothing (in the same process, alternating quarters), as cases per second; each of these falls in a week of its
own after the loaded year, so no group forms and the common path is what is compared. Target: the lookup p50
under 5 ms; registration with it at least 0.9× the rate without it. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

LOOKUP_TARGET_MS = 5.0
THROUGHPUT_TARGET = 0.9


class _Count:
    """Counts the statements sent (savepoints included: each is a round trip)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _pool() -> list[str]:
    from bench.bulkload import MATTERS, PRODUCTS
    from redress.matching.tests.evaluation import blocks

    pool = [text for same, near in blocks() for text in same + near]
    return pool + [m.format(p=p) for m in MATTERS for p in PRODUCTS]


def _load(n: int, now) -> tuple[float, int]:
    """N-1 copies of a seed case with pooled matters, in their topics; (seconds, member rows)."""
    from django.db import connection

    from redress.lifecycle.registration import register_case
    from redress.testing import build_bank

    bank = build_bank()
    seed = register_case(bank.teller, bank.registration(received_at=now)).case
    pool = _pool()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE pool (idx int PRIMARY KEY, matter text)")
        cursor.execute("CREATE TEMP TABLE pool_topic (idx int PRIMARY KEY, topic bigint)")
        cursor.executemany("INSERT INTO pool VALUES (%s, %s)", list(enumerate(pool)))
        cursor.executemany("INSERT INTO pool_topic VALUES (%s, %s)", _pool_topics(pool, seed))
        skip = {"id", "number", "matter", "received_at", "complainant_phone", "complainant_id_number"}
        skip |= {"complainant_phone_index", "complainant_id_index"}
        case_columns = [f.column for f in seed._meta.concrete_fields if f.column not in skip]
        cols = ", ".join(f'"{c}"' for c in case_columns)
        # Cases over the year before `now`; one phone in ten shared with the case ten before it. Only the
        # phone's index is written (the lookup compares indexes; any text stands for one), no number.
        cursor.execute(
            f"""INSERT INTO cases_case (number, matter, received_at, complainant_phone_index,
                                        complainant_id_index, complainant_phone, complainant_id_number,
                                        {cols})
                SELECT 'TB' || lpad(g::text, 10, '0'), p.matter,
                       %s::timestamptz - (g::float8 / %s) * interval '365 days' - interval '1 hour',
                       '139' || lpad((CASE WHEN g %% 10 = 0 THEN g - 10 ELSE g END)::text, 8, '0'),
                       '', '', '',
                       {", ".join(f'c."{x}"' for x in case_columns)}
                  FROM cases_case c, generate_series(1, %s) g
                  JOIN pool p ON p.idx = g %% %s
                 WHERE c.id = %s""",
            [now, n, n - 1, len(pool), seed.pk],
        )
        cursor.execute(
            """INSERT INTO matching_topicmember (case_id, topic_id, received_at, scope_path, product, person,
                                                 people)
               SELECT c.id, t.topic, c.received_at,
                      CASE WHEN c.subject_unit_path <> '' THEN c.subject_unit_path ELSE c.unit_path END,
                      c.product, c.complainant_phone_index, GREATEST(c.joint_complainants, 1)
                 FROM cases_case c JOIN pool_topic t ON t.idx = substr(c.number, 3)::int %% %s
                WHERE c.number LIKE 'TB%%'""",
            [len(pool)],
        )
        cursor.execute("SELECT count(*) FROM matching_topicmember")
        members = cursor.fetchone()[0]
        # As autovacuum leaves a table in service (migration matching 0008 has it visit the member rows after
        # every 1% new): its pages all-visible, so the lookup can read the index alone. This machine's
        # PostgreSQL runs with autovacuum off, which no production server does.
        cursor.execute("VACUUM (ANALYZE) matching_topicmember")
        cursor.execute("ANALYZE")
    return time.perf_counter() - t0, members


def _pool_topics(pool: list[str], seed) -> list[tuple[int, int]]:
    """(pool index, topic) of every matter of the pool, the topics stored as registration would have raised
    them, one matter after another (`similarity.placements`)."""
    from redress.escalation.triggers import current_settings
    from redress.matching import similarity
    from redress.matching.models import Topic, TopicKey

    matters = [similarity.concepts(text) for text in pool]
    placed = similarity.placements(matters, {}, {}, float(current_settings().similarity_threshold))
    raised = {
        i: Topic.objects.create(concepts=similarity.stored(matters[i]), raised_by=seed)
        for i, t in enumerate(placed)
        if t == -i - 1
    }
    TopicKey.objects.bulk_create(
        [TopicKey(key=k, topic=t) for i, t in raised.items() for k in similarity.band_keys(matters[i])]
    )
    return [(i, raised[-t - 1].pk) for i, t in enumerate(placed) if t is not None]


def _step(n: int, lookups: int, registrations: int) -> dict:
    import django

    django.setup()
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.db import connection

    from redress.cases.models import Case
    from redress.escalation import triggers
    from redress.lifecycle.registration import register_case
    from redress.matching import similarity
    from redress.organisation.models import Staff

    now = dt.datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    load_s, members = _load(n, now)
    rules = triggers.current_settings()
    rnd = random.Random(1)
    ids = list(Case.objects.values_list("pk", flat=True))
    picked = Case.objects.filter(pk__in=rnd.sample(ids, min(lookups, len(ids)))).select_related(
        "unit", "subject_unit"
    )
    times, unprepared, prepared, found = [], [], [], []
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold

    def timed_lookup(case: Case, prepare: bool) -> tuple[float, object]:
        # The driver prepares only on a connection with a threshold (REDRESS_DB_PREPARED_STATEMENTS).
        connection.connection.prepare_threshold = threshold if prepare else None
        t0 = time.perf_counter()
        related = triggers.related_cases(case, rules)
        return (time.perf_counter() - t0) * 1000, related

    for i, case in enumerate(picked):
        # What registration has worked out before its triggers look (redress.matching.intake stores the
        # matter's concepts and band keys): timed apart, since the lookup at registration does not pay it.
        t0 = time.perf_counter()
        similarity.band_keys(similarity.matter_of(case))
        prepared.append((time.perf_counter() - t0) * 1000)
        # The same lookup as configured and unprepared, in turn first (the first warms the pages for the
        # second), so the prepared statement's share is measured in the same run.
        for as_configured in (True, False) if i % 2 else (False, True):
            took, related = timed_lookup(case, prepare=as_configured and threshold is not None)
            (times if as_configured else unprepared).append(took)
        found.append(len(related.similar) + len(related.earlier))
    connection.connection.prepare_threshold = threshold
    times.sort()
    unprepared.sort()
    sql, params = triggers.related_query(case, rules)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plan = [row[0] for row in cursor.fetchall()][:12]

    teller = Staff.objects.get(username="teller")
    pool = _pool()

    def register(k: int) -> None:
        data = _registration(teller, pool[rnd.randrange(len(pool))], k, now)
        register_case(teller, data, now=data.received_at + dt.timedelta(minutes=5))

    real_related, real_keys = triggers.related_cases, similarity.band_keys
    rates: dict[str, list[float]] = {"with": [], "without": []}
    statements = {"with": _Count(), "without": _Count()}
    k = 0
    for round_ in range(4):
        mode = "with" if round_ % 2 == 0 else "without"
        if mode == "without":
            triggers.related_cases = lambda case, rules: triggers.Related()
            similarity.band_keys = lambda matter: ()
        t0 = time.perf_counter()
        with connection.execute_wrapper(statements[mode]):
            for _ in range(registrations // 4):
                k += 1
                register(k)
        rates[mode].append((registrations // 4) / (time.perf_counter() - t0))
        triggers.related_cases, similarity.band_keys = real_related, real_keys
    with_rate = statistics.mean(rates["with"])
    without_rate = statistics.mean(rates["without"])
    return {
        "cases": Case.objects.count(),
        "topic_members": members,
        "load_s": round(load_s, 1),
        "lookups": len(times),
        "lookup_p50_ms": round(statistics.median(times), 2),
        "lookup_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "lookup_prepared": threshold is not None,
        "lookup_unprepared_p50_ms": round(statistics.median(unprepared), 2),
        "matter_worked_out_p50_ms": round(statistics.median(prepared), 2),
        "similar_found_median": statistics.median(found),
        "registrations_per_s_with": round(with_rate, 1),
        "registrations_per_s_without": round(without_rate, 1),
        "throughput_ratio": round(with_rate / without_rate, 3),
        "statements_per_registration_with": round(statements["with"].n / (registrations // 2), 2),
        "statements_per_registration_without": round(statements["without"].n / (registrations // 2), 2),
        "candidate_plan": plan,
    }


def _registration(teller, matter: str, k: int, now):
    import datetime as dt

    from redress.cases.services import RegistrationData

    return RegistrationData(
        kind="complaint",
        channel="counter",
        # Each in a week of its own after the loaded year: the common path, where no group forms (a
        # group's escalations and notices would be timed, not the lookup).
        received_at=now + dt.timedelta(days=8 * k),
        complainant_name="张三",
        complainant_phone=f"137{k:08d}",
        subject_unit=teller.unit.code,
        matter=matter,
        demand="要求网点道歉并改进服务。",
        category="service_attitude",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--registrations", type=int, default=160)
    parser.add_argument("--step", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(_step(args.n, args.lookups, args.registrations), ensure_ascii=False))
        return
    from bench.common import create_database, drop_database, machine, migrate, redress_env, run_step

    runs = []
    for n in (int(s) for s in args.sizes.split(",")):
        db = f"redress_bench_similar_{n}"
        create_database(db)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                env = redress_env(db, Path(tmp))
                migrate(env)
                step = ["--step", "--n", str(n), "--lookups", str(args.lookups)]
                runs.append(
                    run_step("similar", [*step, "--registrations", str(args.registrations)], env, 7200)
                )
        finally:
            drop_database(db)
        print(json.dumps(runs[-1], ensure_ascii=False), flush=True)
    largest = runs[-1]
    summary = {
        "command": f"python -m bench.similar --sizes {args.sizes} --lookups {args.lookups} "
        f"--registrations {args.registrations}",
        "machine": machine(),
        "runs": runs,
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    ok_lookup = largest["lookup_p50_ms"] < LOOKUP_TARGET_MS
    ok_rate = largest["throughput_ratio"] >= THROUGHPUT_TARGET
    print(
        f"lookup p50 at {largest['cases']:,} cases: {largest['lookup_p50_ms']} ms "
        f"(target < {LOOKUP_TARGET_MS}): {'PASS' if ok_lookup else 'FAIL'}"
    )
    print(
        f"registration with/without the lookup: {largest['throughput_ratio']} "
        f"(target ≥ {THROUGHPUT_TARGET}): {'PASS' if ok_rate else 'FAIL'}"
    )
    sys.exit(0 if ok_lookup and ok_rate else 1)


if __name__ == "__main__":
    main()
