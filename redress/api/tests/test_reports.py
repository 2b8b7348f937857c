"""GET /api/v1/reports/summary and /reports/daily: figures equal to the cases counted by hand, a branch the
sum of its children, and no figure built from cases hidden from the caller."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from redress.cases.models import Case
from redress.lifecycle import perform
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
REPLY = {"method": "written", "content": "经核实，已为您办理。"}

# (day of November 2026, outlet, kind, channel, category, closed as)
CASES = [
    (2, "A1-1", "complaint", "counter", "service_attitude", "at_fault"),
    (2, "A1-1", "complaint", "phone", "work_error", None),
    (2, "A1-2", "enquiry", "phone", "", "not_at_fault"),
    (3, "A1-2", "complaint", "regulator", "work_error", "shared"),
    (3, "B1-1", "suggestion", "counter", "", None),
    (30, "A1-1", "petition", "visit", "service_attitude", None),
]


@pytest.fixture
def cases(bank):
    people = {"A1-1": bank.teller, "A1-2": None, "B1-1": bank.outsider}
    from redress.organisation.choices import Role
    from redress.organisation.services import create_staff

    people["A1-2"] = create_staff(
        username="teller2",
        name="柜员小孙",
        unit=bank.outlet_a1_2,
        roles=[Role.OUTLET_STAFF],
        password="x" * 12,
    )
    made = []
    for i, (day, outlet, kind, channel, category, closed_as) in enumerate(CASES):
        case = bank.register(
            people[outlet],
            kind=kind,
            channel=channel,
            category=category,
            subject_unit=outlet,
            received_at=dt.datetime(2026, 11, day, 10, 30, tzinfo=BEIJING),
            complainant_phone=f"1391111{i:04d}",
        )
        if closed_as:
            case = perform("accept", people[outlet], case)
            case = perform("reply", people[outlet], case, REPLY)
            # A complaint closes with its regulatory classes; the others need none.
            classes = CLASSES if kind == "complaint" else {}
            case = perform("close", people[outlet], case, {**classes, "responsibility": closed_as})
        made.append(case)
    return made


def get_summary(client, unit, group_by, start="2026-11-01", end="2026-11-30"):
    response = client.get(
        "/api/v1/reports/summary", {"unit": unit, "from": start, "to": end, "group_by": group_by}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == sum(row["count"] for row in body["rows"])
    return body


def counts(body) -> dict[str, int]:
    return {row["key"]: row["count"] for row in body["rows"]}


@pytest.mark.parametrize(
    ("group_by", "field"), [("kind", 2), ("channel", 3), ("category", 4), ("responsibility", 5)]
)
def test_each_dimension_counts_the_branchs_cases_by_hand(bank, as_staff, cases, group_by, field):
    in_branch_a = [c for c in CASES if c[1].startswith("A")]
    expected = Counter(c[field] for c in in_branch_a if c[field] is not None)
    body = get_summary(as_staff(bank.office), "A", group_by)
    assert counts(body) == dict(expected)
    assert body["unit"] == "A" and body["from"] == "2026-11-01" and body["to"] == "2026-11-30"


def test_days_months_units_and_statistics_classes_count_by_hand(bank, as_staff, cases):
    office = as_staff(bank.office)
    assert counts(get_summary(office, "P", "day")) == {"2026-11-02": 3, "2026-11-03": 2, "2026-11-30": 1}
    assert counts(get_summary(office, "P", "month", end="2026-12-05")) == {"2026-11": 6}
    assert counts(get_summary(office, "P", "unit")) == {"A": 5, "B": 1}
    assert counts(get_summary(office, "A1", "unit")) == {"A1-1": 3, "A1-2": 2}
    closed = Case.objects.filter(state="closed", unit__code__startswith="A")
    assert counts(get_summary(office, "A", "stat_class")) == dict(Counter(c.stat_class for c in closed))
    # Registered in the period: the 30th is outside 1–29, the 2nd inside 2–2.
    assert get_summary(office, "P", "kind", end="2026-11-29")["total"] == 5
    assert get_summary(office, "P", "kind", start="2026-11-02", end="2026-11-02")["total"] == 3


def test_regulatory_classes_group_unclassified_cases_under_an_empty_key(bank, as_staff, cases):
    # Branch A: the two closed complaints were classified at close; its other three cases are not.
    for group_by in ("business_category", "reason"):
        body = get_summary(as_staff(bank.office), "A", group_by)
        counts = {r["label"] if r["key"] else "": r["count"] for r in body["rows"]}
        assert counts == {"": 3, CLASSES[group_by]: 2}


def test_a_branchs_figure_is_the_sum_of_its_childrens(bank, as_staff, cases):
    office = as_staff(bank.office)
    for parent in ("P", "A", "A1"):
        whole = get_summary(office, parent, "kind")["total"]
        lines = get_summary(office, parent, "unit")["rows"]
        assert whole == sum(row["count"] for row in lines)
        for line in lines:
            assert get_summary(office, line["key"], "kind")["total"] == line["count"]


def test_the_day_counts_its_cases_and_each_childs_line(bank, as_staff, cases):
    response = as_staff(bank.office).get("/api/v1/reports/daily", {"unit": "A1", "date": "2026-11-02"})
    assert response.status_code == 200
    day = response.json()
    assert (day["registered"], day["closed"], day["open"]) == (3, 2, 1)
    assert day["by_kind"] == {"complaint": 2, "enquiry": 1}
    assert day["by_channel"] == {"counter": 1, "phone": 2}
    assert sum(day["by_stat_class"].values()) == 2
    assert [(c["unit"], c["registered"], c["closed"]) for c in day["children"]] == [
        ("A1-1", 2, 1),
        ("A1-2", 1, 1),
    ]


def test_the_person_complained_about_gets_no_figure_built_from_the_cases_about_them(bank, as_staff):
    bank.register(subject_staff=bank.subject.username, complainant_phone="13922220001")
    bank.register(complainant_phone="13922220002")
    today = dt.datetime.now(BEIJING).date().isoformat()
    theirs = get_summary(as_staff(bank.subject), "A1-1", "kind", start=today, end=today)
    assert theirs["total"] == 1
    assert get_summary(as_staff(bank.teller), "A1-1", "kind", start=today, end=today)["total"] == 2
    day = as_staff(bank.subject).get("/api/v1/reports/daily", {"unit": "A1-1", "date": today}).json()
    assert day["registered"] == 1


def test_an_outsider_is_told_the_unit_does_not_exist(bank, as_staff, cases):
    outsider = as_staff(bank.outsider)
    query = {"unit": "A", "from": "2026-11-01", "to": "2026-11-30", "group_by": "kind"}
    assert outsider.get("/api/v1/reports/summary", query).status_code == 404
    assert outsider.get("/api/v1/reports/summary", {**query, "unit": "NOPE"}).status_code == 404
    assert outsider.get("/api/v1/reports/daily", {"unit": "A", "date": "2026-11-02"}).status_code == 404
    # Their own outlet: its own case only.
    assert get_summary(outsider, "B1-1", "kind")["total"] == 1


def test_a_work_group_member_elsewhere_counts_only_the_cases_escalated_to_the_group(bank, as_staff, cases):
    from redress.organisation.choices import Role, WorkGroupPosition
    from redress.organisation.services import add_work_group_member, create_staff

    deputy = create_staff(
        username="deputy", name="副组长", unit=bank.outlet_b1_1, roles=[Role.WORK_GROUP], password="x" * 12
    )
    add_work_group_member(bank.branch_a_group, deputy, WorkGroupPosition.MEMBER)
    assert get_summary(as_staff(deputy), "A", "kind")["total"] == 0
    case = Case.objects.get(pk=cases[1].pk)
    perform("escalate", bank.teller, case, {"reason": "客户情绪激动，要求上级处理。"})
    assert get_summary(as_staff(deputy), "A", "kind")["total"] == 1


def test_bad_parameters_are_field_errors(bank, as_staff):
    client = as_staff(bank.office)
    query = {"unit": "A", "from": "2026-11-30", "to": "2026-11-01", "group_by": "colour"}
    response = client.get("/api/v1/reports/summary", query)
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"to", "group_by"}
    query = {"unit": "A", "from": "2026-11-01", "to": "yesterday", "group_by": "kind"}
    assert client.get("/api/v1/reports/summary", query).status_code == 422


# (regulatory channel, business category, reason) of the quarter's complaints
RETURN = [
    ("营业现场", "银行卡/信用卡", "服务态度及服务质量"),
    ("营业现场", "银行卡/信用卡", "服务态度及服务质量"),
    ("电话渠道", "银行卡/信用卡", "定价收费"),
    ("电话渠道", "贷款/个人贷款", "定价收费"),
    ("", "", ""),
]


def test_the_regulatory_return_counts_the_quarters_complaints_by_each_class(bank, as_staff):
    for i, (channel, business, reason) in enumerate(RETURN):
        bank.register(
            regulatory_channel=channel,
            business_category=business,
            reason=reason,
            received_at=dt.datetime(2026, 10, 5 + i, 10, tzinfo=BEIJING),
            complainant_phone=f"1395555{i:04d}",
        )
    bank.register(kind="enquiry", category="", complainant_phone="13955559998",
                  received_at=dt.datetime(2026, 10, 9, 10, tzinfo=BEIJING))  # fmt: skip  # not a complaint
    bank.register(complainant_phone="13955559999", received_at=dt.datetime(2026, 9, 30, 23, tzinfo=BEIJING))
    response = as_staff(bank.office).get("/api/v1/reports/regulatory", {"quarter": "2026Q4"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["total"]) == ("2026-10-01", "2026-12-31", 5)
    combos = {(r["channel"]["label"], r["business_category"]["label"], r["reason"]["label"]): r["count"]
              for r in body["rows"]}  # fmt: skip
    assert combos == dict(Counter(RETURN))
    for name, index in (("by_channel", 0), ("by_business_category", 1), ("by_reason", 2)):
        assert {row["label"]: row["count"] for row in body[name]} == dict(Counter(c[index] for c in RETURN))


def test_the_regulatory_workbook_has_a_sheet_per_dimension_whose_totals_agree(bank, as_staff):
    for i, (channel, business, reason) in enumerate(RETURN):
        bank.register(
            regulatory_channel=channel,
            business_category=business,
            reason=reason,
            received_at=dt.datetime(2026, 10, 5 + i, 10, tzinfo=BEIJING),
            complainant_phone=f"1395555{i:04d}",
        )
    response = as_staff(bank.auditor).get(
        "/api/v1/reports/regulatory", {"quarter": "2026Q4", "format": "xlsx"}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["监管渠道分类", "业务类别", "原因", "组合明细"]
    for sheet in book.worksheets:
        last = [cell for cell in list(sheet.iter_rows(values_only=True))[-1] if cell not in (None, "")]
        assert last == ["合计", 5], sheet.title


def test_only_those_who_see_every_case_get_the_regulatory_return(bank, as_staff):
    assert as_staff(bank.teller).get("/api/v1/reports/regulatory", {"quarter": "2026Q4"}).status_code == 403
    refused = as_staff(bank.office).get("/api/v1/reports/regulatory", {"quarter": "2026Q5", "format": "pdf"})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"quarter", "format"}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_at_the_calendars_ends_is_a_field_error_not_a_500(bank, as_staff, day):
    response = as_staff(bank.office).get("/api/v1/reports/daily", {"unit": "A1", "date": day})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"date"}
