"""What the similarity of matters costs an API registration, in-process: with it and without it, in
alternating blocks on the same database and in the same process (decisions 0027 and 0041).

Usage (a database migrated, with the benchmark's bank):
  DATABASE_URL=... python -m bench.fixture --mute-triggers > fixture.json
  DATABASE_URL=... python -m bench.matching_ab --fixture fixture.json \
      [--preload 3000] [--blocks 8] [--per-block 150] [--seed 21]

Django's test client posts the registration load's bodies (`bench.load_cases.body`) to POST /api/v1/cases:
first `--preload` of them, then `--blocks` pairs of blocks, one with the similarity of matters and one
without it (no topic read or joined, no related-matters lookup: as `bench.unmatched_urls` serves), in
turn first. One client and the server run one after the other, so a block's wall time is what both spend.
Prints the ms per registration of each block and the medians, as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--preload", type=int, default=3000)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--per-block", type=int, default=150)
    ap.add_argument("--seed", type=int, default=21)
    a = ap.parse_args()
    django.setup()

    from bench.load_cases import body
    from bench.profile_registration import api_client
    from redress.escalation import triggers
    from redress.matching import similarity

    client, headers, outlet, cfg = api_client(a.fixture)
    rnd = random.Random(a.seed)
    counter = [a.seed * 1_000_000]

    def post(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            counter[0] += 1
            payload = body(counter[0], rnd, outlet, cfg)
            response = client.post("/api/v1/cases", payload, content_type="application/json", **headers)
            assert response.status_code == 201, response.content[:500]
        return (time.perf_counter() - t0) / n * 1000

    post(a.preload)
    served = (triggers.related_cases, similarity.band_keys)
    ms: dict[str, list[float]] = {"with": [], "without": []}
    for block in range(a.blocks):
        for mode in ("with", "without") if block % 2 else ("without", "with"):
            if mode == "without":
                triggers.related_cases = lambda case, rules: triggers.Related()
                similarity.band_keys = lambda matter: ()
            try:
                ms[mode].append(round(post(a.per_block), 2))
            finally:
                triggers.related_cases, similarity.band_keys = served
    medians = {mode: round(statistics.median(v), 2) for mode, v in ms.items()}
    print(
        json.dumps(
            {
                "ms_per_registration": ms,
                "median": medians,
                "similarity_cost_ms": round(medians["with"] - medians["without"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
