"""Issue 12's surge benchmark: an emergency plan active over a bank of 2,000 outlets, 5,000 plan complaints
registered over the API in 10 minutes by 8 clients (30 % of them in group complaints), the sweeper running.

    .venv/bin/python -m bench.run surge                       # the full run (5,000 in 10 minutes)
    .venv/bin/python -m bench.run surge --count 300 --minutes 1   # a quick check

What it does, in order (each Django step is its own `python -m bench.surge --step …` process, as in
bench.run, so the orchestrator never imports Django):

1. A throw-away PostgreSQL database (redress_bench_surge), migrated; the bank of bench/fixture.py at
   4 provinces × 10 branches × 5 sub-branches × 10 outlets (2,000 outlets, a teller each); a plan drafted by
   the supervision office over the head office (every outlet), approved by a leader in charge and activated
   (redress.plans.services), its arrive limit short enough for its clocks to come due during the run
   (`--arrive-hours` 0.01 = 36 s, the least a plan accepts; `--answer-hours` 4 and `--report-hours` 8 are
   P1's own): in a real plan each limit's clocks come due in a wave at the surge's rate, one limit after
   the surge; the run brings the first wave forward; an API token per teller.
2. The registrations, planned before the load: complaints about outlets spread over the whole bank, each
   registered by the teller of the outlet complained about (its own token), the plan's fifteen complaint
   types in turn (`plan_type`); 30 % in groups of three to five customers about the same outlet and matter
   (the group rule's threshold is three), the rest single complaints whose matters are unlike any other in
   their branch (the group rule's scope), so a group forms where, and only where, one was planned.
3. `redress serve` (gunicorn, `--workers`, its own sweeper sidecar off) and, beside it, the sweeper as
   `redress sweep` does one pass (`call_command("sweep")`: sweep, retries, audit seal), every `--sweep-every`
   seconds, each pass timed.
4. The load: redress.testing_cluster.RegistrationLoad (8 client threads, each paced to `minutes × clients /
   count` seconds a registration, a failure retried with the same Idempotency-Key), the moment of receipt
   set when each is sent. Latency is a registration's time from its first attempt to its 2xx.
5. After the load the sweeper runs until the last cases' arrive clocks are due and marked, then stops.
6. Checked from the database: every acknowledged registration stored once (its key is in its demand, its
   number the one answered; no case without a key, none with two), each a plan case of this plan with the
   type it was sent with, its three plan clocks once each, started at receipt, due at receipt + the plan's
   hours (continuous), warning at 75 %, beside the statutory decision clock and without the bank's
   working-day reply clock; every planned group's members flagged and in one group, no single complaint
   flagged; every clock due before the sweeper's last pass marked, none marked before its moment.

The sweeper's lag: a clock's warning (breach) is stamped with the moment its pass began (`now` of
redress.lifecycle.sweeper.sweep); the pass that marked it is the one whose start and end hold that stamp, and
its changes are visible when the pass ends. Lag = that end − the clock's `warn_at` (`due_at`): the wait for
the next pass (at most `--sweep-every`) plus the pass's own work. Reported overall and per minute of the run,
which shows whether it grows as due clocks pile up.

Results in bench/results/<time>/surge.json and surge.md. See docs/performance.md §10.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

DB = "redress_bench_surge"
CATEGORIES = ["work_error", "service_attitude", "internal_management", "service_product", "service_channel",
              "rule_violation"]  # fmt: skip
CHANNELS = ["counter", "visit", "phone", "letter"]
DEMANDS = ["要求尽快处理并给出答复。", "要求网点说明原因。", "要求退还相关费用。", "要求书面道歉。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]
# Matters of single complaints in one branch are kept below this likeness to each other (the group rule's
# threshold is 0.40): a margin, so no three of them make a group that was not planned.
UNLIKE = 0.30


def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values: list[float], scale: float = 1.0, digits: int = 1) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        **{f"p{p}": round(pct(values, p) * scale, digits) for p in (50, 95, 99)},
        "max": round(max(values) * scale, digits),
    }


# ---- Django steps ---------------------------------------------------------------------------------------


def step_setup(a: argparse.Namespace) -> dict:
    """The bank, the active plan, a token per teller, and a pool of matters unlike each other."""
    import django

    django.setup()
    from django.utils import timezone

    from bench.fixture import build
    from bench.matters import matters
    from redress.access.models import ApiToken
    from redress.escalation.models import DEFAULT_MEDIA_PHRASES, DEFAULT_TOP_MEDIA_PHRASES
    from redress.matching.similarity import concepts, score
    from redress.organisation.choices import Role
    from redress.organisation.models import Staff, Unit
    from redress.organisation.services import create_staff
    from redress.plans import services as plans
    from redress.plans.choices import PlanType

    t0 = time.perf_counter()
    bank = build(a.provinces, a.branches, a.sub_branches, a.outlets)
    built_s = time.perf_counter() - t0
    office = Staff.objects.get(username=bank["office"])
    leader = create_staff(
        username="leader", name="主管行领导", unit=Unit.objects.get(code="HO"), roles=[Role.LEADER_IN_CHARGE]
    )
    now = timezone.now()
    plan = plans.draft(
        office,
        plans.PlanData(
            name="系统切换应急预案（压力测试）",
            event="核心系统切换期间网点业务受影响",
            starts_at=now - dt.timedelta(minutes=5),
            ends_at=now + dt.timedelta(days=2),
            units=["HO"],
            limits={
                "arrive_hours": a.arrive_hours,
                "answer_hours": a.answer_hours,
                "report_hours": a.report_hours,
            },
            hotline="95588",
        ),
        now=now,
    )
    plans.approve(leader, plan, now=now)
    plans.activate(office, plan, now=now)
    tokens = {}
    for staff in Staff.objects.filter(username__in=bank["tellers"]).select_related("unit"):
        tokens[staff.unit.code] = ApiToken.issue(staff)
    # A pool of matters no two of which are alike (and none naming the media, which would fire that rule).
    phrases = DEFAULT_MEDIA_PHRASES + DEFAULT_TOP_MEDIA_PHRASES
    pool: list[tuple[str, frozenset]] = []
    for text, _product in matters(20_000, seed=5):
        if any(p in text for p in phrases):
            continue
        c = concepts(text)
        if all(score(c, d) < UNLIKE for _, d in pool):
            pool.append((text, c))
            if len(pool) >= a.pool:
                break
    return {
        "plan": plan.pk,
        "limits": {k: str(v) for k, v in plan.limit_hours().items()},
        "outlets": bank["outlets"],
        "branches": len(bank["branches"]),
        "tokens": tokens,
        "matters": [text for text, _ in pool],
        "plan_types": list(PlanType.values),
        "fixture_s": round(built_s, 1),
    }


def step_sweeper(a: argparse.Namespace) -> None:
    """The sweeper as `redress sweep --every` runs it, one line of JSON per pass with its start, end and
    duration, until the stop file appears."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections

    stop = Path(a.stop_file)
    last = False
    with open(a.passes, "a", encoding="utf-8") as out:
        while True:
            close_old_connections()
            started = dt.datetime.now(dt.UTC)
            t0 = time.perf_counter()
            buf = io.StringIO()
            error = ""
            try:
                call_command("sweep", stdout=buf)
            except Exception as exc:  # a failed pass is recorded and the next one tried, as the sidecar does
                error = repr(exc)
            seconds = time.perf_counter() - t0
            ended = dt.datetime.now(dt.UTC)
            line = buf.getvalue().strip().splitlines()
            out.write(
                json.dumps(
                    {
                        "started": started.isoformat(),
                        "ended": ended.isoformat(),
                        "seconds": round(seconds, 3),
                        "result": json.loads(line[-1]) if line else {},
                        "error": error,
                    }
                )
                + "\n"
            )
            out.flush()
            if last:
                return
            # The last pass starts after the stop was asked (not one already under way then), so every clock
            # due by the stop is marked by it and checked (step_verify: due before the last pass began).
            last = stop.exists()
            deadline = time.monotonic() + max(0.0, a.sweep_every - seconds)
            while not last and time.monotonic() < deadline:
                time.sleep(0.2)
                last = stop.exists()


