"""Registrations and actions racing each other through the API, each thread on its own database
connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from redress.access.models import ApiToken
from redress.cases.models import Case, CaseEvent, CaseFlag, RegistrationKey
from redress.lifecycle import perform
from redress.testing import CLASSES

from .conftest import case_payload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing would race",
    ),
]
WORKERS = 24


def _post(token: str, body: dict, key: str | None = None, barrier: threading.Barrier | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        if barrier is not None:
            barrier.wait(timeout=30)
        response = Client(headers=headers).post("/api/v1/cases", body, content_type="application/json")
        return response.status_code, response.json()
    finally:
        connections.close_all()


def test_200_concurrent_registrations_get_200_distinct_numbers(transactional_db, bank):
    tokens = [ApiToken.issue(s) for s in (bank.teller, bank.outlet_head, bank.handler, bank.branch_group)]
    body = case_payload(bank)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda i: _post(tokens[i % len(tokens)], body), range(200)))
    assert [status for status, _ in results] == [201] * 200, results[:3]
    numbers = {case["number"] for _, case in results}
    assert len(numbers) == 200
    assert Case.objects.count() == 200
    assert set(Case.objects.values_list("number", flat=True)) == numbers


def test_concurrent_registrations_forming_a_group_all_succeed(transactional_db, bank):
    """Many customers complain about one outlet at once (an outage): each registration from the third on
    joins the group and flags the earlier members it finds; racing registrations lock those members in the
    same order and only the case rows, so none of them fails."""
    tokens = [ApiToken.issue(s) for s in (bank.teller, bank.outlet_head, bank.handler, bank.branch_group)]
    bodies = [
        case_payload(
            bank,
            complainant={"name": f"客户{i}", "phone": f"1391234{i:04d}", "anonymous": False},
            subject_staff="",
            flags=[],
        )
        for i in range(60)
    ]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda i: _post(tokens[i % len(tokens)], bodies[i]), range(60)))
    assert [status for status, _ in results] == [201] * 60, [r for r in results if r[0] != 201][:2]
    assert CaseFlag.objects.filter(flag="group").count() == 60
    # One group complaint, every case in it once.
    from redress.escalation.models import GroupMember
    from redress.escalation.services import group_of

    assert GroupMember.objects.values("case").distinct().count() == 60
    everyone = sorted(Case.objects.values_list("pk", flat=True))
    assert all(group_of(case) == everyone for case in Case.objects.all()[:5])
    assert set(Case.objects.values_list("level", flat=True)) == {"province"}


def test_one_idempotency_key_sent_concurrently_gives_exactly_one_case(transactional_db, bank):
    token = ApiToken.issue(bank.teller)
    body = case_payload(bank)
    threads = 8
    barrier = threading.Barrier(threads)
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda _: _post(token, body, "same-key", barrier), range(threads)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (threads - 1) + [201], results
    assert len({case["number"] for _, case in results}) == 1
    assert Case.objects.count() == 1
    assert RegistrationKey.objects.count() == 1


def _close(token: str, number: str, barrier: threading.Barrier):
    try:
        barrier.wait(timeout=30)
        response = Client(headers={"Authorization": f"Bearer {token}"}).post(
            f"/api/v1/cases/{number}/close",
            {**CLASSES, "responsibility": "at_fault"},
            content_type="application/json",
        )
        return response.status_code, response.json()
    finally:
        connections.close_all()


def test_two_concurrent_closes_one_succeeds_the_other_gets_409(transactional_db, bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已答复客户。"})
    tokens = [ApiToken.issue(bank.teller), ApiToken.issue(bank.outlet_head)]
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda token: _close(token, case.number, barrier), tokens))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    refused = next(body for status, body in results if status == 409)
    assert refused["state"] == "closed" and "close" not in refused["allowed_actions"]
    assert Case.objects.get(pk=case.pk).version == case.version + 1
    assert CaseEvent.objects.filter(case=case, kind="closed").count() == 1


def _overlapping(bank, first_data, second_data) -> bool:
    """Register `first_data` in a transaction held open while `second_data` is registered beside it; returns
    whether the second waited for the first one's commit."""
    from django.db import transaction

    from redress.lifecycle.registration import register_case

    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                register_case(bank.teller, first_data)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            held.wait(30)
            register_case(bank.outlet_head, second_data)
            done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert held.wait(30)
    waited = not done.wait(2)  # the second waits while the first holds its transaction open
    release.set()
    for thread in threads:
        thread.join(60)
    return waited


def _alike(bank, i: int, matter: str | None = None):
    extra = {"matter": matter} if matter else {}
    return bank.registration(
        complainant_name=f"客户{i}", complainant_phone=f"1390000{i:04d}", complainant_id_number="", **extra
    )


def test_two_alike_complaints_registered_at_once_see_each_other_and_the_group_forms(transactional_db, bank):
    """A complaint, then two more about the same matter by two other customers at the same moment. The one
    registered second waits for the first one's commit (a lock per band key of the matter, taken with its
    search entry) and then counts it: three customers, the group forms. Without the wait each saw two
    customers and no group formed (the surge benchmark, docs/performance.md §10). The first registration is
    held open here, so the two overlap for certain."""
    from redress.lifecycle.registration import register_case

    register_case(bank.teller, _alike(bank, 0))
    waited = _overlapping(bank, _alike(bank, 1), _alike(bank, 2))
    assert waited, "the second registration did not wait for the first one's commit"
    flagged = set(CaseFlag.objects.filter(flag="group").values_list("case_id", flat=True))
    assert flagged == set(Case.objects.values_list("pk", flat=True)), "the group of three did not form"


def test_a_new_matter_registered_twice_at_once_raises_one_topic(transactional_db, bank):
    """Two complaints about a matter no case has raised yet, at the same moment: the second waits for the
    first one's commit, then joins the topic the first raised instead of raising a second one (which would
    split the people a group counts)."""
    from redress.matching.models import Topic, TopicMember

    matter = "手机银行转账提示成功，对方却一直没收到钱，客服说查不到。"
    assert _overlapping(bank, _alike(bank, 1, matter), _alike(bank, 2, matter))
    assert Topic.objects.count() == 1
    assert TopicMember.objects.filter(topic=Topic.objects.get()).count() == 2
