"""Folding the rollup's changes while registrations and actions append more (PostgreSQL: SQLite serialises
every writer, so nothing would race)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from redress.access.models import ApiToken
from redress.api.tests.conftest import case_payload
from redress.cases.models import Case
from redress.reports import figures, services
from redress.reports.figures import CaseFigures, FigureChange, SliceFigures

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (.ci/run runs it)"),
]


def _register(bank, token: str, i: int) -> int:
    """The `i`th complainant's registration through the API, on this thread's own connection (closed after);
    its status."""
    try:
        body = case_payload(bank, complainant={"name": f"客户{i}", "phone": f"1397654{i:04d}"})
        client = Client(headers={"Authorization": f"Bearer {token}"})
        return client.post("/api/v1/cases", body, content_type="application/json").status_code
    finally:
        connections.close_all()


def test_folds_racing_registrations_lose_and_double_no_change(transactional_db, bank):
    """Changes committed while a fold runs are the next fold's, never deleted unfolded; two folds never add
    one change twice (each deletes what it adds, in one statement)."""
    tokens = [ApiToken.issue(s) for s in (bank.teller, bank.outlet_head, bank.handler, bank.branch_group)]
    done = threading.Event()
    folded: list[int] = []

    def register(i: int) -> int:
        return _register(bank, tokens[i % len(tokens)], i)

    def keep_folding() -> None:
        try:
            while not done.is_set():
                folded.append(figures.fold(batch=7))
        finally:
            connections.close_all()

    folders = [threading.Thread(target=keep_folding) for _ in range(2)]
    for folder in folders:
        folder.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(register, range(80)))
    finally:
        done.set()
        for folder in folders:
            folder.join(timeout=60)
    assert statuses == [201] * 80
    assert sum(folded) > 0  # the folds ran among the registrations
    assert figures.verify() == []
    assert not FigureChange.objects.exists()


def _paused_in(monkeypatch, name: str) -> tuple[threading.Event, threading.Event]:
    """`figures.<name>` made to stop at its first call until released: (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(figures, name)

    def paused(*args, **kwargs):
        if not reached.is_set():
            reached.set()
            assert release.wait(60), "never released"
        return original(*args, **kwargs)

    monkeypatch.setattr(figures, name, paused)
    return reached, release


def _rebuild_in_a_thread() -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(figures.rebuild(batch=2))
        except BaseException as error:  # the test names it
            outcome.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _register_now(bank, i: int) -> int:
    """A registration through the API in its own thread and connection; its status, or a failure if it had
    to wait more than 20 s (for the rebuild)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_register, bank, ApiToken.issue(bank.teller), i).result(timeout=20)


@pytest.mark.parametrize("step", ["_recount_batch", "sum_rollups"])
def test_registrations_and_report_reads_go_on_while_the_figures_are_rebuilt(
    transactional_db, bank, monkeypatch, step
):
    """`reports rebuild` takes no lock on the cases (decision 0040): while it recounts them, and while it sums
    the slices afresh, a registration commits at once and a report read answers (its fold waits for no
    rebuild: the changes are folded after); at the end the figures equal a recount, every case counted
    once."""
    for i in range(3):
        assert _register_now(bank, i) == 201
    figures.fold()
    # A case's figures wrong, for the rebuild to repair.
    CaseFigures.objects.filter(pk=Case.objects.order_by("pk").first().pk).update(registered=0)
    reached, release = _paused_in(monkeypatch, step)
    thread, outcome = _rebuild_in_a_thread()
    try:
        assert reached.wait(30), "the rebuild never reached its step"
        assert [_register_now(bank, i) for i in range(3, 6)] == [201] * 3
        # A read folds first, unless the rebuild is summing: then it shows the rollup as it was.
        rows = services.Rollup({}).rows(["kind"])
        assert sum(rows.values_list("registered", flat=True)) == (3 if step == "sum_rollups" else 6)
        assert FigureChange.objects.exists() == (step == "sum_rollups")
    finally:
        release.set()
        thread.join(timeout=120)
    # The cases it recounted: those registered before it came to them.
    assert outcome == [3 if step == "sum_rollups" else 6], outcome
    assert figures.verify() == []
    days = SliceFigures.objects.filter(slice="unit", grain="day")
    assert sum(days.values_list("registered", flat=True)) == 6
