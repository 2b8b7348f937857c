"""The register pages, in-process: sessions for the HTTP timing, and the SQL each page runs with its plan.

Usage: DATABASE_URL=... python -m bench.pages sessions USER [USER ...]
       DATABASE_URL=... python -m bench.pages explain --pages pages.json [--repeat 5]

`sessions` logs each user in through Django's session engine (as the login page would) and issues each an
API token; prints {"username": {"session": "<sessionid>", "token": "<token>"}} for the HTTP client.
`explain` renders each page through Django's test client inside this process, captures its SQL
(CaptureQueriesContext), times the render (best and median of `--repeat`), and runs EXPLAIN (ANALYZE,
BUFFERS) on every statement that reads cases_case. It prints the pages with their statements, plans, and
warnings about sequential scans or sorts of cases.
pages.json: [{"user": "office", "name": "first page", "path": "/cases/"}, ...]; a path under /api/ is
requested with the user's token, any other with their session.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time

import django


def sessions(usernames: list[str]) -> dict[str, dict[str, str]]:
    from django.conf import settings
    from django.test import Client

    from redress.access.models import ApiToken
    from redress.organisation.models import Staff

    out = {}
    for username in usernames:
        staff = Staff.objects.get(username=username)
        client = Client()
        client.force_login(staff)
        out[username] = {
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "token": ApiToken.issue(staff),
        }
    return out


def plan_warnings(plan: str) -> list[str]:
    """Lines of a plan that scan or sort the whole cases table."""
    warnings = []
    for line in plan.splitlines():
        if re.search(r"Seq Scan on cases_case\b", line):
            warnings.append(line.strip())
        elif re.search(r"\bSort\b", line) and "Sort Key" not in line and "Sort Method" not in line:
            rows = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", line)
            if rows and int(rows.group(1)) > 1000:
                warnings.append(line.strip())
    return warnings


def explain(pages: list[dict], repeat: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from redress.access.models import ApiToken
    from redress.organisation.models import Staff

    clients: dict[str, Client] = {}
    results = []
    for page in pages:
        client = clients.get(page["user"])
        if client is None:
            staff = Staff.objects.get(username=page["user"])
            client = clients[page["user"]] = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(staff)}")
            client.force_login(staff)
        client.get(page["path"], HTTP_HOST="127.0.0.1")  # warm caches and the connection
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(page["path"], HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (page, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(page["path"], HTTP_HOST="127.0.0.1")
        statements = []
        for q in ctx.captured_queries:
            sql = q["sql"]
            entry = {"sql": sql, "ms": float(q["time"]) * 1000}
            if sql.lstrip().upper().startswith("SELECT") and "cases_case" in sql:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    entry["plan"] = "\n".join(r[0] for r in cursor.fetchall())
                entry["warnings"] = plan_warnings(entry["plan"])
            statements.append(entry)
        results.append(
            {
                **page,
                "inprocess_ms_best": round(min(times), 1),
                "inprocess_ms_median": round(statistics.median(times), 1),
                "statements": statements,
                "response_bytes": len(response.content),
            }
        )
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sessions")
    s.add_argument("users", nargs="+")
    e = sub.add_parser("explain")
    e.add_argument("--pages", required=True)
    e.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    django.setup()
    if a.cmd == "sessions":
        print(json.dumps(sessions(a.users)))
    else:
        with open(a.pages) as f:
            pages = json.load(f)
        print(json.dumps(explain(pages, a.repeat), ensure_ascii=False))


if __name__ == "__main__":
    main()
