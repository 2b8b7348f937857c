"""Registration must stay cheap: the benchmark asks for several times a peer's throughput.

The API layer's own cost is measured against `register_case` called directly with the same facts, so the
ceiling holds whatever the registration service itself does (numbering, flags, deadlines...).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redress.api.cases import CaseIn
from redress.common import reference
from redress.lifecycle.registration import register_case

from .conftest import case_payload

pytestmark = pytest.mark.django_db

# The token with its staff member and unit, the roles (read-only check), the new case's flags.
MAX_API_OVERHEAD = 3
# Issue 16's target for a whole registration on the common path (no escalation rule fires; at most 12), the
# token and the idempotency key included: reference data comes from the per-process caches (their tokens ride
# with the token's statement) and the answer from what registration wrote. On PostgreSQL: the token, the key's
# read, the case's row, its search entry (issue 13; with it its flags, event and clocks, the locks of its
# matter's band keys and the topics sharing them: redress.matching.intake), the related-matters lookup (with
# the case's place among the topics), issue 11's figures (the case's row of figures and the rollup's journal,
# one statement: reports/figures.py) and the key's row. SQLite (no data-modifying CTE) writes each apart.
MAX_COMMON_PATH = 7 if connection.vendor == "postgresql" else 16
# Token (with the roles), count, page (joined with its units), and one each for the page's people (subject,
# first responder, handler), classes (business category, reason, regulatory channel), the earlier cases the
# caller may see, flags, attachments and clocks; a relation no case on the page has costs nothing.
MAX_LIST_STATEMENTS = 13


def work(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints are bookkeeping of nested transactions, not work.
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def someone(phone: str, id_number: str) -> dict:
    # A new complainant each time: a repeat would run the escalation rules, not the common path.
    return {"name": "张三", "phone": phone, "id_number": id_number, "vip": False, "anonymous": False,
            "confidential": True}  # fmt: skip


def test_the_api_adds_at_most_three_statements_to_a_registration(bank, as_staff):
    # Three people on three matters: two alike would already look like a group complaint to the rules.
    warm = case_payload(bank, complainant=someone("13900000001", "11010519491231002X"), category="work_error")
    as_staff(bank.teller).post("/api/v1/cases", warm, content_type="application/json")  # warm caches
    body = case_payload(bank, complainant=someone("13900000002", "110101199003074477"))
    client = as_staff(bank.teller, **{"Idempotency-Key": "through-api"})
    # A token's first use writes its time of use (then at most once a minute): an integration reuses one.
    assert client.get("/api/v1/units").status_code == 200
    with CaptureQueriesContext(connection) as through_api:
        response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 201
    other = case_payload(
        bank, complainant=someone("13900000003", "11010119900307547X"), category="internal_management"
    )
    data = CaseIn.model_validate(other).to_registration()
    with CaptureQueriesContext(connection) as direct:
        register_case(bank.teller, data, idempotency_key="direct")
    api_sql, direct_sql = work(through_api), work(direct)
    print(f"\nstatements per API registration: {len(api_sql)}; of which register_case: {len(direct_sql)}")
    for sql in api_sql:
        print("  ", sql[:110])
    assert len(api_sql) - len(direct_sql) <= MAX_API_OVERHEAD
    assert len(api_sql) <= MAX_COMMON_PATH
    # The reference data's tokens rode along with the token (redress.common.reference.prime).
    assert not [sql for sql in api_sql if sql.startswith(f"SELECT key, token FROM {reference.TABLE}")]
    assert [sql for sql in direct_sql if sql.startswith(f"SELECT key, token FROM {reference.TABLE}")]


@pytest.mark.parametrize("alike", [1, 4], ids=["common path", "the group rule fires"])
def test_the_answer_built_from_what_registration_wrote_equals_the_case_read_back(bank, as_staff, alike):
    # The supervision office: the cases are confidential, and the office reads them whole (R10.1).
    client = as_staff(bank.office)
    for i in range(alike):
        body = case_payload(bank, complainant=someone(f"1390000010{i}", ""))
        answer = as_staff(bank.teller).post("/api/v1/cases", body, content_type="application/json").json()
    assert answer["deadlines"]
    assert ("group" in answer["flags"]) == (alike > 2)
    read_back = client.get(f"/api/v1/cases/{answer['number']}").json()
    assert answer == {k: read_back[k] for k in answer}


def test_the_list_does_not_grow_with_the_page(bank, as_staff):
    for i in range(3):
        bank.register(subject_staff="subject", amount=str(i))
    client = as_staff(bank.office)
    assert client.get("/api/v1/units").status_code == 200  # the token's first use writes its time of use
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/cases", {"limit": 1}).json()["items"]) == 1
    for i in range(10):
        bank.register(reason="", amount=str(i))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/cases", {"limit": 13}).json()["items"]) == 13
    assert len(many) == len(few) <= MAX_LIST_STATEMENTS
