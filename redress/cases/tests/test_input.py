"""Registration's own checks of text, digits and the received time, for every caller (form, API, import)."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.cases.models import Case
from redress.common.errors import FieldErrors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field, name",
    [
        ("matter", "matter"),
        ("demand", "demand"),
        ("complainant_name", "complainant.name"),
        ("product", "product"),
        ("subject_unit", "subject_unit"),
        ("complainant_phone", "complainant.phone"),
    ],
)
def test_a_control_character_is_refused_naming_the_field(bank, field, name):
    with pytest.raises(FieldErrors) as err:
        bank.register(**{field: "A1-1\x07"})
    assert list(err.value.errors) == [name]
    assert "U+0007" in err.value.errors[name][0]
    assert not Case.objects.exists()


def test_a_nul_in_an_identifier_is_refused_before_any_lookup(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(subject_unit="A1\x00", subject_staff="sub\x00", first_responder="t\x00", reason="x\x00")
    assert set(err.value.errors) == {"subject_unit", "subject_staff", "first_responder", "reason"}
    assert all("U+0000" in messages[0] for messages in err.value.errors.values())


def test_matter_and_demand_are_at_most_20000_characters(bank):
    with pytest.raises(FieldErrors) as err:
        bank.register(matter="投" * 20_001, demand="诉" * 20_001)
    assert set(err.value.errors) == {"matter", "demand"}
    case = bank.register(matter="投" * 20_000, demand="诉" * 20_000)
    assert len(case.matter) == 20_000


def test_texts_are_nfc_normalised_and_newlines_unified(bank):
    case = bank.register(matter="Cafe\u0301\r\n柜台", complainant_name="Jose\u0301")
    case.refresh_from_db()
    assert case.matter == "Caf\u00e9\n柜台"
    assert case.complainant_name == "Jos\u00e9"


@pytest.mark.default_receipt_window
@pytest.mark.parametrize(
    "received",
    [dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC), dt.datetime(2019, 3, 2, 1, 30, tzinfo=dt.UTC)],
)
def test_a_received_time_before_the_window_is_refused(bank, received):
    with pytest.raises(FieldErrors) as err:
        bank.register(received_at=received)
    assert list(err.value.errors) == ["received_at"]
    assert "1096" in err.value.errors["received_at"][0]
    assert not Case.objects.exists()
    # Inside the window, a case is registered and its clocks start.
    case = bank.register(received_at=timezone.now() - dt.timedelta(days=1095))
    assert case.clocks.exists()


def test_the_window_is_read_from_the_settings(bank, settings):
    settings.RECEIVED_WITHIN_DAYS = 10
    with pytest.raises(FieldErrors):
        bank.register(received_at=timezone.now() - dt.timedelta(days=11))
    assert bank.register(received_at=timezone.now() - dt.timedelta(days=9)).clocks.exists()
