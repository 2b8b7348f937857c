"""New rows written by one plain INSERT (redress.common.rows): as save() and bulk_create write them."""

import pytest
from django.db.models.signals import post_save

from redress.cases.models import CaseFlag
from redress.common import rows

pytestmark = pytest.mark.django_db


def test_a_row_inserted_reads_back_as_saved(bank):
    case = bank.register()
    flag = rows.insert(CaseFlag(case=case, flag="major", evidence={"by": "rule"}))
    assert flag.pk and not flag._state.adding
    stored = CaseFlag.objects.get(pk=flag.pk)
    assert (stored.case_id, stored.flag, stored.evidence) == (case.pk, "major", {"by": "rule"})
    assert stored.set_at is not None  # auto_now_add, as save() fills it


def test_rows_inserted_together_get_their_own_keys(bank):
    case = bank.register()
    flags = [CaseFlag(case=case, flag=f, evidence={}) for f in ("major", "media_threat")]
    rows.insert_many(flags)
    written = CaseFlag.objects.filter(pk__in=[f.pk for f in flags]).values_list("flag", flat=True)
    assert sorted(written) == ["major", "media_threat"]


def test_a_model_whose_saves_a_receiver_hears_is_refused(bank):
    """A receiver of its saves would silently not be told of a row written this way."""
    case = bank.register()

    def heard(**kwargs):
        pass

    post_save.connect(heard, sender=CaseFlag, dispatch_uid="test-rows-heard")
    rows._statements.clear()
    try:
        with pytest.raises(TypeError, match="signal receivers"):
            rows.insert(CaseFlag(case=case, flag="major", evidence={}))
    finally:
        post_save.disconnect(sender=CaseFlag, dispatch_uid="test-rows-heard")
        rows._statements.clear()


# ---- a row written only if an UPDATE changed its row (a case's transition and its event) -----------------


def _rename(case, version: int):
    from redress.cases.models import Case
    from redress.common.states import state_write_sql

    return state_write_sql(Case.objects.filter(pk=case.pk, version=version), product="存折")


def test_the_row_is_written_with_the_update_that_changed_its_row(bank):
    from redress.cases.models import Case

    case = bank.register()
    flag = CaseFlag(case=case, flag="major", evidence={"by": "rule"})
    assert rows.insert_if_written(flag, _rename(case, case.version)) == 1
    assert flag.pk and not flag._state.adding
    assert CaseFlag.objects.get(pk=flag.pk).evidence == {"by": "rule"}
    assert Case.objects.get(pk=case.pk).product == "存折"


def test_an_update_that_changed_no_row_writes_no_row(bank):
    from redress.cases.models import Case

    case = bank.register()
    flag = CaseFlag(case=case, flag="major", evidence={})
    assert rows.insert_if_written(flag, _rename(case, case.version + 1)) == 0
    assert flag.pk is None
    assert not CaseFlag.objects.filter(case=case, flag="major").exists()
    assert Case.objects.get(pk=case.pk).product != "存折"


