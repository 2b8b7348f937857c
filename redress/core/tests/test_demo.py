import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from redress.cases.choices import Category, Channel, Kind
from redress.cases.models import Case, CaseEvent, CaseFlag
from redress.common.validators import normalise_id_number, normalise_phone
from redress.core.demo import PAST_RETENTION, DemoError, load_demo
from redress.organisation.models import Staff, Unit, WorkGroup, WorkGroupMember
from redress.testing import build_bank

pytestmark = pytest.mark.django_db

# Enough cases to cover every kind, channel and category; the full 600 are for `make run`, not for tests.
CASES = 40
DEMO_USERS = [
    "admin",
    "office",
    "province_group",
    "branch_group",
    "outlet_head",
    "teller",
    "handler",
    "subject",
    "outsider",
    "auditor",
    "leader",
]


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Unit, Staff, WorkGroup, WorkGroupMember, Case, CaseEvent, CaseFlag)
    }


def test_loading_twice_adds_nothing():
    first = load_demo(cases=CASES)
    before = counts()
    second = load_demo(cases=CASES)
    assert first.created and not second.created
    assert counts() == before
    assert before["Case"] == CASES and (second.units, second.cases) == (first.units, first.cases)


def test_the_same_seed_builds_the_same_bank():
    now = timezone.now()

    def build():
        with transaction.atomic():
            load_demo(cases=CASES, now=now)
            built = list(
                Case.objects.order_by("number").values_list("matter", "complainant_phone", "unit__code")
            )
            transaction.set_rollback(True)
        return built

    first = build()
    assert Case.objects.count() == 0
    assert build() == first


def test_every_channel_kind_and_category_appears():
    load_demo(cases=CASES)
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Case.objects.values_list("kind", flat=True)) == set(Kind.values)
    assert set(Case.objects.exclude(category="").values_list("category", flat=True)) == set(Category.values)


def test_cases_fall_in_the_last_90_days_with_valid_contacts_and_shipped_classes():
    now = timezone.now()
    load_demo(cases=120, now=now)
    cases = Case.objects.select_related("business_category")
    # Besides the few closed years ago for retention to anonymise (demo.PAST_RETENTION).
    old = cases.filter(received_at__lt=now - dt.timedelta(days=3 * 365))
    assert old.count() == PAST_RETENTION
    assert all(now - dt.timedelta(days=91) < c.received_at <= now for c in cases.exclude(pk__in=old))
    for case in cases:
        if case.complainant_phone:
            assert normalise_phone(case.complainant_phone) == case.complainant_phone
        if case.complainant_id_number:
            assert normalise_id_number(case.complainant_id_number) == case.complainant_id_number
    assert cases.exclude(complainant_id_index="").exists()
    assert cases.filter(complainant_vip=True).exists()
    assert cases.filter(complainant_anonymous=True).exists()
    assert cases.filter(complainant_confidential=True).exists()
    assert cases.exclude(amount=None).exists()
    assert cases.exclude(business_category=None).count() > 100
    # Composed from templates, products, amounts and details: nearly every matter reads differently.
    assert len(set(cases.values_list("matter", flat=True))) > 100
    units = {c.subject_unit.code[:2] for c in cases.exclude(subject_unit=None).select_related("subject_unit")}
    assert {"WH", "YC"} <= units


def test_subject_is_complained_about_and_never_takes_those_cases():
    load_demo(cases=CASES)
    subject = Staff.objects.get(username="subject")
    about = Case.objects.filter(subject_staff=subject)
    assert about.count() >= 3
    assert not about.filter(first_responder=subject).exists()
    assert {c.subject_unit_id for c in about} == {subject.unit_id}


def test_the_cast_sits_where_readme_says():
    load_demo(cases=CASES)
    users = {s.username: s for s in Staff.objects.filter(username__in=DEMO_USERS).select_related("unit")}
    assert set(users) == set(DEMO_USERS)
    assert all(u.is_demo for u in users.values())
    teller, head, subject = users["teller"], users["outlet_head"], users["subject"]
    assert teller.unit == head.unit == subject.unit and teller.unit.kind == "outlet"
    assert teller.roles == {"outlet_staff"} and head.roles == {"outlet_head"}
    branch_a = Unit.objects.get(code="WH")
    assert branch_a.contains(teller.unit) and branch_a.contains(users["handler"].unit)
    assert users["handler"].unit.kind == "department" and users["handler"].roles == {"handler"}
    assert not branch_a.contains(users["outsider"].unit) and users["outsider"].unit.kind == "outlet"
    assert users["office"].unit.function == "supervision_office"
    assert users["province_group"].unit.kind == "province"
    assert WorkGroupMember.objects.get(staff=users["province_group"]).position == "leader"
    assert WorkGroupMember.objects.get(staff=users["branch_group"]).group.unit == branch_a
    assert users["auditor"].roles == {"auditor"} and users["admin"].roles == {"admin"}
    assert users["leader"].unit == branch_a and "leader_in_charge" in users["leader"].roles
    for outlet in Unit.objects.filter(kind="outlet"):
        assert outlet.head_name and outlet.enquiry_name
        assert normalise_phone(outlet.head_phone) == outlet.head_phone
        assert normalise_phone(outlet.enquiry_phone) == outlet.enquiry_phone
    assert Unit.objects.filter(kind="outlet").count() == 12
    assert Unit.objects.filter(kind="sub_branch").count() == 4


