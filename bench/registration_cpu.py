"""CPU a registration costs, in-process: this process and its PostgreSQL backend, for the registration load's
bodies posted through Django's test client to POST /api/v1/cases. For comparing two versions of the code on
a machine whose speed moves: run it from a checkout of each, one after the other and several times, each on
a fresh copy of the same database, and compare the CPU (steadier than the wall time, which it also prints).

Usage (a database migrated, with the benchmark's bank):
  DATABASE_URL=... python -m bench.fixture --mute-triggers > fixture.json
  DATABASE_URL=... python -m bench.registration_cpu --fixture fixture.json [--preload 1000] [--n 800]

Prints JSON: CPU ms a registration (Python, PostgreSQL, both) and wall ms.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--preload", type=int, default=1000)
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    django.setup()

    from bench.load_cases import body
    from bench.matching_ab import cpu_clock
    from bench.profile_registration import api_client

    client, headers, outlet, cfg = api_client(a.fixture)
    rnd = random.Random(a.seed)
    counter = [0]

    def post(n: int) -> None:
        for _ in range(n):
            counter[0] += 1
            payload = body(counter[0], rnd, outlet, cfg)
            response = client.post("/api/v1/cases", payload, content_type="application/json", **headers)
            assert response.status_code == 201, response.content[:500]

    clock = cpu_clock()
    post(a.preload)
    cpu0, wall0 = clock(), time.perf_counter()
    python0 = time.process_time()
    post(a.n)
    python1 = time.process_time()
    cpu1, wall1 = clock(), time.perf_counter()

    def per(seconds: float) -> float:
        return round(seconds / a.n * 1000, 3)

    python, both = python1 - python0, cpu1 - cpu0
    print(
        json.dumps(
            {
                "n": a.n,
                "cpu_ms": {"python": per(python), "postgresql": per(both - python), "both": per(both)},
                "wall_ms": per(wall1 - wall0),
            }
        )
    )


if __name__ == "__main__":
    main()
