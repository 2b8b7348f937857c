"""Retention (R10.5, decision 0037): closed cases past their kind's period are anonymised — personal data and
free text gone, figures and the audit chain intact — exactly those, and none on legal hold."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from redress.audit.chain import seal, verify
from redress.cases.attachments import storage
from redress.cases.models import Attachment, Case, CaseEvent, TransferOrder
from redress.common.chain import erased_marker
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.matching.models import SearchEntry, Topic, TopicMember
from redress.reports import figures
from redress.reports.figures import CaseFigures
from redress.retention import services
from redress.retention.models import AnonymisedCase, RetentionPolicy, RetentionRun
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def closed_case(bank, closed_at: dt.datetime, *, files=(), **overrides) -> Case:
    """A complaint taken, sent to the personal banking department with a note, and closed at `closed_at`."""
    received = closed_at - dt.timedelta(days=3)
    data = bank.registration(received_at=received, **overrides)
    case = register_case(bank.teller, data, files=files, now=received + dt.timedelta(minutes=5)).case
    at = received + dt.timedelta(hours=1)
    case = perform("accept", bank.teller, case, now=at)
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "note": "请核查张三的转账"}, now=at)
    case = perform("acknowledge", bank.handler, case, now=at)
    report = {
        "findings": "张三反映属实",
        "staff_handling": "批评教育",
        "lessons": "加强培训",
        "rectification": "已整改",
        "customer_satisfaction": "satisfied",
        "handled_at": at.isoformat(),
        "handler_name": "赵六",
        "handler_phone": "13700000000",
    }
    case = perform("report", bank.handler, case, report, now=at)
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已向张三致歉。"}, now=at)
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"}, now=closed_at)
    assert case.closed_at == closed_at
    return case


def three_years_before(moment: dt.datetime) -> dt.datetime:
    return services.years_before(moment, 3)


@pytest.fixture
def cases(bank):
    """One closed a day past three years, one closed a day short of them, one still open."""
    expired = closed_case(
        bank, three_years_before(NOW) - dt.timedelta(days=1), files=[SimpleUploadedFile("letter.pdf", PDF)]
    )
    kept = closed_case(bank, three_years_before(NOW) + dt.timedelta(days=1), complainant_phone="13912345678")
    still_open = bank.register(complainant_phone="13787654321")
    return expired, kept, still_open


def test_exactly_the_cases_closed_longer_than_their_period_are_anonymised(cases):
    expired, kept, still_open = cases
    record = services.run(now=NOW)
    assert list(record.items.values_list("number", flat=True)) == [expired.number]
    assert record.cases == 1 and not record.dry_run
    for case in (kept, still_open):
        case.refresh_from_db()
        assert case.complainant_name == "张三" and case.matter
    # A second run finds nothing more to do.
    assert services.run(now=NOW).cases == 0


def test_an_anonymised_case_keeps_no_personal_data_or_free_text(cases, django_capture_on_commit_callbacks):
    expired = cases[0]
    stored = Attachment.objects.get(case=expired).storage_name
    assert storage().exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        services.run(now=NOW)
    case = Case.objects.get(pk=expired.pk)
    assert (case.complainant_name, case.complainant_phone, case.complainant_id_number) == ("", "", "")
    assert (case.complainant_phone_index, case.complainant_id_index, case.matter, case.demand) == (
        "",
        "",
        "",
        "",
    )
    assert TransferOrder.objects.get(case=case).note == ""
    events = CaseEvent.objects.filter(case=case)
    assert events.exists() and all(erased_marker(e.data) for e in events)
    assert "张三" not in str(list(events.values_list("data", flat=True)))
    assert not SearchEntry.objects.filter(case=case).exists()
    assert not TopicMember.objects.filter(case=case).exists()
    assert not Topic.objects.filter(raised_by=case).exists()
    assert not storage().exists(stored)
    assert Attachment.objects.get(case=case).original_name == ""
    # What stays: the number, kind, state, close, units, responsibility.
    assert (case.number, case.state, case.closed_at) == (expired.number, expired.state, expired.closed_at)
    assert case.responsibility == "at_fault" and case.holder_unit_id == expired.holder_unit_id


def test_the_figures_add_up_the_same_after_anonymisation(cases):
    def kept_figures():
        return sorted(
            tuple(row)
            for row in CaseFigures.objects.values_list(*[f.attname for f in CaseFigures._meta.fields])
        )

    before = kept_figures()
    assert figures.verify() == []
    services.run(now=NOW)
    assert figures.verify() == []
    assert kept_figures() == before


def test_the_audit_chain_stays_clean_after_anonymisation(cases):
    seal()
    assert verify().intact
    services.run(now=NOW)
    verdict = verify()
    assert verdict.intact, verdict.finding


def test_an_erased_event_altered_afterwards_is_named(cases, disable_triggers):
    expired = cases[0]
    services.run(now=NOW)
    event = CaseEvent.objects.filter(case=expired).order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET actor_id = NULL WHERE id = %s", [event.pk])
    verdict = verify()
    assert (verdict.finding.what, verdict.finding.row) == ("edited", event.pk)


def test_an_erasure_marker_written_without_the_key_is_named(cases, disable_triggers):
    kept = cases[1]
    seal()
    event = CaseEvent.objects.filter(case=kept).order_by("seq")[0]
    forged = '{"erased": {"at": "2020-01-01T00:00:00+00:00", "residue": "00"}}'
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET data = %s WHERE id = %s", [forged, event.pk])
    verdict = verify()
    assert (verdict.finding.what, verdict.finding.row) == ("edited", event.pk)


@pytest.mark.postgres
def test_postgresql_lets_retention_erase_an_event_and_nothing_else(cases):
    seal()
    event = CaseEvent.objects.filter(case=cases[1]).order_by("seq")[0]
    with pytest.raises(Exception, match="written once"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).erase(NOW)  # erased: allowed
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_caseevent SET kind = 'closed' WHERE id = %s", [event.pk])
    with pytest.raises(Exception, match="written once"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('UPDATE cases_caseevent SET data = \'{"note": "x"}\' WHERE id = %s', [event.pk])
    assert CaseEvent.objects.filter(pk=event.pk).erase(NOW) == 1


def test_a_legal_hold_keeps_the_case_whole_until_it_is_lifted(cases, bank):
    expired = cases[0]
    perform("set_legal_hold", bank.office, expired, {"reason": "客户已起诉"})
    assert services.run(now=NOW).cases == 0
    assert Case.objects.get(pk=expired.pk).matter
    perform("lift_legal_hold", bank.office, Case.objects.get(pk=expired.pk), {"reason": "诉讼已终结"})
    assert services.run(now=NOW).cases == 1


def test_only_the_office_legal_counsel_or_an_administrator_may_hold(cases, bank):
    from redress.lifecycle import allowed_actions

    assert "set_legal_hold" in allowed_actions(bank.office, cases[0])
    assert "set_legal_hold" not in allowed_actions(bank.teller, cases[0])
    assert "lift_legal_hold" not in allowed_actions(bank.office, cases[0])


def test_a_kind_kept_longer_is_not_anonymised_at_three_years(cases):
    RetentionPolicy.objects.create(kind="complaint", years=5)
    assert services.run(now=NOW).cases == 0


def test_no_period_below_three_years_is_accepted(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPolicy.objects.create(kind="complaint", years=2)


def test_a_dry_run_lists_the_cases_and_changes_nothing(cases):
    expired = cases[0]
    record = services.run(now=NOW, dry_run=True)
    assert record.dry_run and list(record.items.values_list("number", flat=True)) == [expired.number]
    assert Case.objects.get(pk=expired.pk).complainant_name == "张三"
    assert services.run(now=NOW).cases == 1


def test_the_command_runs_retention_and_records_the_run(cases, capsys):
    call_command("retention", "run", "--dry-run")
    assert "would be anonymised" in capsys.readouterr().out
    call_command("retention", "run")
    out = capsys.readouterr().out
    assert cases[0].number in out and "1 cases anonymised" in out
    assert RetentionRun.objects.filter(dry_run=False, started_by="command").count() == 1
    assert AnonymisedCase.objects.filter(run__dry_run=False, case=cases[0]).exists()


def test_the_daily_job_runs_once_a_day(cases):
    assert services.run_daily(NOW).cases == 1
    assert services.run_daily(NOW + dt.timedelta(minutes=5)) is None


def test_every_text_of_a_case_is_erased_or_kept():
    """A new text field on a record of a case must be named in ERASED_TEXT or KEPT_TEXT."""
    missing = []
    for label, (_to_case, texts, jsons) in services.ERASED_TEXT.items():
        model = apps.get_model(label)
        named = {*texts, *jsons, *services.KEPT_TEXT.get(label, ())}
        free = {
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.TextField | models.JSONField) and f.name not in named
        }
        missing += [f"{label}.{name}" for name in sorted(free)]
    for rel in Case._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and rel.related_model not in (Case,):
            label = rel.related_model._meta.label
            texts = [f for f in rel.related_model._meta.concrete_fields if isinstance(f, models.TextField)]
            if texts and label not in services.ERASED_TEXT and label not in SPECIAL:
                missing.append(label)
    assert missing == []


# Records of a case handled on their own: removed (the search index), erased in place (events), handed to
# another case (a topic it raised: `matching.similarity.forget`), or naming no personal data (figures, the
# audit trail's details, a problem the office drew from many cases' hotspot).
SPECIAL = {
    "matching.SearchEntry",
    "matching.Topic",
    "cases.CaseEvent",
    "reports.CaseFigures",
    "audit.AuditEntry",
    "reports.Problem",
}


def test_inspectors_read_the_runs_and_the_case_page_says_it_was_anonymised(client, bank, cases):
    services.run(now=NOW)
    client.force_login(bank.auditor)
    html = client.get("/retention/").content.decode()
    assert cases[0].number in html and cases[1].number not in html
    client.force_login(bank.teller)
    assert client.get("/retention/").status_code == 403
    page = client.get(f"/cases/{cases[0].number}").content.decode()
    assert 'id="anonymised"' in page and "张三" not in page
