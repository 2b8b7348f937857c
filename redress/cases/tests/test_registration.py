import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from redress.cases.choices import EventKind, State
from redress.cases.models import Attachment, Case, CaseEvent
from redress.common.errors import FieldErrors
from redress.lifecycle.registration import register_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_registration_records_every_fact_and_an_event(bank):
    case = bank.register(
        amount="1200.5", product="借记卡", complainant_vip=True, business_category="银行卡/信用卡"
    )
    case.refresh_from_db()
    assert case.number.startswith(f"TS{timezone.localtime(case.received_at).year}")
    assert len(case.number) == 12
    assert case.state == State.REGISTERED
    assert case.first_responder == bank.teller
    assert case.unit == bank.outlet_a1_1 == case.holder_unit
    assert case.subject_unit == bank.outlet_a1_1
    assert case.amount == Decimal("1200.50")
    assert case.complainant_vip
    assert case.business_category.label == "银行卡/信用卡"
    assert case.level == "outlet"
    event = CaseEvent.objects.get(case=case)
    assert event.kind == EventKind.REGISTERED and event.actor == bank.teller


def test_numbers_follow_the_year_of_receipt_and_count_up(bank):
    received = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)  # 2026-01-01 07:30 in Beijing
    first = bank.register(received_at=received)
    second = bank.register(received_at=received)
    assert first.number[:6] == "TS2026"
    assert int(second.number[6:]) == int(first.number[6:]) + 1


def test_bad_fields_are_all_reported_and_nothing_is_stored(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(
            complainant_phone="12345",
            complainant_id_number="110105194912310021",
            amount="-5",
            subject_unit="NOPE",
            received_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert set(err.value.errors) == {
        "complainant.phone",
        "complainant.id_number",
        "amount",
        "subject_unit",
        "received_at",
    }
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_amount_with_three_decimals_is_refused(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(amount="10.005")
    assert list(err.value.errors) == ["amount"]


def test_anonymous_complaint_needs_no_name_or_phone_and_is_flagged(bank):
    case = bank.register(
        complainant_name="", complainant_phone="", complainant_id_number="", complainant_anonymous=True
    )
    assert case.flag_names == ["anonymous"]


def test_idempotency_key_returns_the_first_case(bank):
    first = register_case(bank.teller, bank.registration(), idempotency_key="call-42")
    again = register_case(bank.teller, bank.registration(), idempotency_key="call-42")
    assert first.created and not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1


def test_attachment_is_stored_in_the_attachment_store_not_in_the_database(bank, settings):
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    case = register_case(bank.teller, bank.registration(), files=[upload]).case
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF) and attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    with storages["attachments"].open(attachment.storage_name) as stored:
        assert stored.read() == PDF
    # By default the store is the local directory.
    assert (settings.ATTACHMENT_ROOT / attachment.storage_name).read_bytes() == PDF


def test_attachment_of_a_refused_type_stops_the_registration(bank):
    upload = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + bytes(200), content_type="application/pdf")
    with pytest.raises(FieldErrors) as err:
        register_case(bank.teller, bank.registration(), files=[upload])
    assert list(err.value.errors) == ["attachments"]
    assert Case.objects.count() == 0


def test_attachment_over_the_size_limit_is_refused(bank, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    with pytest.raises(FieldErrors):
        register_case(bank.teller, bank.registration(), files=[upload])
    assert Case.objects.count() == 0


def test_subject_staff_cannot_be_first_responder(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(actor=bank.subject, subject_staff="subject")
    assert "first_responder" in err.value.errors


@pytest.mark.parametrize("named", ["outsider", "auditor", "office"])
def test_the_first_responder_comes_only_from_the_registering_units_subtree_and_never_the_auditor(bank, named):
    # The outsider works at branch B, the office and auditor above the registering outlet's branch.
    with pytest.raises(FieldErrors) as err:
        bank.register(actor=bank.outlet_head, first_responder=named)
    assert list(err.value.errors) == ["first_responder"]
    assert Case.objects.count() == 0


def test_a_unit_may_name_a_first_responder_anywhere_under_it(bank):
    case = bank.register(actor=bank.branch_group, first_responder="teller")
    assert case.first_responder == bank.teller


def test_the_auditor_cannot_be_named_even_by_the_head_office(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(actor=bank.admin, first_responder="auditor")
    assert list(err.value.errors) == ["first_responder"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the number drawn inside the case's INSERT is PostgreSQL's (.ci/run runs it)",
)
def test_a_number_drawn_inside_the_insert_is_written_as_format_number_writes_it(bank):
    """Six digits, then seven past the millionth case of a year, as `format_number`."""
    from redress.cases.numbering import _sequence_name, format_number

    received = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    sequence = _sequence_name(2026)
    with connection.cursor() as cursor:
        # A sequence is not rolled back with the test's transaction: it is put back as it was.
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        was = cursor.fetchone()
    try:
        for last in (41, 999_999):
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, %s)", [sequence, last])
            assert bank.register(received_at=received).number == format_number(2026, last + 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, *was])
