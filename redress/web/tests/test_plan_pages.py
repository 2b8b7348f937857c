"""Emergency plans on the pages (issue 12, R9.1): the list of the plans one may see, the form declaring a
draft, and the plan's page with the steps of its life, its statements, its duty log and its daily report.
Every step goes through `redress.plans.services` (an audited `PlanEvent`); every refusal is shown in words
beside its field and changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from redress.organisation.choices import Role
from redress.organisation.models import Staff
from redress.organisation.services import create_staff
from redress.plans import services as plans
from redress.plans.choices import PlanEventKind, PlanState
from redress.plans.models import DutyLog, Plan, PlanEvent, Statement
from redress.testing import PASSWORD, active_plan

pytestmark = pytest.mark.django_db


def zh(message: str) -> str:
    with override("zh-hans"):
        return gettext(message)


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def draft_plan(bank, *, units=("A",), **changes) -> Plan:
    now = timezone.now()
    data = {
        "name": "核心系统切换应急预案",
        "event": "核心系统切换",
        "starts_at": now - dt.timedelta(hours=2),
        "ends_at": now + dt.timedelta(days=1),
        "units": list(units),
        "hotline": "027-96000",
        "work_groups": [{"level": "branch", "unit": "A", "name": bank.branch_a_group.name}],
        **changes,
    }
    return plans.draft(bank.office, plans.PlanData(**data))


def form_body(bank, **changes) -> dict:
    now = timezone.now()
    body = {
        "name": "网点合并应急预案",
        "event": "甲一支行两网点合并，周末暂停营业",
        "starts_at": local(now + dt.timedelta(days=1)),
        "ends_at": local(now + dt.timedelta(days=3)),
        "units": ["A1"],
        "arrive_hours": "1",
        "answer_hours": "4",
        "report_hours": "8",
        "hotline": "027-96000",
        "command_centre": "027-88880000",
        "spokesperson_phone": "027-88880001",
        "leading_department": "",
        "work_group_branch": str(bank.branch_a_group.pk),
    }
    body.update(changes)
    return body


# ---- the list ---------------------------------------------------------------------------------------------


def test_the_list_groups_the_plans_by_state_with_window_unit_names_and_who_drafted_and_approved(client, bank):
    running = active_plan(bank, units=("A1",))
    drafted = draft_plan(bank, units=("A",), name="网点合并应急预案")
    client.force_login(bank.office)
    response = client.get(reverse("web:plans"))
    html = response.content.decode()
    assert response.status_code == 200
    active_part = html.split('data-state-group="active"')[1].split("</section>")[0]
    draft_part = html.split('data-state-group="draft"')[1].split("</section>")[0]
    assert running.name in active_part and f'data-plan="{drafted.pk}"' not in active_part
    assert f'data-plan="{drafted.pk}"' in draft_part and "网点合并应急预案" in draft_part
    # Units and people by name, never by code or username.
    assert "甲一支行" in active_part and "省行工作小组" in active_part and "监察室" in active_part
    assert "甲分行" in draft_part and ">A<" not in draft_part
    assert 'href="/plans/new"' in html


def test_a_person_outside_the_plans_units_sees_neither_the_plan_nor_its_page(client, bank):
    plan = active_plan(bank, units=("A",))
    client.force_login(bank.outsider)
    html = client.get(reverse("web:plans")).content.decode()
    assert plan.name not in html and 'href="/plans/new"' not in html
    for url in (
        reverse("web:plan_centre", args=[plan.pk]),
        reverse("web:plan_daily", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("web:plan_step", args=[plan.pk, "close"])).status_code == 404
    assert Plan.objects.get().state == PlanState.ACTIVE


def test_the_list_shows_what_may_see_allows_for_everyone(bank):
    """The list's one query and the API's per-plan rule agree, for each person of the bank."""
    covering_a = draft_plan(bank, units=("A1-1",))
    covering_b = draft_plan(bank, units=("B",))
    for staff in Staff.objects.all():
        listed = set(plans.visible_plans(staff).values_list("pk", flat=True))
        assert listed == {p.pk for p in (covering_a, covering_b) if plans.may_see(staff, p)}, staff.username


def test_the_nav_offers_the_plans_to_planners_and_to_a_covered_unit_while_a_plan_runs(client, bank):
    client.force_login(bank.teller)
    assert 'href="/plans/"' not in client.get(reverse("web:register")).content.decode()
    active_plan(bank, units=("A",))
    assert 'href="/plans/"' in client.get(reverse("web:register")).content.decode()
    client.force_login(bank.outsider)
    assert 'href="/plans/"' not in client.get(reverse("web:register")).content.decode()
    client.force_login(bank.office)
    assert 'href="/plans/"' in client.get(reverse("web:register")).content.decode()


# ---- drafting ---------------------------------------------------------------------------------------------


def test_the_office_declares_a_draft_through_the_form(client, bank):
    client.force_login(bank.office)
    form = client.get(reverse("web:new_plan")).content.decode()
    assert "甲一支行" in form and bank.branch_a_group.name in form
    response = client.post(reverse("web:new_plan"), form_body(bank))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:plan_centre", args=[plan.pk])
    assert plan.state == PlanState.DRAFT and plan.created_by == bank.office
    assert plan.unit == bank.sub_branch_a1 and [c.unit.code for c in plan.covered.all()] == ["A1"]
    assert plan.hotline == "027-96000" and plan.work_groups.get().group == bank.branch_a_group
    event = PlanEvent.objects.get()
    assert event.kind == PlanEventKind.DRAFTED and event.actor == bank.office


def test_a_bad_declaration_is_refused_field_by_field_and_nothing_is_written(client, bank):
    client.force_login(bank.office)
    empty = client.post(
        reverse("web:new_plan"),
        form_body(bank, name="", event=" ", starts_at="", ends_at="", units=[], arrive_hours="100"),
    )
    form = empty.context["form"]
    assert empty.status_code == 200
    assert form.errors["name"] == [zh("This field is required.")]
    assert form.errors["event"] == [zh("This field is required.")]
    assert form.errors["starts_at"] == [zh("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00.")]
    assert form.errors["ends_at"] == [zh("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00.")]
    assert form.errors["units"] == [zh("Name at least one unit the plan covers.")]
    assert form.errors["arrive_hours"] == [zh("A number of hours above 0 and at most 72.")]
    html = empty.content.decode()
    assert zh("Nothing was changed. Correct the fields marked below.") in html
    now = timezone.now()
    backwards = client.post(
        reverse("web:new_plan"),
        form_body(bank, starts_at=local(now), ends_at=local(now - dt.timedelta(hours=1)), units=["A1", "ZZ"]),
    )
    errors = backwards.context["form"].errors
    assert errors["ends_at"] == [zh("The plan must end after it starts.")]
    assert errors["units"] == [zh("No active unit has the code “%(code)s”.") % {"code": "ZZ"}]
    wrong_group = client.post(reverse("web:new_plan"), form_body(bank, work_group_branch="999999"))
    assert wrong_group.context["form"].errors["work_group_branch"] == [
        zh("No work group of that unit has this name.")
    ]
    assert not Plan.objects.exists() and not PlanEvent.objects.exists()


def test_a_planner_may_not_cover_units_outside_their_own_and_others_may_not_draft(client, bank):
    leader_a = create_staff(
        username="leader_a", name="甲分行行长", unit=bank.branch_a, roles=(Role.LEADER_IN_CHARGE,),
        password=PASSWORD,
    )  # fmt: skip
    client.force_login(leader_a)
    html = client.get(reverse("web:new_plan")).content.decode()
    assert "甲一支行" in html and "乙一支行" not in html
    refused = client.post(reverse("web:new_plan"), form_body(bank, units=["B1"], work_group_branch=""))
    assert refused.status_code == 200 and zh("You are not allowed to do this.") in refused.content.decode()
    assert not Plan.objects.exists()
    client.force_login(bank.teller)
    assert client.get(reverse("web:new_plan")).status_code == 403
    assert client.post(reverse("web:new_plan"), form_body(bank)).status_code == 403
    assert not Plan.objects.exists()


# ---- the steps --------------------------------------------------------------------------------------------


def steps_shown(client, plan) -> set[str]:
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    return {step for step in ("approve", "activate", "extend", "close") if f'data-step="{step}"' in html}


def test_a_leader_above_the_plan_approves_it_not_its_drafter(client, bank):
    plan = draft_plan(bank)
    client.force_login(bank.office)
    assert steps_shown(client, plan) == {"extend"}
    refused = client.post(reverse("web:plan_step", args=[plan.pk, "approve"]))
    assert refused.status_code == 403
    assert zh("Only a leader of the covering unit or above, not its drafter, approves a plan.") in (
        refused.content.decode()
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and plan.approved_by is None
    assert list(plan.events.values_list("kind", flat=True)) == [PlanEventKind.DRAFTED]

    client.force_login(bank.province_group)
    assert "approve" in steps_shown(client, plan)
    response = client.post(reverse("web:plan_step", args=[plan.pk, "approve"]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED and plan.approved_by == bank.province_group
    assert (
        plan.events.last().kind == PlanEventKind.APPROVED and plan.events.last().actor == bank.province_group
    )
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    assert "省行工作小组" in html


def test_activating_a_draft_is_refused_in_words_and_an_approved_plan_is_activated(client, bank):
    plan = draft_plan(bank)
    client.force_login(bank.office)
    early = client.post(reverse("web:plan_step", args=[plan.pk, "activate"]))
    assert early.status_code == 409
    with override("zh-hans"):
        expected = gettext("The plan is %(state)s: this step is not possible now.") % {
            "state": gettext("draft")
        }
    assert expected in early.content.decode()
    assert Plan.objects.get().state == PlanState.DRAFT

    plans.approve(bank.province_group, plan)
    client.force_login(bank.teller)  # covered, so sees the plan, but plans nothing
    assert steps_shown(client, plan) == set()
    assert client.post(reverse("web:plan_step", args=[plan.pk, "activate"])).status_code == 403
    assert Plan.objects.get().state == PlanState.APPROVED

    client.force_login(bank.office)
    assert steps_shown(client, plan) == {"activate", "extend", "close"}
    client.post(reverse("web:plan_step", args=[plan.pk, "activate"]))
    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE and plan.activated_at is not None
    assert plan.events.last().kind == PlanEventKind.ACTIVATED and plan.events.last().actor == bank.office
    assert steps_shown(client, plan) == {"extend", "close"}


def test_a_plan_is_extended_later_never_earlier(client, bank):
    plan = active_plan(bank)
    before = plan.ends_at
    client.force_login(bank.office)
    earlier = client.post(
        reverse("web:plan_extend", args=[plan.pk]), {"ends_at": local(before - dt.timedelta(hours=3))}
    )
    assert earlier.status_code == 422
    assert earlier.context["extend_form"].errors["ends_at"] == [
        zh("An extension ends later than the plan does now.")
    ]
    empty = client.post(reverse("web:plan_extend", args=[plan.pk]), {"ends_at": ""})
    assert empty.context["extend_form"].errors["ends_at"]
    plan.refresh_from_db()
    assert plan.ends_at == before and not plan.events.filter(kind=PlanEventKind.EXTENDED).exists()

    later = (before + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    assert (
        client.post(reverse("web:plan_extend", args=[plan.pk]), {"ends_at": local(later)}).status_code == 302
    )
    plan.refresh_from_db()
    assert plan.ends_at == later
    assert plan.events.filter(kind=PlanEventKind.EXTENDED, actor=bank.office).count() == 1


def test_a_plan_is_closed_and_then_offers_no_step(client, bank):
    plan = active_plan(bank)
    client.force_login(bank.branch_group)  # a work group, not a planner
    assert client.post(reverse("web:plan_step", args=[plan.pk, "close"])).status_code == 403
    assert Plan.objects.get().state == PlanState.ACTIVE
    client.force_login(bank.office)
    assert client.post(reverse("web:plan_step", args=[plan.pk, "close"])).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CLOSED and plan.events.last().kind == PlanEventKind.CLOSED
    assert steps_shown(client, plan) == set()
    again = client.post(reverse("web:plan_step", args=[plan.pk, "close"]))
    assert again.status_code == 409 and plan.events.filter(kind=PlanEventKind.CLOSED).count() == 1
    assert client.post(reverse("web:plan_step", args=[plan.pk, "shred"])).status_code == 404


# ---- statements, duty log, daily report -------------------------------------------------------------------


def test_the_work_group_approves_versions_of_a_statement_and_the_page_lists_them(client, bank):
    plan = active_plan(bank)
    client.force_login(bank.branch_group)
    url = reverse("web:plan_statement", args=[plan.pk])
    assert 'id="statement-form"' in client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    client.post(url, {"plan_type": "atm_unavailable", "text": "切换期间请使用他行ATM。"})
    client.post(url, {"plan_type": "atm_unavailable", "text": "切换期间请使用他行ATM，手续费由本行承担。"})
    assert list(Statement.objects.values_list("version", flat=True).order_by("version")) == [1, 2]
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    assert "切换期间请使用他行ATM。" in html and "手续费由本行承担" in html
    current = html.split('data-statement="atm_unavailable-2"')[1].split("</tr>")[0]
    assert zh("in use") in current
    assert plan.events.filter(kind=PlanEventKind.STATEMENT_APPROVED, actor=bank.branch_group).count() == 2

    empty = client.post(url, {"plan_type": "atm_unavailable", "text": "  "})
    assert empty.status_code == 422
    assert empty.context["statement_form"].errors["text"] == [zh("This field is required.")]
    client.force_login(bank.teller)
    assert (
        'id="statement-form"' not in client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    )
    refused = client.post(url, {"plan_type": "atm_unavailable", "text": "别的口径"})
    assert refused.status_code == 403
    assert zh("Only the plan's work groups approve its statements.") in refused.content.decode()
    assert Statement.objects.count() == 2


def test_a_covered_outlet_writes_its_duty_log_for_a_day_of_the_plan(client, bank):
    plan = active_plan(bank)
    url = reverse("web:plan_duty_log", args=[plan.pk])
    entry = {"on_duty": "柜员小刘", "received": "来电3个", "handled": "按统一口径解释", "handover": ""}
    client.force_login(bank.teller)
    outside = client.post(url, {**entry, "date": (timezone.localdate() + dt.timedelta(days=10)).isoformat()})
    assert outside.status_code == 422 and outside.context["duty_log_form"].errors["date"]
    missing = client.post(
        url, {"date": timezone.localdate().isoformat(), "on_duty": "", "received": "", "handled": ""}
    )
    assert set(missing.context["duty_log_form"].errors) == {"on_duty", "received", "handled"}
    assert not DutyLog.objects.exists()

    assert client.post(url, {**entry, "date": timezone.localdate().isoformat()}).status_code == 302
    written = DutyLog.objects.get()
    assert (
        written.unit == bank.outlet_a1_1 and written.by == bank.teller and written.day == timezone.localdate()
    )
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    assert "按统一口径解释" in html and "甲一支行" in html

    client.force_login(bank.auditor)  # sees every plan, keeps no duty log
    assert 'id="duty-log-form"' not in client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    refused = client.post(url, {**entry, "date": timezone.localdate().isoformat()})
    assert refused.status_code == 403 and DutyLog.objects.count() == 1


def test_the_plans_daily_report_page(client, bank):
    plan = active_plan(bank, units=("A1",))
    bank.register(plan_type="long_wait")
    client.force_login(bank.office)
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    assert reverse("web:plan_daily", args=[plan.pk]) in html
    response = client.get(
        reverse("web:plan_daily", args=[plan.pk]), {"date": timezone.localdate().isoformat()}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "甲一支行" in html and "某省分行" in html
    assert response.context["rows"][0][1][0] == 1  # registered that day
    not_reported = html.split('id="not-reported"')[1]
    assert "甲一支行东湖网点" in not_reported
    outside = client.get(reverse("web:plan_daily", args=[plan.pk]), {"date": "2001-01-01"})
    assert outside.status_code == 422 and outside.context["day"] is None
    assert client.get(reverse("web:plan_daily", args=[plan.pk]), {"date": "soon"}).status_code == 422


def test_the_plan_pages_speak_english_when_asked(client, bank):
    plan = draft_plan(bank)
    client.force_login(bank.office)
    client.cookies["django_language"] = "en"
    refused = client.post(reverse("web:plan_step", args=[plan.pk, "approve"]))
    assert "Only a leader of the covering unit or above, not its drafter, approves a plan." in (
        refused.content.decode()
    )
    assert "Emergency plans" in client.get(reverse("web:plans")).content.decode()