def test_a_transition_writes_its_row_and_its_event_in_one_statement_on_postgresql(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redress.cases.models import CaseEvent
    from redress.lifecycle.catalogue import perform

    case = bank.register(actor=bank.teller)
    with CaptureQueriesContext(connection) as seen:
        case = perform("accept", bank.teller, case, {})
    writes = [q["sql"] for q in seen.captured_queries if 'UPDATE "cases_case"' in q["sql"]]
    assert len(writes) == 1
    assert ('INSERT INTO "cases_caseevent"' in writes[0]) == (connection.vendor == "postgresql")
    assert CaseEvent.objects.filter(case=case, kind="accepted").count() == 1


def test_rows_together_are_written_with_the_row_they_go_with(bank):
    from redress.cases.models import CaseEvent

    case = bank.register()
    event = CaseEvent(
        case=case, kind="flag_set", actor=bank.teller, data={"flags": ["major", "media_threat"]}
    )
    flags = [CaseFlag(case=case, flag=f, evidence={"n": i}) for i, f in enumerate(("major", "media_threat"))]
    rows.insert_with(event, flags)
    assert CaseEvent.objects.get(pk=event.pk).data == {"flags": ["major", "media_threat"]}
    stored = dict(CaseFlag.objects.filter(case=case).values_list("flag", "evidence"))
    assert stored == {"major": {"n": 0}, "media_threat": {"n": 1}}


@pytest.mark.parametrize("changed", [True, False], ids=["row changed", "row unchanged"])
def test_rows_together_are_written_only_if_the_update_changed_its_row(bank, changed):
    from redress.cases.models import CaseEvent

    case = bank.register()
    event = CaseEvent(case=case, kind="flag_set", actor=bank.teller, data={})
    version = case.version if changed else case.version + 1
    written = rows.insert_if_written(
        event, _rename(case, version), [CaseFlag(case=case, flag="major", evidence={})]
    )
    assert written == int(changed)
    assert CaseFlag.objects.filter(case=case, flag="major").exists() == changed
    assert CaseEvent.objects.filter(case=case, kind="flag_set").exists() == changed


def test_flags_set_on_a_new_case_are_written_with_their_event_in_one_statement_on_postgresql(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        case = bank.register(actor=bank.branch_group, channel="phone")
    assert CaseFlag.objects.filter(case=case, flag="skip_level").exists()
    flag_writes = [q["sql"] for q in seen.captured_queries if 'INSERT INTO "cases_caseflag"' in q["sql"]]
    assert len(flag_writes) == 1
    assert ('INSERT INTO "cases_caseevent"' in flag_writes[0]) == (connection.vendor == "postgresql")


# ---- rows carried by a statement the caller sends anyway (a registration's flags, event and clocks) ------


@pytest.mark.postgres
def test_rows_carried_by_a_statement_are_written_in_order_with_their_keys_and_it_answers_as_alone(bank):
    from django.db import connection

    from redress.cases.models import CaseEvent

    case = bank.register()
    flags = [CaseFlag(case=case, flag=f, evidence={"n": i}) for i, f in enumerate(("major", "media_threat"))]
    event = CaseEvent(case=case, kind="flag_set", actor=bank.teller, data={"flags": ["major"]})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {CaseEvent._meta.db_table} WHERE case_id = %s", [case.pk])
        events_before = cursor.fetchone()[0]
    answer = rows.carried(
        ["asked AS (SELECT %s::int AS n)"], [40], "(SELECT n FROM asked) + %s", [2], [*flags, event]
    )
    assert answer == (42,)
    assert all(f.pk and not f._state.adding for f in [*flags, event])
    # Each row got its own key, in the order given.
    stored = dict(CaseFlag.objects.filter(pk__in=[f.pk for f in flags]).values_list("pk", "evidence"))
    assert stored == {flags[0].pk: {"n": 0}, flags[1].pk: {"n": 1}}
    assert flags[0].pk < flags[1].pk
    assert CaseEvent.objects.get(pk=event.pk).data == {"flags": ["major"]}
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1


def test_rows_are_carried_only_on_postgresql(bank):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the other databases' refusal")
    with pytest.raises(TypeError, match="PostgreSQL only"):
        rows.carried([], [], "1", [], [])


def test_a_registration_writes_its_flags_event_and_clocks_with_its_search_entry_on_postgresql(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redress.cases.models import CaseEvent
    from redress.deadlines.models import Clock

    with CaptureQueriesContext(connection) as seen:
        case = bank.register(complainant_confidential=True)
    sql = [q["sql"] for q in seen.captured_queries]
    tables = ('"cases_caseflag"', '"cases_caseevent"', '"deadlines_clock"')
    writes = [s for s in sql if any(f"INSERT INTO {t}" in s for t in tables)]
    if connection.vendor == "postgresql":
        # One statement: the search entry's, which all three ride with.
        registering = [s for s in writes if "matching_searchentry" in s]
        assert registering and all(f"INSERT INTO {t}" in registering[0] for t in tables)
    assert CaseFlag.objects.filter(case=case, flag="confidential").exists()
    assert CaseEvent.objects.filter(case=case, kind="registered").exists()
    assert Clock.objects.filter(case=case).exists()
    # The registered event is the first of the case's history.
    assert CaseEvent.objects.filter(case=case).order_by("seq", "pk").first().kind == "registered"
