"""Registration must stay cheap: the benchmark asks for several times a peer's throughput."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import case_payload

pytestmark = pytest.mark.django_db

# Measured: see docs/api.md ("Cost per request"). Raise only with a reason.
MAX_REGISTRATION_STATEMENTS = 13
MAX_LIST_STATEMENTS = 6


def test_a_registration_costs_a_handful_of_statements(bank, as_staff):
    client = as_staff(bank.teller, **{"Idempotency-Key": "k1"})
    body = case_payload(bank)
    client.post("/api/v1/cases", body, content_type="application/json")  # warm caches
    client = as_staff(bank.teller, **{"Idempotency-Key": "k2"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 201
    # Savepoints are bookkeeping of nested transactions, not work.
    work = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    print(f"\nstatements per API registration: {len(work)} (+{len(queries) - len(work)} savepoints)")
    for sql in work:
        print("  ", sql[:120])
    assert len(work) <= MAX_REGISTRATION_STATEMENTS


def test_the_list_does_not_grow_with_the_page(bank, as_staff):
    for i in range(3):
        bank.register(subject_staff="subject", amount=str(i))
    client = as_staff(bank.office)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/cases", {"limit": 1}).json()["items"]) == 1
    for i in range(10):
        bank.register(reason="", amount=str(i))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/cases", {"limit": 13}).json()["items"]) == 13
    assert len(many) == len(few) <= MAX_LIST_STATEMENTS
