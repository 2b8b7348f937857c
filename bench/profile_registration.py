"""Where one API registration spends its time, in-process (Django's test client, no HTTP server).

Usage: DATABASE_URL=... python -m bench.profile_registration --fixture fixture.json [--n 300]

Gets a token through POST /api/v1/auth/token, then posts the load client's registrations to
POST /api/v1/cases: lists the SQL of one warm registration (CaptureQueriesContext), times `--n` of them
with the time inside SQL execute() measured apart, and profiles another `--n` with cProfile. Prints JSON:
per-request ms, SQL statements and ms per request, the statements, and the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import pstats
import random
import re
import time
from pathlib import Path

import django


def labels(dimension: str) -> list[str]:
    from redress.cases import models

    path = Path(models.__file__).parent / "data" / "jrt0169-2018.csv"
    with open(path, encoding="utf-8") as f:
        return [row["label"] for row in csv.DictReader(f) if row["dimension"] == dimension]


def short(func: tuple) -> str:
    filename, line, name = func
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})"


def package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/redress/" in filename:
        return "redress/" + filename.split("/redress/", 1)[1].split("/", 1)[0]
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib"


def statement_shape(sql: str) -> str:
    """`SELECT … FROM "cases_classificationitem" …` → `SELECT cases_classificationitem`."""
    words = sql.split()
    verb = words[0].upper() if words else ""
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
    if verb in {"SELECT", "INSERT", "UPDATE", "DELETE"} and table:
        if "nextval" in sql:
            return "SELECT nextval(case number sequence)"
        return f"{verb} {table.group(1)}"
    if "nextval" in sql:
        return "SELECT nextval(case number sequence)"
    return verb


def api_client(fixture_path: str, varied_matters: int = 0):
    """Django's test client with a token of the fixture's first teller: (client, headers, outlet, the load
    client's configuration for `bench.load_cases.body`)."""
    from django.test import Client

    with open(fixture_path) as f:
        fixture = json.load(f)
    client = Client()
    teller, outlet = fixture["tellers"][0], fixture["outlets"][0]
    r = client.post(
        "/api/v1/auth/token",
        {"username": teller, "password": fixture["password"]},
        content_type="application/json",
        HTTP_HOST="127.0.0.1",
    )
    assert r.status_code == 200, r.content
    headers = {"HTTP_AUTHORIZATION": "Bearer " + r.json()["token"], "HTTP_HOST": "127.0.0.1"}
    cfg = {"business_categories": labels("business_category"), "reasons": labels("reason")}
    if varied_matters:
        from bench.matters import matters

        cfg["matters"] = matters(varied_matters)
    return client, headers, outlet, cfg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument(
        "--varied-matters", type=int, default=0, help="matters drawn from this many (bench/matters.py)"
    )
    a = ap.parse_args()
    django.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.load_cases import body

    client, headers, outlet, cfg = api_client(a.fixture, a.varied_matters)
    rnd = random.Random(5)
    counter = [0]

    def post() -> None:
        counter[0] += 1
        payload = body(counter[0], rnd, outlet, cfg)
        response = client.post("/api/v1/cases", payload, content_type="application/json", **headers)
        assert response.status_code == 201, response.content[:500]

    for _ in range(20):
        post()
    with CaptureQueriesContext(connection) as ctx:
        post()
    statements = [q["sql"] for q in ctx.captured_queries]

    sql = {"n": 0, "t": 0.0}
    by_statement: dict[str, list[float]] = {}

    def timed(execute, sql_text, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            elapsed = time.perf_counter() - t0
            sql["n"] += 1
            sql["t"] += elapsed
            by_statement.setdefault(statement_shape(sql_text), []).append(elapsed)

    with connection.execute_wrapper(timed):
        t0 = time.perf_counter()
        for _ in range(a.n):
            post()
        wall = time.perf_counter() - t0

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(a.n):
        post()
    profile.disable()
    stats = pstats.Stats(profile)
    rows = stats.stats  # {func: (primitive calls, calls, tottime, cumtime, callers)}
    by_cum = sorted(rows.items(), key=lambda kv: kv[1][3], reverse=True)
    by_tot = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)
    per = 1000.0 / a.n
    packages: dict[str, float] = {}
    for func, (_cc, _nc, tt, _ct, _callers) in rows.items():
        key = package(func[0])
        packages[key] = packages.get(key, 0.0) + tt * per
    print(
        json.dumps(
            {
                "n": a.n,
                "per_request_ms": round(wall / a.n * 1000, 2),
                "sql_statements_per_request": round(sql["n"] / a.n, 2),
                "sql_exec_ms_per_request": round(sql["t"] / a.n * 1000, 2),
                "python_ms_per_request": round((wall - sql["t"]) / a.n * 1000, 2),
                "statements_one_warm_request": statements,
                "sql_ms_per_request_by_statement": {
                    shape: {
                        "per_request": round(len(v) / a.n, 2),
                        "ms_mean": round(sum(v) / len(v) * 1000, 3),
                    }
                    for shape, v in sorted(by_statement.items(), key=lambda kv: -sum(kv[1]))
                },
                "profiled_ms_per_request": round(stats.total_tt * per, 2),
                "top_cumulative": [
                    {"func": short(f), "calls_per_req": round(v[1] / a.n, 1), "cum_ms": round(v[3] * per, 3)}
                    for f, v in by_cum[:120]
                ],
                "top_self": [
                    {"func": short(f), "calls_per_req": round(v[1] / a.n, 1), "self_ms": round(v[2] * per, 3)}
                    for f, v in by_tot[:30]
                ],
                "self_ms_by_package": dict(
                    sorted(((k, round(v, 2)) for k, v in packages.items()), key=lambda kv: -kv[1])
                ),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
