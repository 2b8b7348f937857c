"""Where a two-word search's time at 1,000,000 cases goes, in SQL alone: PostgreSQL's GIN index ranked by
ts_rank (what Redress runs) against the RUM index's ordered scan (decision 0027, option 2), and the capped
count of the matches that both need.

Usage (PostgreSQL; the RUM variants need the `rum` extension on the server, Debian's postgresql-NN-rum, and
are left out without it):
  .venv/bin/python -m bench.search_index [--sizes 10000,1000000] [--searches 120]

For each size: a throw-away database with one table shaped as the search index (`matching_searchentry`:
the matter's segmented words under a weighted tsvector) plus the case's time and a scope (one of six
branches), filled with COPY from the 50,000 distinct matters of `bench.search` (`bench.matters`, segmented
by `redress.text.segment.search_words`), and both indexes built. Then the searches of `bench.search` (a
product and a problem: 信用卡 年费), 20 unmeasured, the rest timed, for the whole bank and for one branch:
- `gin_rank`: the matches, best first by ts_rank (normalised by length), newest first among equals, 50 of
  them, as `redress.text.fulltext` ranks (planner kept off the RUM index);
- `rum_order`: the same 50 by the RUM index's own order (`<=>`), read from the index in that order;
- `count_251`: the register's capped count (`register_query.capped_count`: at most a few pages ahead).
No Django, no visibility rules, no page dressing: the statements alone. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import psycopg

from bench import common
from bench.matters import matters, searches
from redress.text.fulltext import parse, tsquery
from redress.text.segment import joined, search_words

DB = "redress_bench_search_index"
WARMUP = 20
SCOPES = 6

STATEMENTS = {
    "gin_rank": (
        "SELECT case_id FROM entry WHERE document @@ to_tsquery('simple', %(q)s) {scope} "
        "ORDER BY ts_rank(document, to_tsquery('simple', %(q)s), 1) DESC, received_at DESC LIMIT 50"
    ),
    "rum_order": (
        "SELECT case_id FROM entry WHERE document @@ to_tsquery('simple', %(q)s) {scope} "
        "ORDER BY document <=> to_tsquery('simple', %(q)s) LIMIT 50"
    ),
    "count_251": (
        "SELECT count(*) FROM (SELECT 1 FROM entry WHERE document @@ to_tsquery('simple', %(q)s) {scope} "
        "LIMIT 251) s"
    ),
}


def _load(conn: psycopg.Connection, n: int, documents: list[str], rum: bool) -> dict:
    conn.execute(
        "CREATE TABLE entry (case_id bigint PRIMARY KEY, received_at timestamptz NOT NULL,"
        " scope int NOT NULL, words text NOT NULL, document tsvector GENERATED ALWAYS AS"
        " (setweight(to_tsvector('simple', words), 'A')) STORED)"
    )
    rnd = random.Random(5)
    with conn.cursor().copy("COPY entry (case_id, received_at, scope, words) FROM STDIN") as copy:
        for i in range(1, n + 1):
            copy.write_row((i, "2024-01-01 00:00:00+08", rnd.randrange(SCOPES), rnd.choice(documents)))
    conn.execute("UPDATE entry SET received_at = received_at + case_id * interval '90 seconds'")
    built = {}
    started = time.monotonic()
    conn.execute("CREATE INDEX entry_gin ON entry USING gin (document)")
    built["gin_build_s"] = round(time.monotonic() - started, 1)
    if rum:
        started = time.monotonic()
        conn.execute("CREATE INDEX entry_rum ON entry USING rum (document rum_tsvector_ops)")
        built["rum_build_s"] = round(time.monotonic() - started, 1)
    conn.execute("VACUUM ANALYZE entry")
    for index in ("entry_gin", "entry_rum") if rum else ("entry_gin",):
        (size,) = conn.execute("SELECT pg_relation_size(%s)", (index,)).fetchone()
        built[f"{index}_mib"] = round(size / 2**20, 1)
    return built


def _time(conn: psycopg.Connection, sql: str, queries: list[str], *, counts: bool) -> dict:
    for q in queries[:WARMUP]:
        conn.execute(sql, {"q": q}).fetchall()
    took, rows = [], []
    for q in queries[WARMUP:]:
        started = time.perf_counter()
        found = conn.execute(sql, {"q": q}).fetchall()
        took.append((time.perf_counter() - started) * 1000)
        rows.append(found[0][0] if counts else len(found))
    plan = [r[0] for r in conn.execute("EXPLAIN " + sql, {"q": queries[WARMUP]}).fetchall()]
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 3),
        "p95_ms": round(took[int(len(took) * 0.95)], 3),
        "rows_median": statistics.median(rows),
        "plan": plan[:5],
    }


def step(n: int, documents: list[str], queries: list[str]) -> dict:
    common.drop_database(DB)
    common.create_database(DB)
    try:
        with psycopg.connect(common.pg_url(DB), autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION rum")
                rum = True
            except (psycopg.errors.FeatureNotSupported, psycopg.errors.UndefinedFile):
                rum = False
            out: dict = {"cases": n, "rum": rum, **_load(conn, n, documents, rum)}
            (out["matches_of_the_first_search"],) = conn.execute(
                "SELECT count(*) FROM entry WHERE document @@ to_tsquery('simple', %s)", (queries[WARMUP],)
            ).fetchone()
            for who, scope in (("bank", ""), ("branch", "AND scope = 3")):
                for name, sql in STATEMENTS.items():
                    if name.startswith("rum") and not rum:
                        continue
                    # The GIN variant as Redress runs it: the planner kept off the RUM index's ordered scan.
                    conn.execute(f"SET enable_indexscan = {'off' if name == 'gin_rank' else 'on'}")
                    out[f"{who}/{name}"] = _time(
                        conn, sql.format(scope=scope), queries, counts=name.startswith("count")
                    )
            return out
    finally:
        common.drop_database(DB)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--searches", type=int, default=120)
    a = ap.parse_args()
    documents = [joined(search_words(matter)) for matter, _product in matters(50_000)]
    queries = [tsquery(parse(text)) for text in searches(a.searches)]
    out = [step(int(n), documents, queries) for n in a.sizes.split(",")]
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
