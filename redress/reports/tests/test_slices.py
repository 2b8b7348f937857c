"""The rollup's slices: a report reads the narrowest slice that has its dimensions, whole months from the
month rows, and gets what the cases' own figures add up to (decision 0039)."""

from __future__ import annotations

import datetime as dt

import pytest

from redress.reports import figures, services
from redress.reports.figures import MEASURES, CaseFigures, SliceFigures
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))

# Cases on both sides of month ends, the first and last of the period, and of every class a report reads.
CASES = [
    (dt.date(2026, 1, 16), {}),
    (dt.date(2026, 1, 17), {"kind": "suggestion", "category": "", "channel": "phone"}),
    (dt.date(2026, 1, 31), {"product": "信用卡", "complainant_vip": True, **CLASSES}),
    (dt.date(2026, 2, 1), {"regulatory_channel": "营业现场", "product": "现金取款"}),
    (dt.date(2026, 2, 28), {"channel": "phone", "subject_unit": "A1-2", **CLASSES}),
    (dt.date(2026, 3, 1), {"kind": "enquiry", "category": ""}),
    (dt.date(2026, 3, 15), {"product": "理财", "subject_staff": "subject"}),
    (dt.date(2026, 3, 31), {"reason": "定价收费", "subject_staff": "subject"}),
    (dt.date(2026, 4, 1), {"channel": "regulator", "product": "信用卡"}),
    (dt.date(2026, 4, 5), {"business_category": "银行卡/信用卡"}),
    (dt.date(2026, 4, 6), {}),
]
PERIODS = [
    (dt.date(2026, 1, 17), dt.date(2026, 4, 5)),  # two ends and two whole months
    (dt.date(2026, 2, 1), dt.date(2026, 3, 31)),  # whole months only
    (dt.date(2026, 1, 20), dt.date(2026, 2, 10)),  # across one month's end, no whole month
    (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),  # one day
]
BY_UNIT = [
    "unit_path",
    "kind",
    "channel",
    "category",
    "business_category_id",
    "reason_id",
    "product",
    "customer_group",
    "subject_unit_id",
    "day",
    "month",
]


@pytest.fixture
def cases(bank):
    units = {"A1-2": bank.outlet_a1_2.code}
    for i, (day, overrides) in enumerate(CASES):
        values = {**overrides, "complainant_phone": f"1397777{i:04d}"}
        if "subject_unit" in values:
            values["subject_unit"] = units[values["subject_unit"]]
        if "subject_staff" in values:
            values["subject_staff"] = bank.subject.username
        received = dt.datetime(day.year, day.month, day.day, 10, tzinfo=BEIJING)
        bank.register(received_at=received, **values)
    return bank


def read(rows, columns: list[str]) -> dict[tuple, dict[str, int]]:
    """{key: measures} without the empty keys, a day grouped by month read as its month's first day."""
    found: dict[tuple, dict[str, int]] = {}
    for row in services.grouped(rows, columns, MEASURES):
        key = tuple(row[c].replace(day=1) if c == "month" else row[c] for c in columns)
        into = found.setdefault(key, dict.fromkeys(MEASURES, 0))
        for measure in MEASURES:
            into[measure] += row[f"s_{measure}"] or 0
    return {key: counts for key, counts in found.items() if any(counts.values())}


def assert_slice_reads_as_the_cases(where: dict, columns: list[str], grain_read: set[str]) -> None:
    rows = services.Rollup(where).rows(columns)
    assert rows.model is SliceFigures
    assert set(rows.values_list("grain", flat=True)) <= grain_read
    assert read(services.Rollup(where), columns) == read(CaseFigures.objects.filter(**where), columns)


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_a_slice_read_by_each_of_a_units_dimensions_equals_its_cases(cases, start, end):
    for column in [None, *BY_UNIT]:
        columns = [column] if column else []
        grains = {"day"} if column == "day" else {"day", "month"}
        for unit in (cases.head_office, cases.sub_branch_a1, cases.outlet_a1_1, cases.branch_b):
            # The hotspots count complaints by a dimension (not the channel).
            for extra in ({}, {"kind": "complaint"}) if column != "channel" else ({},):
                where = {"unit_path__startswith": unit.path, "day__gte": start, "day__lte": end, **extra}
                assert_slice_reads_as_the_cases(where, columns, grains)
    # The period's cases are there to count (the test would pass on nothing otherwise).
    everything = {"unit_path__startswith": cases.head_office.path, "day__gte": start, "day__lte": end}
    assert read(services.Rollup(everything), [])


