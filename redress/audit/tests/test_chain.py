"""The chain of case events and audit rows (R10.4, decision 0029): each row sealed when written, placed and
linked by the sealer; `verify` names the first row edited, inserted or deleted behind Redress's back (the
tests change the tables with SQL, as someone with access to the database would)."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from redress.audit.chain import seal, verify
from redress.audit.models import AuditAction, AuditEntry
from redress.audit.services import record_read
from redress.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(bank):
    """Two cases' events and some reads, all placed in the chain."""
    first, second = bank.register(), bank.register(subject_unit=bank.outlet_a1_2.code)
    record_read(bank.office, first, AuditAction.CASE_PAGE)
    record_read(bank.handler, second, AuditAction.CASE_API)
    assert seal() >= 4
    return first, second


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_events_and_reads_form_one_unbroken_chain(history):
    events, reads = CaseEvent.objects.count(), AuditEntry.objects.count()
    verdict = verify()
    assert verdict.intact and verdict.checked == events + reads == verdict.head_seq
    places = sorted(
        [*CaseEvent.objects.values_list("seq", flat=True), *AuditEntry.objects.values_list("seq", flat=True)]
    )
    assert places == list(range(1, events + reads + 1))


def test_rows_written_after_a_seal_join_the_chain_at_the_next(history, bank):
    record_read(bank.office, history[0], AuditAction.PRINT, "register row")
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 1
    assert verify().intact
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()


def test_an_edited_event_is_named(history, bank, disable_triggers):
    event = CaseEvent.objects.filter(case=history[1]).order_by("seq")[0]
    sql('UPDATE cases_caseevent SET data = \'{"note": "nothing happened"}\' WHERE id = %s', event.pk)
    verdict = verify()
    assert verdict.finding.what == "edited"
    assert (verdict.finding.table, verdict.finding.row, verdict.finding.seq) == (
        "cases_caseevent",
        event.pk,
        event.seq,
    )


def test_an_edited_read_is_named(history, bank, disable_triggers):
    read = AuditEntry.objects.get(actor=bank.office)
    sql("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", bank.teller.pk, read.pk)
    verdict = verify()
    assert (verdict.finding.what, verdict.finding.row) == ("edited", read.pk)


def test_a_deleted_row_is_named_by_the_row_after_the_gap(history, disable_triggers):
    rows = sorted([*CaseEvent.objects.all(), *AuditEntry.objects.all()], key=lambda row: row.seq)
    gone, after = rows[2], rows[3]
    sql(f"DELETE FROM {gone._meta.db_table} WHERE id = %s", gone.pk)
    verdict = verify()
    assert verdict.finding.what == "deleted"
    assert (verdict.finding.row, verdict.finding.seq) == (after.pk, gone.seq + 1)
    assert f"place {gone.seq}," in verdict.finding.message


def test_the_last_rows_deleted_are_found_from_the_head(history, disable_triggers):
    last = max([*CaseEvent.objects.all(), *AuditEntry.objects.all()], key=lambda row: row.seq)
    sql(f"DELETE FROM {last._meta.db_table} WHERE id = %s", last.pk)
    verdict = verify()
    assert verdict.finding.what == "deleted" and verdict.finding.seq == last.seq


def forge_row(bank, case) -> None:
    """A row written beside Redress, without the key, earlier in time than anything Redress wrote."""
    sql(
        "INSERT INTO audit_auditentry (at, actor_id, action, case_id, detail, seal, link) "
        "VALUES (%s, %s, 'case_page', %s, '', %s, '')",
        "2026-01-01 00:00:00+00:00",
        bank.outsider.pk,
        case.pk,
        "f" * 64,
    )


def test_a_row_inserted_without_the_key_is_named_and_never_placed(history, bank):
    case = history[0]
    forge_row(bank, case)
    forged = AuditEntry.objects.get(actor=bank.outsider)
    verdict = verify()
    assert (verdict.finding.what, verdict.finding.row) == ("inserted", forged.pk)
    forged.refresh_from_db()
    assert forged.seq is None  # the sealer gives it no place


def test_a_row_inserted_into_the_chain_is_named(history, bank):
    event = CaseEvent.objects.order_by("seq")[1]
    # A copy of a genuine row (its seal is valid) given a place: it cannot take a free one in the middle.
    sql(
        "INSERT INTO cases_caseevent (case_id, kind, actor_id, at, data, seal, seq, link) "
        "SELECT case_id, kind, actor_id, at, data, seal, seq + 100000, link "
        "FROM cases_caseevent WHERE id = %s",
        event.pk,
    )
    verdict = verify()
    assert verdict.finding.what == "inserted"


