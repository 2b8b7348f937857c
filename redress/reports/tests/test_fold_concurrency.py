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
    """Changes committed while a fold runs are the next fold's, never deleted unfolded; two folds never add
    one change twice (each deletes what it adds, in one statement)."""
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