def test_demo_users_log_in_only_in_demo_mode(settings):
    load_demo(cases=17)
    settings.DEMO_MODE = False
    assert [u for u in DEMO_USERS if authenticate(username=u, password="demo")] == []
    settings.DEMO_MODE = True
    assert [authenticate(username=u, password="demo").username for u in DEMO_USERS] == DEMO_USERS
    assert authenticate(username="teller", password="wrong") is None


def test_a_database_with_a_real_bank_is_left_alone():
    build_bank()
    before = counts()
    with pytest.raises(DemoError):
        load_demo(cases=CASES)
    assert counts() == before
    with pytest.raises(CommandError):
        call_command("load_demo", "--cases", "17")


def test_command_says_demo_users_need_demo_mode(capsys, settings):
    settings.DEMO_MODE = False
    call_command("load_demo", "--cases", "17")
    out = capsys.readouterr().out
    assert "17 cases" in out and "REDRESS_DEMO=1" in out
    call_command("load_demo", "--cases", "17")
    assert "nothing changed" in capsys.readouterr().out
    assert Case.objects.count() == 17


def test_the_demo_of_make_run_shows_every_stage_and_path():
    """`make run` loads DEFAULT_CASES cases: among them, each stage and path of the procedures (issue 15
    item 6), the figures of the dashboard's first look (issue 11) and a suggestion model."""
    from redress.cases.models import Attachment
    from redress.escalation.models import SupervisionNotice
    from redress.matching.models import SuggestionModel

    load_demo()
    states = set(Case.objects.values_list("state", flat=True))
    assert states >= {"registered", "accepted", "transferred", "in_progress", "replied", "closed", "rejected"}
    assert "withdrawn" in states
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    paths = {"instructed", "contacted", "transferred", "acknowledged", "bounced", "result_reported"}
    paths |= {"escalated", "replied", "followed_up", "closed", "reopened", "withdrawn", "rejected"}
    assert paths <= kinds, paths - kinds
    assert SupervisionNotice.objects.exists()
    assert Attachment.objects.exists()
    assert CaseEvent.objects.filter(kind="instructed", actor__username="leader").exists()
    assert SuggestionModel.objects.count() == 1
    # Issue 15's missing steps, with real data: referring bodies (one answered, the others waiting on their
    # clock), the daily checks of the last days with today's not all done, a media item sent to the
    # spokesperson, and its report outside the bank.
    from redress.referrals.models import Referral
    from redress.watch.models import DailyCheck, MediaItem

    assert Referral.objects.filter(replied_at__isnull=False).exists()
    assert Referral.objects.filter(replied_at__isnull=True, clock__state__in=["running", "warning"]).exists()
    assert {"referral_recorded", "referrer_answered", "reported_externally"} <= kinds | set(
        CaseEvent.objects.values_list("kind", flat=True)
    )
    assert DailyCheck.objects.values("day").distinct().count() == 3
    assert DailyCheck.objects.filter(duty="comment_book").exclude(found="").exists()
    item = MediaItem.objects.select_related("case", "spokesperson").get()
    assert item.case.channel == "media" and item.case.handler == item.spokesperson


def test_the_demos_report_figures_equal_a_recount():
    """The reports' figures (issue 11) are kept through every registration, action and sweep of the demo."""
    from redress.reports import figures

    load_demo(cases=CASES)
    assert figures.verify() == []


def test_retention_has_anonymised_the_old_cases_but_the_one_on_hold():
    from redress.retention.models import AnonymisedCase, RetentionRun

    now = timezone.now()
    load_demo(cases=30, now=now)
    run = RetentionRun.objects.get()
    assert run.cases == PAST_RETENTION - 1 and not run.dry_run
    anonymised = Case.objects.filter(pk__in=AnonymisedCase.objects.values("case"))
    assert anonymised.count() == PAST_RETENTION - 1
    assert set(anonymised.values_list("matter", "complainant_name").distinct()) == {("", "")}
    held = Case.objects.filter(received_at__lt=now - dt.timedelta(days=3 * 365)).exclude(pk__in=anonymised)
    assert held.count() == 1 and held.get().matter


def test_the_demo_shows_performance_hotspots_and_recorded_problems():
    """After `make run` the office sees ranked performance, hotspots with their change, and two problems
    recorded from them with their cases, one of them overdue (issue 11 items 3 and 4)."""
    from redress.reports import hotspots, performance, problems
    from redress.reports.models import Problem

    now = timezone.now()
    load_demo(cases=CASES, now=now)
    office = Staff.objects.get(username="office")
    top = Unit.objects.get(parent__isnull=True)
    end = timezone.localtime(now).date()
    result = performance.performance(office, top, end - dt.timedelta(days=89), end)
    assert result.total.complaints > 0 and result.units and result.staff
    assert any(hotspots.hotspots(office, top, end - dt.timedelta(days=29), end).values())
    recorded = list(Problem.objects.all())
    assert len(recorded) == 2 and all(p.cases.exists() for p in recorded)
    assert {p.status for p in recorded} == {"in_progress", "open"}
    assert any(problems.is_overdue(p) for p in recorded)
