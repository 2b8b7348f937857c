"""Register cases through Redress's API (POST /api/v1/cases): a closed-loop load client.

The same design as peer-bench's load_create.py, which drives django-helpdesk: `--concurrency` threads,
each with its own httpx client and its own teller's token, send registrations back to back until `--n`
were attempted or `--max-seconds` passed, after `--warmup` unmeasured ones. Stdlib + httpx only, so it
runs under the peer's virtualenv and both sides are driven by the same client library. Loopback only.

Usage: python bench/load_cases.py --config cfg.json --n 3000 --concurrency 8 [--master-pid PID] [--out f]
cfg.json: {"base": "http://127.0.0.1:PORT", "clients": [{"token": .., "outlet": ..}, ...],
           "business_categories": [...], "reasons": [...]}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import threading
import time

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
]
CHANNELS = [
    "counter",
    "visit",
    "phone",
    "hotline",
    "letter",
    "online",
    "comment_box",
    "hq_service_centre",
    "regulator",
    "media",
]
CATEGORIES = [
    "work_error",
    "service_attitude",
    "internal_management",
    "service_product",
    "service_channel",
    "rule_violation",
]
MATTERS = [
    "客户在柜台办理{p}业务，等候时间超过一个小时，柜员态度冷淡，未作任何解释。",
    "客户反映{p}扣费未事先告知，多次致电客服热线未得到答复。",
    "客户称网点工作人员在办理{p}时搭售理财产品，未说明风险。",
    "客户反映自助设备吞卡后，网点未能在承诺时间内退还，影响{p}使用。",
    "客户投诉{p}申请被拒绝，网点未说明理由，客户认为受到不公平对待。",
]
PRODUCTS = ["借记卡", "信用卡", "个人贷款", "转账汇款", "理财产品", "手机银行", "存单"]
DEMANDS = [
    "要求网点书面道歉并改进服务。",
    "要求退还相关费用。",
    "要求说明原因并在三日内答复。",
    "要求更换经办人员并重新办理。",
]
# Allocated mainland mobile prefixes (a random 1xx is often unallocated and rightly refused).
MOBILE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "180",
    "186",
    "188",
]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
BEIJING = dt.timezone(dt.timedelta(hours=8))


def id_number(rnd: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randint(0, 18000))
    first17 = f"{rnd.choice(['110105', '310104', '420106', '440304'])}{birth:%Y%m%d}{rnd.randint(0, 999):03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def body(i: int, rnd: random.Random, outlet: str, cfg: dict) -> str:
    # A pool of varied matters when the run asks for one (`matters`: [matter, product], bench/matters.py),
    # else one of a few templates: every matter then has many like it (the burst's group rule needs that).
    pool = cfg.get("matters")
    if pool:
        matter, product = rnd.choice(pool)
    else:
        product = rnd.choice(PRODUCTS)
        matter = rnd.choice(MATTERS).format(p=product)
    received = dt.datetime.now(BEIJING) - dt.timedelta(minutes=rnd.randint(1, 600))
    return json.dumps(
        {
            "kind": "complaint",
            "channel": CHANNELS[i % len(CHANNELS)],
            "received_at": received.isoformat(timespec="seconds"),
            "complainant": {
                "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                "phone": f"{rnd.choice(MOBILE_PREFIXES)}{rnd.randint(0, 99_999_999):08d}",
                "id_number": id_number(rnd),
                "vip": rnd.random() < 0.1,
                "anonymous": False,
                "confidential": rnd.random() < 0.05,
            },
            "subject_unit": outlet,
            "matter": matter + f"（第{i}号登记）",
            "demand": rnd.choice(DEMANDS),
            "category": rnd.choice(CATEGORIES),
            "business_category": rnd.choice(cfg["business_categories"]),
            "reason": rnd.choice(cfg["reasons"]),
            "product": product,
            "amount": f"{rnd.randint(0, 500000) / 100:.2f}",
        },
        ensure_ascii=False,
    )


def cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        vals = list(map(int, f.readline().split()[1:]))
    return sum(vals), vals[3] + vals[4]


def pct(sorted_vals: list[float], p: float) -> float:
    if not sorted_vals:
        return float("nan")
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def worker_rss(master: int) -> dict:
    out = {}
    with open(f"/proc/{master}/task/{master}/children") as f:
        kids = [int(x) for x in f.read().split()]
    for pid in kids:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"gunicorn" not in f.read():
                continue  # the sweeper sidecar of `redress serve`, not a web worker
        with open(f"/proc/{pid}/status") as f:
            d = dict(line.split(":", 1) for line in f if ":" in line)
        out[pid] = {
            "VmRSS_MiB": round(int(d["VmRSS"].split()[0]) / 1024, 1),
            "VmHWM_MiB": round(int(d["VmHWM"].split()[0]) / 1024, 1),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--master-pid", type=int)
    ap.add_argument("--out")
    a = ap.parse_args()
    # Imported here so the payload builder above can be imported where httpx is not installed.
    import httpx

    with open(a.config) as f:
        cfg = json.load(f)
    base = cfg["base"].rstrip("/")
    assert base.startswith(("http://127.0.0.1", "http://localhost")), base
    url = base + "/api/v1/cases"
    clients = cfg["clients"]

    def run_phase(n: int, deadline: float) -> dict:
        lat: list[float] = []
        codes: dict = {}
        errors: list[str] = []
        lock = threading.Lock()
        counter = [0]

        def worker(wid: int) -> None:
            rnd = random.Random(wid * 7919 + n)
            me = clients[wid % len(clients)]
            headers = {
                "Authorization": "Bearer " + me["token"],
                "Content-Type": "application/json",
                "Accept-Language": "zh-hans",
            }
            with httpx.Client(timeout=120.0) as c:
                while True:
                    with lock:
                        i = counter[0]
                        if i >= n or time.monotonic() > deadline:
                            return
                        counter[0] += 1
                    payload = body(i, rnd, me["outlet"], cfg).encode()
                    t0 = time.perf_counter()
                    try:
                        r = c.post(url, content=payload, headers=headers)
                        elapsed = time.perf_counter() - t0
                        with lock:
                            codes[r.status_code] = codes.get(r.status_code, 0) + 1
                            if r.status_code == 201:
                                lat.append(elapsed)
                            elif len(errors) < 5:
                                errors.append(r.text[:400])
                    except Exception as e:  # any failure is counted and sampled
                        with lock:
                            codes["exc"] = codes.get("exc", 0) + 1
                            if len(errors) < 5:
                                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.concurrency)]
        c0, i0 = cpu_times()
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        c1, i1 = cpu_times()
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        lat.sort()
        return {
            "attempted": counter[0],
            "created": len(lat),
            "codes": {str(k): v for k, v in codes.items()},
            "errors_sample": errors,
            "wall_s": round(wall, 3),
            "throughput_per_s": round(len(lat) / wall, 2) if wall else None,
            "lat_ms": {
                "p50": round(pct(lat, 50) * 1000, 2),
                "p95": round(pct(lat, 95) * 1000, 2),
                "p99": round(pct(lat, 99) * 1000, 2),
                "mean": round(statistics.mean(lat) * 1000, 2) if lat else None,
                "max": round(lat[-1] * 1000, 2) if lat else None,
            },
            "machine_cpu_busy_pct": round((1 - (i1 - i0) / max(1, c1 - c0)) * 100, 1),
            "client_cpu_s": round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 2),
        }

    start = time.monotonic()
    res: dict = {"config": {k: v for k, v in vars(a).items() if k != "config"}, "auth": "bearer"}
    if a.warmup:
        res["warmup"] = run_phase(a.warmup, start + a.max_seconds)
    res["run"] = run_phase(a.n, start + a.max_seconds)
    if a.master_pid:
        res["worker_rss_after"] = worker_rss(a.master_pid)
    print(json.dumps(res, ensure_ascii=False))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