def test_audit_verify_command_names_the_row_and_fails(history, disable_triggers):
    event = CaseEvent.objects.order_by("seq")[0]
    call_command("audit", "verify")  # intact: no error
    sql("UPDATE cases_caseevent SET kind = 'closed' WHERE id = %s", event.pk)
    with pytest.raises(CommandError, match=f"EDITED: cases_caseevent row {event.pk} "):
        call_command("audit", "verify")


def test_events_cannot_be_changed_through_the_models(history):
    event = CaseEvent.objects.first()
    event.data = {"note": "rewritten"}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(pk=event.pk).update(data={})


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET link = '' WHERE id = %s", "DELETE FROM {table} WHERE id = %s"]
)
@pytest.mark.parametrize("model", [CaseEvent, AuditEntry])
def test_postgresql_refuses_to_change_or_delete_a_row(history, model, statement):
    row = model.objects.first()
    with pytest.raises(DatabaseError, match="written once"), transaction.atomic():
        sql(statement.format(table=model._meta.db_table), row.pk)


@pytest.mark.postgres
def test_postgresql_lets_the_sealer_place_a_row_and_nothing_more(history, bank):
    record_read(bank.office, history[0], AuditAction.CASE_PAGE)
    row = AuditEntry.objects.get(seq__isnull=True)
    with pytest.raises(DatabaseError, match="written once"), transaction.atomic():
        sql("UPDATE audit_auditentry SET seq = 999, detail = 'x' WHERE id = %s", row.pk)
    assert seal() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sealers_running_at_once_give_every_row_one_place(bank):
    case = bank.register()
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=bank.office, case=case, action=AuditAction.CASE_API) for _ in range(600)
    )
    start, placed = threading.Barrier(3), []

    def sealer():
        try:
            start.wait()
            placed.append(seal(batch=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = CaseEvent.objects.count() + AuditEntry.objects.count()
    assert sum(placed) == rows  # each row placed by exactly one of them
    assert verify(seal_first=False).intact


def test_the_sealer_places_everything_waiting_batch_after_batch(bank):
    case = bank.register()
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=bank.office, case=case, action=AuditAction.CASE_API) for _ in range(7)
    )
    assert seal(batch=2) == CaseEvent.objects.count() + 7
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert verify(seal_first=False).intact


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_a_case_and_its_history(bank):
    case = bank.register()
    with pytest.raises(DatabaseError, match="written once"), transaction.atomic():
        Case.objects.filter(pk=case.pk).delete()  # its events go with it, and are refused
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_backlog_placed_over_several_batches_verifies_and_an_edit_in_a_later_batch_is_named(
    bank, disable_triggers
):
    case = bank.register()
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=bank.office, case=case, action=AuditAction.EXPORT, detail=f"row {n}")
        for n in range(25)
    )
    rows = CaseEvent.objects.count() + 25
    assert seal(batch=10) == rows  # three batches at least, each written in one statement
    places = sorted(
        [*CaseEvent.objects.values_list("seq", flat=True), *AuditEntry.objects.values_list("seq", flat=True)]
    )
    assert places == list(range(1, rows + 1))
    assert verify(seal_first=False).intact
    edited = AuditEntry.objects.get(seq=15)  # placed by the second batch
    sql("UPDATE audit_auditentry SET detail = 'nothing exported' WHERE id = %s", edited.pk)
    verdict = verify()
    assert (verdict.finding.what, verdict.finding.row, verdict.finding.seq) == ("edited", edited.pk, 15)


def test_rows_not_written_by_redress_filling_a_batch_do_not_hold_back_the_rows_after_them(bank):
    case = bank.register()
    seal()
    for _ in range(3):  # forged, and earlier in time than anything waiting: the sealer reads them first
        forge_row(bank, case)
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=bank.office, case=case, action=AuditAction.CASE_API) for _ in range(5)
    )
    assert seal(batch=2) == 5
    assert AuditEntry.objects.filter(seq__isnull=True, actor=bank.outsider).count() == 3
    assert not AuditEntry.objects.filter(seq__isnull=True, actor=bank.office).exists()
    verdict = verify()
    assert verdict.finding.what == "inserted" and verdict.checked == verdict.head_seq
