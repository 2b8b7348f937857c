"""Folding the rollup's changes while registrations and actions append more (PostgreSQL: SQLite serialises
every writer, so nothing would race)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from redress.access.models import ApiToken
from redress.api.tests.conftest import case_payload
from redress.reports import figures
from redress.reports.figures import FigureChange

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (.ci/run runs it)"),
]


def test_folds_racing_registrations_lose_and_double_no_change(transactional_db, bank):
    """Changes committed while a fold runs (with ids below those it read, as a slower transaction's) are
    left for the next fold, never deleted unfolded; two folds never add one change twice."""
    tokens = [ApiToken.issue(s) for s in (bank.teller, bank.outlet_head, bank.handler, bank.branch_group)]
    done = threading.Event()
    folded: list[int] = []

    def register(i: int) -> int:
        try:
            body = case_payload(bank, complainant={"name": f"客户{i}", "phone": f"1397654{i:04d}"})
            client = Client(headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            return client.post("/api/v1/cases", body, content_type="application/json").status_code
        finally:
            connections.close_all()

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


def test_a_change_committed_while_a_fold_runs_is_the_next_folds(transactional_db, monkeypatch):
    """A slower transaction's change, numbered before the fold read but committed after, is not deleted with
    the changes the fold read (deleting by a range of ids would lose it)."""
    import datetime as dt

    from django.db import transaction

    counts = dict.fromkeys(figures.MEASURES, 0) | {"registered": 1}
    bucket = (dt.date(2026, 12, 1), 7, "/1/7/", "complaint", "counter", "", 0, 0, 0, "", "", 0, 0)
    slow_written, fold_read, slow_committed = threading.Event(), threading.Event(), threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():
                figures._journal([(bucket, counts)])
                slow_written.set()
                assert fold_read.wait(30)
            slow_committed.set()
        finally:
            connections.close_all()

    upsert = figures._upsert

    def upsert_after_the_slow_commit(*args):
        fold_read.set()
        assert slow_committed.wait(30)
        return upsert(*args)

    thread = threading.Thread(target=slow)
    thread.start()
    assert slow_written.wait(30)
    figures._journal([(bucket, counts)])  # numbered after the slow one, committed first
    monkeypatch.setattr(figures, "_upsert", upsert_after_the_slow_commit)
    assert figures.fold() == 1
    thread.join(30)
    monkeypatch.setattr(figures, "_upsert", upsert)
    assert FigureChange.objects.count() == 1
    assert figures.fold() == 1
    (row,) = figures.DailyFigures.objects.all()
    assert row.registered == 2