def step_verify(a: argparse.Namespace) -> dict:
    """Everything checked from the database (see the module's docstring, step 6)."""
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection

    from redress.cases.choices import Flag
    from redress.cases.models import Case, CaseFlag, RegistrationKey
    from redress.deadlines.choices import DEFAULT_WARN_PERCENT, ClockName
    from redress.deadlines.models import Clock
    from redress.escalation.models import GroupMember
    from redress.escalation.services import group_of
    from redress.plans.models import Plan, PlanCase

    sent = json.loads(Path(a.outcomes).read_text())
    passes = [json.loads(line) for line in Path(a.passes).read_text().splitlines() if line.strip()]
    for p in passes:
        p["started"] = dt.datetime.fromisoformat(p["started"])
        p["ended"] = dt.datetime.fromisoformat(p["ended"])
    plan = Plan.objects.get(pk=a.plan)
    hours = {
        ClockName.ARRIVE: plan.arrive_hours,
        ClockName.ANSWER_CUSTOMER: plan.answer_hours,
        ClockName.REPORT_TO_GROUP: plan.report_hours,
    }
    problems: list[str] = []

    def problem(text: str) -> None:
        if len(problems) < 40:
            problems.append(text)

    # -- stored once
    cases = {
        c["number"]: c for c in Case.objects.values("id", "number", "demand", "received_at", "created_at")
    }
    by_key: dict[str, list[str]] = {}
    for number, c in cases.items():
        key = c["demand"].rsplit("[", 1)[-1].rstrip("]") if c["demand"].endswith("]") else ""
        by_key.setdefault(key, []).append(number)
    acknowledged = [o for o in sent if o["acknowledged"]]
    stored = {"requests": len(sent), "acknowledged": len(acknowledged), "cases": len(cases)}
    stored["unacknowledged"] = len(sent) - len(acknowledged)
    stored["duplicated"] = sum(1 for k, ns in by_key.items() if k and len(ns) > 1)
    stored["without_key"] = len(by_key.get("", []))
    lost = 0
    for o in acknowledged:
        numbers = by_key.get(o["key"], [])
        if o["number"] not in numbers or len(numbers) != 1:
            lost += o["number"] not in numbers
            problem(f"{o['key']}: answered {o['number']}, stored {numbers}")
    stored["lost"] = lost
    stored["answered_twice"] = len(acknowledged) - len({o["number"] for o in acknowledged})
    stored["stored_unacknowledged"] = sum(1 for o in sent if not o["acknowledged"] and by_key.get(o["key"]))
    stored["idempotency_keys"] = RegistrationKey.objects.count()
    stored["ok"] = (
        stored["duplicated"] == 0
        and lost == 0
        and stored["answered_twice"] == 0
        and stored["without_key"] == 0
        and stored["cases"] == len(acknowledged) + stored["stored_unacknowledged"]
    )

    # -- plan membership and clocks
    ids = {cases[o["number"]]["id"]: o for o in acknowledged if o["number"] in cases}
    members = {m.case_id: m for m in PlanCase.objects.filter(case_id__in=ids)}
    clocks: dict[int, list[Clock]] = {}
    for clock in Clock.objects.filter(case_id__in=ids).select_related("policy"):
        clocks.setdefault(clock.case_id, []).append(clock)
    counts = {"plan_cases": 0, "wrong_plan_or_type": 0, "clock_sets_right": 0, "clock_problems": 0,
              "with_decision_clock": 0, "with_reply_clock": 0}  # fmt: skip
    plan_clocks: list[Clock] = []
    for case_id, o in ids.items():
        member = members.get(case_id)
        if member is None:
            counts["wrong_plan_or_type"] += 1
            problem(f"{o['key']}: not a plan case")
            continue
        counts["plan_cases"] += 1
        if member.plan_id != plan.pk or member.plan_type != o["plan_type"]:
            counts["wrong_plan_or_type"] += 1
            problem(f"{o['key']}: plan {member.plan_id} type {member.plan_type}, sent {o['plan_type']}")
        received = cases[o["number"]]["received_at"]
        mine = clocks.get(case_id, [])
        names = [c.name for c in mine]
        counts["with_decision_clock"] += ClockName.DECISION in names
        counts["with_reply_clock"] += ClockName.REPLY in names
        right = True
        for name, limit in hours.items():
            found = [c for c in mine if c.name == name]
            if len(found) != 1:
                right = False
                problem(f"{o['key']}: {len(found)} {name} clocks")
                continue
            c = found[0]
            plan_clocks.append(c)
            span = dt.timedelta(hours=float(limit))
            expected_warn = received + span * DEFAULT_WARN_PERCENT / 100
            if (
                c.started_at != received
                or c.due_at != received + span
                or abs((c.warn_at - expected_warn).total_seconds()) > 0.001
                or c.amount != Decimal(limit)
                or c.unit != "hours"
                or c.policy.code != "bank.emergency"
            ):
                right = False
                problem(
                    f"{o['key']} {name}: started {c.started_at} due {c.due_at} warn {c.warn_at} "
                    f"amount {c.amount} {c.unit}, received {received}, plan {limit} h"
                )
        counts["clock_sets_right"] += right
        counts["clock_problems"] += not right
    counts["ok"] = (
        counts["plan_cases"] == len(ids)
        and counts["wrong_plan_or_type"] == 0
        and counts["clock_sets_right"] == len(ids)
        and counts["with_decision_clock"] == len(ids)
        and counts["with_reply_clock"] == 0
    )

    # -- groups
    flagged = set(CaseFlag.objects.filter(flag=Flag.GROUP, case_id__in=ids).values_list("case_id", flat=True))
    firsts: dict[int, set[int]] = {}
    for case_id, first in GroupMember.objects.filter(case_id__in=ids).values_list("case_id", "first_id"):
        firsts.setdefault(case_id, set()).add(first)
    planned: dict[str, list[int]] = {}
    singles = []
    for case_id, o in ids.items():
        if o["group"]:
            planned.setdefault(o["group"], []).append(case_id)
        else:
            singles.append(case_id)
    groups = {"planned_groups": len(planned), "planned_members": sum(len(v) for v in planned.values()),
              "members_flagged": 0, "groups_complete": 0, "groups_split": 0, "singles": len(singles),
              "singles_flagged": sum(1 for s in singles if s in flagged)}  # fmt: skip
    for name, members_ in planned.items():
        groups["members_flagged"] += sum(1 for m in members_ if m in flagged)
        # One group: every member reaches the same first case through the joins (services.group_of).
        whole = {pk for pk in group_of(members_[0])} if members_[0] in firsts else set()
        complete = all(m in flagged for m in members_) and set(members_) <= whole
        groups["groups_complete"] += complete
        if not complete:
            groups["groups_split"] += 1
            problem(f"group {name}: {len(members_)} members, {sum(m in flagged for m in members_)} flagged")
    groups["ok"] = groups["groups_complete"] == len(planned) and groups["singles_flagged"] == 0

    # -- the sweeper: every clock due before its last pass marked, none early; the lag
    last_start = passes[-1]["started"] if passes else None
    sweeper: dict = {"passes": len(passes), "failed_passes": sum(1 for p in passes if p["error"])}
    unmarked_due = unmarked_warn = early = 0
    lag_breach: list[float] = []
    lag_warn: list[float] = []
    stamp_breach: list[float] = []
    per_minute: dict[int, list[float]] = {}
    start = min((p["started"] for p in passes), default=None)

    def pass_of(stamp: dt.datetime) -> dict | None:
        for p in passes:
            if p["started"] <= stamp <= p["ended"]:
                return p
        return None

    unmatched = 0
    for c in plan_clocks:
        if c.breached_at is not None:
            if c.breached_at < c.due_at:
                early += 1
            p = pass_of(c.breached_at)
            if p is None:
                unmatched += 1
                continue
            lag = (p["ended"] - c.due_at).total_seconds()
            lag_breach.append(lag)
            stamp_breach.append((c.breached_at - c.due_at).total_seconds())
            per_minute.setdefault(int((c.due_at - start).total_seconds() // 60), []).append(lag)
        elif last_start is not None and c.due_at <= last_start and c.state in ("running", "warning"):
            unmarked_due += 1
            problem(f"clock {c.pk} {c.name} due {c.due_at} still {c.state}")
        if c.warned_at is not None:
            if c.warned_at < c.warn_at:
                early += 1
            p = pass_of(c.warned_at)
            if p is None:
                unmatched += 1
                continue
            lag_warn.append((p["ended"] - c.warn_at).total_seconds())
        elif (
            last_start is not None
            and c.breached_at is None
            and c.warn_at <= last_start
            and c.state == "running"
        ):
            unmarked_warn += 1
    by_name: dict[str, dict] = {}
    for name in hours:
        mine = [c for c in plan_clocks if c.name == name]
        by_name[name] = {
            "clocks": len(mine),
            "due_before_last_pass": sum(1 for c in mine if last_start and c.due_at <= last_start),
            "breached": sum(1 for c in mine if c.breached_at is not None),
            "warned": sum(1 for c in mine if c.warned_at is not None),
        }
    durations = [p["seconds"] for p in passes]
    longest: dict[int, float] = {}
    for p in passes:
        minute = int((p["started"] - start).total_seconds() // 60)
        longest[minute] = max(longest.get(minute, 0.0), p["seconds"])
    sweeper.update(
        {
            "every_s": a.sweep_every,
            "pass_seconds": summary(durations, 1, 2),
            "pass_seconds_by_minute": longest,
            "totals": {
                k: sum(p["result"].get(k, 0) or 0 for p in passes)
                for k in ("breaches", "warnings", "notices", "retried", "sealed")
            },
            "clocks": by_name,
            "breach_lag_s": summary(lag_breach, 1, 1),
            "breach_stamp_lag_s": summary(stamp_breach, 1, 1),
            "warning_lag_s": summary(lag_warn, 1, 1),
            "breach_lag_by_due_minute": {m: summary(v, 1, 1) for m, v in sorted(per_minute.items())},
            "unmarked_due": unmarked_due,
            "unmarked_warning": unmarked_warn,
            "marked_early": early,
            "marks_outside_a_pass": unmatched,
        }
    )
    sweeper["ok"] = unmarked_due == 0 and early == 0 and unmatched == 0 and sweeper["failed_passes"] == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {"stored": stored, "plan": counts, "groups": groups, "sweeper": sweeper, "problems": problems,
            "database_size": size}  # fmt: skip


# ---- the registrations ----------------------------------------------------------------------------------


def plan_registrations(setup: dict, count: int, group_share: float, seed: int) -> list[dict]:
    """Who registers what, in the order sent: see the module's docstring, step 2."""
    rnd = random.Random(seed)
    outlets = list(setup["outlets"])
    rnd.shuffle(outlets)
    branch_of = {o: o.split("S", 1)[0] for o in outlets}  # P1B2S3O4 → P1B2
    used: dict[str, set[int]] = {}
    pool = setup["matters"]

    def matter_for(outlet: str) -> str:
        taken = used.setdefault(branch_of[outlet], set())
        free = [i for i in range(len(pool)) if i not in taken]
        if not free:
            raise SystemExit(
                f"the pool of {len(pool)} unlike matters is too small for a branch: raise --pool"
            )
        i = rnd.choice(free)
        taken.add(i)
        return pool[i]

    items: list[dict] = []
    in_groups = round(count * group_share)
    g = 0
    next_outlet = 0
    while in_groups - sum(1 for i in items if i["group"]) >= 3:
        left = in_groups - sum(1 for i in items if i["group"])
        size = left if left <= 5 else min(rnd.randint(3, 5), left - 3)
        outlet = outlets[next_outlet % len(outlets)]
        next_outlet += 1
        matter = matter_for(outlet)
        g += 1
        items += [{"outlet": outlet, "matter": matter, "group": f"g{g}"} for _ in range(size)]
    while len(items) < count:
        outlet = outlets[next_outlet % len(outlets)]
        next_outlet += 1
        items.append({"outlet": outlet, "matter": matter_for(outlet), "group": ""})
    rnd.shuffle(items)
    types = setup["plan_types"]
    for i, item in enumerate(items):
        key = f"surge-{i:05d}"
        item.update(
            key=key,
            token=setup["tokens"][item["outlet"]],
            plan_type=types[i % len(types)],
            body={
                "kind": "complaint",
                "channel": CHANNELS[i % len(CHANNELS)],
                "received_at": "",  # set when sent
                "complainant": {
                    "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                    "phone": f"139{i:08d}",
                    "anonymous": False,
                },
                "subject_unit": item["outlet"],
                "matter": item["matter"],
                # The key, where no rule reads it: the stored cases are counted by it.
                "demand": f"{rnd.choice(DEMANDS)}[{key}]",
                "category": rnd.choice(CATEGORIES),
                "plan_type": types[i % len(types)],
            },
        )
    return items


def run_load(url: str, items: list[dict], clients: int, minutes: float) -> tuple[list[dict], dict]:
    from redress.testing_cluster import Outcome, RegistrationLoad

    pace = minutes * 60 * clients / len(items)

    class SurgeLoad(RegistrationLoad):
        """RegistrationLoad with the plan's registrations, received when sent, and each one's latency."""

        def _register(self, http, index: int, outcome: Outcome) -> None:
            outcome.body["received_at"] = dt.datetime.now(dt.UTC).isoformat()
            outcome.sent_at = time.perf_counter()
            started = time.perf_counter()
            super()._register(http, index, outcome)
            outcome.latency = time.perf_counter() - started

    load = SurgeLoad([url], ["-"], tag="surge", count=0, clients=clients, pace=pace, timeout=30,
                     give_up_after=120)  # fmt: skip
    load.outcomes = [Outcome(key=i["key"], token=i["token"], body=i["body"], kind=i["group"] and "group")
                     for i in items]  # fmt: skip
    samples: list[dict] = []
    t0 = time.perf_counter()
    load.start()
    while not load.join(10):
        samples.append({"at_s": round(time.perf_counter() - t0), "loadavg": list(os.getloadavg()),
                        "finished": load.finished})  # fmt: skip
    wall = time.perf_counter() - t0
    sent = []
    for item, o in zip(items, load.outcomes, strict=True):
        sent.append(
            {
                "key": o.key,
                "group": item["group"],
                "plan_type": item["plan_type"],
                "acknowledged": o.acknowledged,
                "number": o.number,
                "status": o.status,
                "attempts": o.attempts,
                "refusal": o.refusal,
                "latency_s": getattr(o, "latency", None),
                "sent_s": getattr(o, "sent_at", t0) - t0,
            }
        )
    lat = [s["latency_s"] for s in sent if s["acknowledged"]]
    by_minute: dict[int, list[float]] = {}
    for s in sent:
        if s["acknowledged"]:
            by_minute.setdefault(int(s["sent_s"] // 60), []).append(s["latency_s"])
    answers: dict[str, int] = {}
    for s in sent:
        for a in s["attempts"]:
            answers[a] = answers.get(a, 0) + 1
    load_result = {
        "clients": clients,
        "pace_s": round(pace, 3),
        "wall_s": round(wall, 1),
        "acknowledged": len(lat),
        "throughput_per_s": round(len(lat) / wall, 2),
        "latency_ms": summary(lat, 1000, 1),
        "latency_ms_by_minute": {m: summary(v, 1000, 1) for m, v in sorted(by_minute.items())},
        "answers": answers,
        "retried": sum(1 for s in sent if len(s["attempts"]) > 1),
        "refusals": [s["refusal"] for s in sent if s["refusal"]][:5],
        "loadavg_samples": samples,
    }
    return sent, load_result


# ---- the orchestrator -----------------------------------------------------------------------------------


def run(a: argparse.Namespace) -> dict:
    from . import common

    started = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(a.out) / started
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"command": "python -m bench.run surge " + " ".join(a.argv), "machine": common.machine(),
                    "started": started, "loadavg_start": list(os.getloadavg())}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="redress-surge-") as tmp:
        data = Path(tmp)
        (data / "static").mkdir()
        common.create_database(a.database)
        try:
            env = common.redress_env(a.database, data, REDRESS_SWEEPER="off")
            log(f"migrate {a.database}")
            common.migrate(env)
            log(f"bank of {a.provinces * a.branches * a.sub_branches * a.outlets} outlets, the plan, tokens")
            setup = common.run_step("surge", ["--step", "setup", *_bank_args(a)], env, 1800)
            result["setup"] = {k: v for k, v in setup.items() if k not in ("tokens", "matters", "outlets")}
            result["setup"]["outlets"] = len(setup["outlets"])
            result["setup"]["unlike_matters"] = len(setup["matters"])
            items = plan_registrations(setup, a.count, a.group_share, a.seed)
            result["planned"] = {
                "registrations": len(items),
                "in_groups": sum(1 for i in items if i["group"]),
                "groups": len({i["group"] for i in items if i["group"]}),
                "outlets_complained_about": len({i["outlet"] for i in items}),
                "plan_types": len({i["plan_type"] for i in items}),
            }
            port = _free_port()
            passes = data / "passes.jsonl"
            stop = data / "stop"
            import subprocess

            with (
                common.redress_server(env, port, a.workers, a.threads, out / "surge-gunicorn.log") as master,
                open(out / "surge-sweeper.log", "ab") as sweeper_log,
            ):
                log(f"sweeper every {a.sweep_every} s; {len(items)} registrations by {a.clients} clients "
                    f"over {a.minutes} min")  # fmt: skip
                sweeper = subprocess.Popen(
                    [sys.executable, "-m", "bench.surge", "--step", "sweeper", "--sweep-every",
                     str(a.sweep_every), "--passes", str(passes), "--stop-file", str(stop)],
                    cwd=common.REPO, env=env, stderr=sweeper_log,
                )  # fmt: skip
                try:
                    result["loadavg_before_load"] = list(os.getloadavg())
                    sent, result["load"] = run_load(f"http://127.0.0.1:{port}", items, a.clients, a.minutes)
                    result["loadavg_after_load"] = list(os.getloadavg())
                    result["worker_rss_mib"] = [
                        common.rss_mib(p)["VmRSS_MiB"] for p in common.worker_pids(master)
                    ]
                    settle = float(setup["limits"]["arrive_hours"]) * 3600 + 2 * a.sweep_every
                    log(f"load done; the sweeper goes on {settle:.0f} s (the last arrive clocks come due)")
                    time.sleep(settle)
                finally:
                    stop.touch()
                    try:
                        sweeper.wait(timeout=1800)
                    except subprocess.TimeoutExpired:
                        sweeper.kill()
                        raise
            outcomes = data / "outcomes.json"
            outcomes.write_text(json.dumps(sent))
            (out / "surge-outcomes.json").write_text(json.dumps(sent))
            (out / "surge-passes.jsonl").write_text(passes.read_text())
            log("verify from the database")
            result["verify"] = common.run_step(
                "surge",
                ["--step", "verify", "--outcomes", str(outcomes), "--passes", str(passes), "--plan",
                 str(setup["plan"]), "--sweep-every", str(a.sweep_every)],
                env, 1800,
            )  # fmt: skip
            result["loadavg_end"] = list(os.getloadavg())
        finally:
            if not a.keep:
                common.drop_database(a.database)
    v = result["verify"]
    result["pass"] = all(v[k]["ok"] for k in ("stored", "plan", "groups", "sweeper"))
    (out / "surge.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    (out / "surge.md").write_text(report(result))
    log(f"results in {out}")
    return result


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bank_args(a: argparse.Namespace) -> list[str]:
    return ["--provinces", str(a.provinces), "--branches", str(a.branches), "--sub-branches",
            str(a.sub_branches), "--outlets", str(a.outlets), "--arrive-hours", str(a.arrive_hours),
            "--answer-hours", str(a.answer_hours), "--report-hours", str(a.report_hours), "--pool",
            str(a.pool)]  # fmt: skip


def report(r: dict) -> str:
    load, v = r["load"], r["verify"]
    s, p, g, w = v["stored"], v["plan"], v["groups"], v["sweeper"]
    lat = load["latency_ms"]
    lines = [
        f"surge: {r['command']}",
        f"machine: {r['machine']}",
        f"bank: {r['setup']['outlets']} outlets in {r['setup']['branches']} branches (fixture "
        f"{r['setup']['fixture_s']} s); plan {r['setup']['plan']} limits {r['setup']['limits']}",
        f"planned: {r['planned']}",
        f"load: {load['acknowledged']} acknowledged in {load['wall_s']} s by {load['clients']} clients "
        f"(pace {load['pace_s']} s): {load['throughput_per_s']}/s; answers {load['answers']}, "
        f"retried {load['retried']}",
        f"latency ms: p50 {lat.get('p50')} p95 {lat.get('p95')} p99 {lat.get('p99')} max {lat.get('max')}",
        "latency p99 ms by minute: "
        + ", ".join(f"{m}: {x.get('p99')}" for m, x in load["latency_ms_by_minute"].items()),
        f"load average: start {r['loadavg_start']}, before load {r['loadavg_before_load']}, after load "
        f"{r['loadavg_after_load']}; web workers VmRSS MiB {r['worker_rss_mib']}",
        f"stored: {s}",
        f"plan cases and clocks: {p}",
        f"groups: {g}",
        f"sweeper: {w['passes']} passes every {w['every_s']} s, pass seconds {w['pass_seconds']}, "
        f"failed {w['failed_passes']}; totals {w['totals']}",
        f"sweeper clocks: {w['clocks']}",
        f"breach lag s (pass end − due): {w['breach_lag_s']}; stamped (pass start − due): "
        f"{w['breach_stamp_lag_s']}; warning lag s: {w['warning_lag_s']}",
        "breach lag p99 / max s by minute of due: "
        + ", ".join(f"{m}: {x.get('p99')}/{x.get('max')}" for m, x in w["breach_lag_by_due_minute"].items()),
        "longest pass s by minute: " + ", ".join(f"{m}: {x}" for m, x in w["pass_seconds_by_minute"].items()),
        f"unmarked due {w['unmarked_due']}, unmarked warnings {w['unmarked_warning']}, marked early "
        f"{w['marked_early']}, marks outside a pass {w['marks_outside_a_pass']}",
        f"database size {v['database_size']}",
        f"problems: {v['problems'][:10]}",
        f"verdict: {'PASS' if r['pass'] else 'FAIL'} (stored {s['ok']}, plan clocks {p['ok']}, groups "
        f"{g['ok']}, sweeper {w['ok']})",
    ]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench.run surge", description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=5000, help="plan complaints to register")
    ap.add_argument("--minutes", type=float, default=10, help="spread over this many minutes")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--group-share", type=float, default=0.3, help="share of complaints in groups")
    ap.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sweep-every", type=float, default=10, help="seconds between sweeper passes")
    ap.add_argument("--provinces", type=int, default=4)
    ap.add_argument("--branches", type=int, default=10)
    ap.add_argument("--sub-branches", type=int, default=5)
    ap.add_argument("--outlets", type=int, default=10, help="outlets per sub-branch")
    ap.add_argument("--arrive-hours", default="0.01", help="the plan's arrive limit (0.01 h = 36 s)")
    ap.add_argument("--answer-hours", default="4", help="the plan's answer limit")
    ap.add_argument("--report-hours", default="8", help="the plan's report limit")
    ap.add_argument("--pool", type=int, default=150, help="matters unlike each other to draw from")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--database", default=DB, help="the throw-away database (dropped at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the database")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    ap.add_argument("--step", choices=["setup", "sweeper", "verify"], help=argparse.SUPPRESS)
    ap.add_argument("--passes", help=argparse.SUPPRESS)
    ap.add_argument("--stop-file", help=argparse.SUPPRESS)
    ap.add_argument("--outcomes", help=argparse.SUPPRESS)
    ap.add_argument("--plan", type=int, help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parser().parse_args(argv)
    a.argv = argv
    if a.step == "setup":
        print(json.dumps(step_setup(a), ensure_ascii=False))
    elif a.step == "sweeper":
        step_sweeper(a)
    elif a.step == "verify":
        print(json.dumps(step_verify(a), ensure_ascii=False, default=str))
    else:
        result = run(a)
        print(report(result))
        sys.exit(0 if result["pass"] else 1)


if __name__ == "__main__":
    main()
