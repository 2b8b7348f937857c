"""Two actions on one case at once, through the API with two bearer clients: every answer is 200, 409 or 422,
never 500, and exactly the winners' changes are stored (the case's version up by the number of 200s, one
event per 200, the losers' records rolled back).

On PostgreSQL the requests really race (two threads, two connections, started together by a barrier), 20
times each on fresh cases, once acting on whatever the case is by then and once with `If-Match` of the
version both read. SQLite serialises every writer, so there the same pairs run one after the other and the
second, still holding the version both read, must get 409."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.test import Client

from redress.access.models import ApiToken
from redress.cases.choices import State
from redress.cases.models import Case, CaseEvent, CustomerContact, TransferOrder, Withdrawal
from redress.lifecycle import ACTIONS, perform
from redress.testing import CLASSES, Bank

RACES_PER_PAIR = 20
ANSWERS = {200, 409, 422}


@dataclass(frozen=True)
class Act:
    """One request: who (an attribute of the bank), which action, which body."""

    who: str
    action: str
    body: dict
    # The case as this action, when it won last, leaves it (checked against the stored case).
    leaves: Callable[[Bank, Case], bool]


def _transferred_to(unit: str):
    return lambda bank, case: (
        case.state == State.TRANSFERRED and case.holder_unit_id == getattr(bank, unit).pk
    )


TRANSFER_TO_A_PB = Act(
    "teller", "transfer", {"to_unit": "A-PB", "handler": "handler"}, _transferred_to("dept_a_pb")
)
HEAD_TRANSFERS_TO_A_PB = Act("outlet_head", "transfer", {"to_unit": "A-PB"}, _transferred_to("dept_a_pb"))
HEAD_TRANSFERS_TO_A1_2 = Act("outlet_head", "transfer", {"to_unit": "A1-2"}, _transferred_to("outlet_a1_2"))
REPLY = Act(
    "teller",
    "reply",
    {"method": "phone", "content": "已电话答复客户处理结果。"},
    lambda bank, case: case.state == State.REPLIED,
)
ACKNOWLEDGE = Act(
    "handler",
    "acknowledge",
    {},
    lambda bank, case: case.state == State.IN_PROGRESS and case.handler_id == bank.handler.pk,
)
BOUNCE = Act(
    "handler",
    "bounce",
    {"reason": "不属于本部门职责。"},
    lambda bank, case: (
        case.state == State.ACCEPTED
        and case.holder_unit_id == bank.outlet_a1_1.pk
        and case.handler_id is None
    ),
)
CLOSE = Act(
    "outlet_head",
    "close",
    {**CLASSES, "responsibility": "at_fault"},
    lambda bank, case: case.state == State.CLOSED and case.responsibility == "at_fault",
)
WITHDRAW = Act(
    "outlet_head",
    "withdraw",
    {"voluntary": True, "reason": "客户主动撤回。"},
    lambda bank, case: case.state == State.WITHDRAWN,
)


def accepted(bank: Bank) -> Case:
    return perform("accept", bank.teller, bank.register())


def transferred(bank: Bank) -> Case:
    return perform("transfer", bank.teller, accepted(bank), {"to_unit": "A-PB", "handler": "handler"})


def replied(bank: Bank) -> Case:
    return perform("reply", bank.teller, accepted(bank), {"method": "phone", "content": "已答复客户。"})


# (name, the case both requests find, the two requests). Every actor still sees the case whoever wins.
PAIRS = [
    ("transfer/transfer", accepted, TRANSFER_TO_A_PB, HEAD_TRANSFERS_TO_A1_2),
    ("transfer/reply", accepted, HEAD_TRANSFERS_TO_A_PB, REPLY),
    ("transfer/acknowledge", transferred, HEAD_TRANSFERS_TO_A1_2, ACKNOWLEDGE),
    ("transfer/bounce", transferred, HEAD_TRANSFERS_TO_A1_2, BOUNCE),
    ("reply/close", accepted, REPLY, CLOSE),
    ("reply/withdraw", accepted, REPLY, WITHDRAW),
    ("close/withdraw", replied, CLOSE, WITHDRAW),
]
PAIR_IDS = [name for name, *_ in PAIRS]

# The records an action's rule writes: a loser's must be rolled back with the rest of its transaction.
RECORDS = {
    "transfer": lambda case: TransferOrder.objects.filter(case=case).count(),
    "reply": lambda case: CustomerContact.objects.filter(case=case, is_reply=True).count(),
    "withdraw": lambda case: Withdrawal.objects.filter(case=case).count(),
}


def event_of(act: Act) -> str:
    return ACTIONS[act.action].event


def _post(token: str, number: str, act: Act, if_match: int | None, barrier: threading.Barrier | None):
    headers = {"Authorization": f"Bearer {token}"}
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    try:
        if barrier is not None:
            barrier.wait(timeout=30)
        response = Client(headers=headers).post(
            f"/api/v1/cases/{number}/{act.action}", act.body, content_type="application/json"
        )
        body = (
            response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        )
        return response.status_code, body
    finally:
        if barrier is not None:
            connections.close_all()


def race(tokens: dict[str, str], number: str, acts: tuple[Act, Act], version: int | None) -> list:
    """Both requests at once, each on its own connection; their (status, body) in the order of `acts`."""
    barrier = threading.Barrier(len(acts))
    with ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(lambda act: _post(tokens[act.who], number, act, version, barrier), acts))


def _records(case: Case) -> dict[str, int]:
    return {action: count(case) for action, count in RECORDS.items()}


def check_outcome(bank: Bank, case: Case, acts: tuple[Act, Act], results, first_event: int) -> list[Act]:
    """What was stored is exactly what the 200s did, in the order they committed."""
    statuses = [status for status, _ in results]
    assert set(statuses) <= ANSWERS, results
    won = [act for act, status in zip(acts, statuses, strict=True) if status == 200]
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == case.version + len(won), (results, stored.version, case.version)
    events = list(CaseEvent.objects.filter(case=case, pk__gt=first_event).order_by("pk"))
    assert len(events) == len(won), (results, [e.kind for e in events])
    kinds = [event_of(act) for act in won]
    assert sorted(e.kind for e in events) == sorted(kinds), (results, [e.kind for e in events])
    if won:
        # The one that committed last (its event is the newest) left the case as its action does.
        last = next(act for act in won if event_of(act) == events[-1].kind)
        assert last.leaves(bank, stored), (results, stored.state)
    states = {case.state} | {
        e.data["changes"]["state"][1] for e in events if "state" in e.data.get("changes", {})
    }
    for (status, body), act in zip(results, acts, strict=True):
        if status == 200:
            assert body["number"] == case.number
        elif status == 409:
            # The refusal says where the case stood when it was refused (before or after the other's change):
            # changed since the version sent (this action may be allowed again), or in a state it is not
            # possible in.
            assert body["state"] in states, (body, states)
            if body.get("version") is not None:
                assert case.version < body["version"] <= stored.version, body
            else:
                assert act.action not in body["allowed_actions"], body
    return won


def _tokens(bank: Bank) -> dict[str, str]:
    return {who: ApiToken.issue(getattr(bank, who)) for who in ("teller", "outlet_head", "handler")}


# ---- PostgreSQL: real races ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises writers")
@pytest.mark.parametrize("if_match", [False, True], ids=["by-state", "if-match"])
@pytest.mark.parametrize(("name", "setup", "first", "second"), PAIRS, ids=PAIR_IDS)
def test_two_actions_racing_answer_200_409_or_422_and_store_exactly_the_winners(
    transactional_db, bank, name, setup, first, second, if_match
):
    tokens = _tokens(bank)
    tally: Counter = Counter()
    for _ in range(RACES_PER_PAIR):
        case = setup(bank)
        first_event = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        records = _records(case)
        version = case.version if if_match else None
        results = race(tokens, case.number, (first, second), version)
        won = check_outcome(bank, case, (first, second), results, first_event)
        if if_match:
            # Both acted on the version they read: one wins, the other is told it changed.
            assert len(won) == 1, results
        after = _records(case)
        for action, count in after.items():
            assert count == records[action] + sum(act.action == action for act in won), (action, results)
        tally.update(
            f"{act.action}:{status}" for act, (status, _) in zip((first, second), results, strict=True)
        )
    # What the races found, by action and status: shown with `-s`.
    print(f"\n{name} ({'if-match' if if_match else 'by-state'}): {dict(sorted(tally.items()))}")


# ---- every database: the same pairs one after the other --------------------------------------------------


@pytest.mark.parametrize(("name", "setup", "first", "second"), PAIRS, ids=PAIR_IDS)
def test_an_action_sent_with_a_version_someone_else_just_changed_gets_409(
    db, bank, name, setup, first, second
):
    """Each order in which the first request can succeed on the case both read: the second, still sending
    that version, is refused with 409 and the case's current version and state."""
    tokens = _tokens(bank)
    orders = 0
    for acts in ((first, second), (second, first)):
        case = setup(bank)
        if not ACTIONS[acts[0].action].possible_in(case):
            continue
        orders += 1
        first_event = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        records = _records(case)
        results = [_post(tokens[act.who], case.number, act, case.version, None) for act in acts]
        assert [status for status, _ in results] == [200, 409], results
        check_outcome(bank, case, acts, results, first_event)
        stale = results[1][1]
        assert stale["version"] == case.version + 1, stale
        after = _records(case)
        for action, count in after.items():
            assert count == records[action] + (acts[0].action == action), (action, results)
    assert orders, "neither action is possible on the case both read"