def test_whole_months_are_read_from_the_month_rows(cases):
    where = {"unit_path__startswith": cases.head_office.path}
    rows = services.Rollup({**where, "day__gte": dt.date(2026, 1, 17), "day__lte": dt.date(2026, 4, 5)})
    read_rows = list(rows.rows([]).values_list("grain", "day"))
    assert ("month", dt.date(2026, 2, 1)) in read_rows and ("month", dt.date(2026, 3, 1)) in read_rows
    assert {day for grain, day in read_rows if grain == "day"} == {
        dt.date(2026, 1, 17),
        dt.date(2026, 1, 31),
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 5),
    }


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_performance_reads_its_slices_as_its_cases(cases, start, end):
    period = {"day__gte": start, "day__lte": end, "kind": "complaint"}
    subtree = {"subject_unit_id__in": [cases.outlet_a1_1.pk, cases.outlet_a1_2.pk]}
    grains = {"day", "month"}
    assert_slice_reads_as_the_cases({**period, **subtree}, ["subject_unit_id"], grains)
    assert_slice_reads_as_the_cases(
        {**period, **subtree, "subject_staff_id__gt": 0}, ["subject_staff_id"], grains
    )


def test_each_report_reads_the_narrowest_slice_and_the_cases_where_none_fits():
    assert figures.slice_for({"unit_path", "day"}) == "unit"
    assert figures.slice_for({"unit_path", "kind"}) == "kind"
    assert figures.slice_for({"unit_path", "kind", "product"}) == "product"
    assert figures.slice_for({"kind", "subject_unit_id"}) == "performance"
    assert figures.slice_for({"unit_path", "regulatory_channel_id"}) is None
    # The whole bank's: by kind and one dimension, and the regulatory return's three classes.
    assert figures.slice_for({"kind", "category"}) == "bank_category"
    assert figures.slice_for({"kind", "regulatory_channel_id", "business_category_id", "reason_id"}) == (
        "regulatory"
    )
    where = {"unit_path__startswith": "/", "regulatory_channel_id": 1}
    assert services.Rollup(where).rows(["kind"]).model is CaseFigures


def test_the_whole_banks_figures_are_read_from_the_banks_slices(cases):
    period = {"day__gte": dt.date(2026, 1, 17), "day__lte": dt.date(2026, 4, 5)}
    whole = {"unit_path__startswith": cases.head_office.path, **period}
    assert services.Rollup({**whole, "kind": "complaint"}).rows(["category"])[0].slice == "bank_category"
    branch = {"unit_path__startswith": cases.sub_branch_a1.path, **period}
    assert services.Rollup(branch).rows(["category"])[0].slice == "category@3"
    # The regulatory return (the whole bank's complaints by the three classes) reads its own slice.
    columns = ["regulatory_channel_id", "business_category_id", "reason_id"]
    complaints = {**period, "kind": "complaint"}
    assert_slice_reads_as_the_cases(complaints, columns, {"day", "month"})
    assert services.Rollup(complaints).rows(columns)[0].slice == "regulatory"


