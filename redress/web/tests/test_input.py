"""Bad input on the pages: an error beside the field, never a 500, nothing stored; and what is stored is
always exported safely."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from redress.cases.models import Case

from .test_pages import form_data, logged_in

pytestmark = pytest.mark.django_db


def export_rows(client, **params) -> list[tuple]:
    response = client.get(reverse("web:export"), params)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))[1:]


def test_the_export_writes_a_stored_control_character_safely(client, bank):
    case = bank.register()
    # Rows written before the input was cleaned may hold them (PostgreSQL keeps any but NUL): written here
    # past every check.
    Case.objects.filter(pk=case.pk).update(
        matter="柜台\x07态度\x08冷淡", demand="道歉\x1b", complainant_name="张\x0c三"
    )
    rows = export_rows(logged_in(client, bank.teller))
    assert [r[0] for r in rows] == [case.number]
    (row,) = rows
    assert row[5] == "张\ufffd三"
    assert row[-2] == "柜台\ufffd态度\ufffd冷淡"  # matter and demand are the last two columns
    assert row[-1] == "道歉\ufffd"


def test_a_control_character_in_the_matter_is_refused_with_a_field_error(client, bank):
    response = logged_in(client, bank.teller).post(
        reverse("web:new_case"), form_data(bank, matter="柜台\x07")
    )
    assert response.status_code == 200
    assert "matter" in response.context["form"].errors
    assert "U+0007" in response.context["form"].errors["matter"][0]
    assert not Case.objects.exists()


def test_a_matter_over_20000_characters_is_refused_on_the_form(client, bank):
    response = logged_in(client, bank.teller).post(
        reverse("web:new_case"), form_data(bank, matter="投" * 20_001)
    )
    assert response.status_code == 200
    assert "matter" in response.context["form"].errors
    assert not Case.objects.exists()


@pytest.mark.parametrize("received", ["0001-01-01T09:00", "2019-03-02T09:30"])
def test_a_received_time_before_the_window_is_refused_on_the_form(client, bank, received):
    response = logged_in(client, bank.teller).post(
        reverse("web:new_case"), form_data(bank, received_at=received)
    )
    assert response.status_code == 200
    assert "received_at" in response.context["form"].errors
    assert not Case.objects.exists()
    recent = (timezone.localtime() - dt.timedelta(days=1000)).strftime("%Y-%m-%dT%H:%M")
    response = logged_in(client, bank.teller).post(
        reverse("web:new_case"), form_data(bank, received_at=recent)
    )
    assert response.status_code == 302


@pytest.mark.parametrize("field", ["q", "phone", "unit"])
def test_a_nul_in_a_register_filter_is_a_field_error(client, bank, field):
    bank.register()
    response = logged_in(client, bank.teller).get(reverse("web:register"), {field: "1\x00"})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    # A refused filter is not applied: the page shows the errors, not an unfiltered register.
    assert "cases" not in response.context


@pytest.mark.parametrize("field", ["received_from", "received_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_filter_date_out_of_range_is_a_field_error(client, bank, field, day):
    response = logged_in(client, bank.teller).get(reverse("web:register"), {field: day})
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_the_export_refuses_a_date_out_of_range_without_a_500(client, bank):
    response = logged_in(client, bank.teller).get(reverse("web:export"), {"received_to": "9999-12-31"})
    assert response.status_code == 302


def test_a_page_number_past_the_end_shows_the_last_page(client, bank):
    case = bank.register()
    response = logged_in(client, bank.teller).get(reverse("web:register"), {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert response.context["page"] == 1
    assert [c.number for c in response.context["cases"]] == [case.number]


def test_a_nul_in_a_case_number_in_the_path_is_a_404(client, bank):
    assert logged_in(client, bank.teller).get("/cases/TS%00").status_code == 404


def test_a_nul_in_the_due_soon_unit_is_refused_without_a_500(client, bank):
    response = logged_in(client, bank.teller).get(reverse("web:due_soon"), {"unit": "A\x00"})
    assert response.status_code == 200


def test_full_width_digits_on_the_form_are_stored_as_ascii(client, bank):
    response = logged_in(client, bank.teller).post(
        reverse("web:new_case"),
        form_data(
            bank,
            complainant_phone="１３９ ００００ ２２２２",
            received_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 302
    assert Case.objects.get().complainant_phone == "13900002222"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_daily_report_day_at_the_calendars_ends_is_refused_without_a_500(client, bank, day):
    response = logged_in(client, bank.office).get(reverse("web:daily_report"), {"unit": "A1", "date": day})
    assert response.status_code == 200
    assert "1900-01-01" in response.content.decode()  # the bounds, in the message above the report
    assert response.context["date"] != dt.date.fromisoformat(day)  # yesterday's report instead


@pytest.mark.parametrize(
    "page", ["web:performance", "web:year_end_report", "web:hotspots", "web:analysis_report"]
)
@pytest.mark.parametrize("period", [{"from": "0001-01-01"}, {"from": "9999-12-31", "to": "9999-12-31"}])
def test_a_report_period_at_the_calendars_ends_is_refused_without_a_500(client, bank, page, period):
    response = logged_in(client, bank.office).get(reverse(page), period)
    assert response.status_code == 200
    if not page.endswith("_report"):  # a printed report has no messages: it shows the default period
        assert "1900-01-01" in response.content.decode()  # the bounds, in the message above the report