def test_verify_names_a_slice_row_that_differs_from_its_cases(cases):
    assert figures.verify() == []
    SliceFigures.objects.filter(slice="product", grain="month", product="理财").update(registered=7)
    SliceFigures.objects.filter(slice="channel", grain="day", day=dt.date(2026, 2, 1)).delete()
    differences = figures.verify()
    assert any(
        d.startswith("slice product by month day=2026-03-01")
        and "product=理财" in d
        and "registered 7, its cases 1" in d
        for d in differences
    ), differences
    assert any(
        d.startswith("slice channel by day day=2026-02-01") and d.endswith("missing") for d in differences
    )
    assert len(differences) == 2, differences


def test_a_units_figure_is_read_from_its_own_rows_in_the_slice_by_its_ancestor(cases):
    """A province, branch or sub-branch reads its own rows (one a day and value), not its outlets'; broken
    down by the units below it, it reads theirs."""
    period = {"day__gte": dt.date(2026, 1, 17), "day__lte": dt.date(2026, 4, 5)}
    for unit, depth in ((cases.province, 1), (cases.branch_a, 2), (cases.sub_branch_a1, 3)):
        where = {"unit_path__startswith": unit.path, **period}
        rows = services.Rollup(where).rows(["product"])
        assert {row.slice for row in rows} == {f"product@{depth}"}
        assert {(row.unit_id, row.unit_path) for row in rows} == {(unit.pk, unit.path)}
        assert read(services.Rollup(where), ["product"]) == read(
            CaseFigures.objects.filter(**where), ["product"]
        )
        assert {row.slice for row in services.Rollup(where).rows(["unit_path"])} == {"unit"}
    outlet = {"unit_path__startswith": cases.outlet_a1_1.path, **period}
    assert {row.slice for row in services.Rollup(outlet).rows(["product"])} == {"product"}


def test_each_case_counts_in_its_ancestors_rows_and_not_above_its_unit():
    """The ancestor a case's row is kept under at each depth (`figures.ancestor`; the slices' SQL and
    SQLite's function are this rule, and the reads above check them against the cases)."""
    outlet = "/1/3/4/6/7/"
    assert figures.ancestor(outlet, 1) == (3, "/1/3/")
    assert figures.ancestor(outlet, 2) == (4, "/1/3/4/")
    assert figures.ancestor(outlet, 3) == (6, "/1/3/4/6/")
    registered_at_a_branch = "/1/3/4/"
    assert figures.ancestor(registered_at_a_branch, 2) is not None
    assert figures.ancestor(registered_at_a_branch, 3) is None


def test_rebuild_sums_every_slice_as_its_cases_do_whatever_unit_registered_them(cases):
    """`rebuild` sums a slice by an ancestor from the registering units' day rows and every month from its
    days (`figures._fill_plan`); each row must still be what its cases add up to (`verify` sums every slice
    from the cases themselves), with cases registered at each depth of the tree, some with no ancestor at
    the deeper depths."""
    days = (dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 3, 2))
    actors = (cases.office, cases.province_group, cases.branch_group, cases.outsider)
    for i, (day, actor) in enumerate(zip(days, actors, strict=True)):
        received = dt.datetime(day.year, day.month, day.day, 10, tzinfo=BEIJING)
        cases.register(actor, received_at=received, complainant_phone=f"1398888{i:04d}")
    # Registered at the supervision office and the province (depth 1), a branch (2) and outlets (4).
    depths = {figures.unit_depth(path) for path in CaseFigures.objects.values_list("unit_path", flat=True)}
    assert depths == {1, 2, 4}
    SliceFigures.objects.all().delete()
    figures.rebuild()
    assert figures.verify() == []
    filled = set(SliceFigures.objects.values_list("slice", "grain").distinct())
    assert filled == {(name, grain) for name in figures.SLICES for grain in figures.GRAINS}
    # A case registered at a branch counts in its province's and branch's rows, not under a sub-branch.
    branch_rows = SliceFigures.objects.filter(slice="unit@2", grain="month", unit_id=cases.branch_a.pk)
    assert (
        sum(row.registered for row in branch_rows)
        == CaseFigures.objects.filter(unit_path__startswith=cases.branch_a.path).count()
    )
