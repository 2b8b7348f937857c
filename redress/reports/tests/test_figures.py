"""The figures kept as cases change equal a recount from the cases, whatever happens to them."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from redress.cases.models import Case
from redress.lifecycle import perform
from redress.lifecycle.sweeper import sweep
from redress.lifecycle.tests.test_stateful import LifecycleMachine
from redress.reports import figures, services
from redress.reports.figures import DAY, CaseFigures, FigureChange, SliceFigures
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

REPLY = {"method": "written", "content": "经核实，已为您办理。"}


def totals() -> dict[str, int]:
    """The whole rollup's measures, from the slice every case counts in once a day (its registering unit)."""
    figures.fold()
    rows = SliceFigures.objects.filter(slice="unit", grain=DAY)
    return {name: sum(getattr(row, name) for row in rows) for name in figures.MEASURES}


def test_a_registration_counts_once_in_its_day_unit_and_classes(bank):
    case = bank.register(complainant_vip=True, product="借记卡")
    assert figures.fold() == 1
    (row,) = SliceFigures.objects.filter(slice="customer_group", grain=DAY)
    assert (row.day, row.unit_id, row.unit_path) == (
        timezone.localtime(case.received_at).date(),
        bank.outlet_a1_1.pk,
        bank.outlet_a1_1.path,
    )
    assert (row.kind, row.customer_group) == ("complaint", "vip")
    (kept,) = CaseFigures.objects.all()
    assert (kept.channel, kept.category, kept.product) == ("counter", "service_attitude", "借记卡")
    assert row.registered == row.open == 1 and row.accepted == row.closed == 0
    assert figures.verify() == []


def test_a_case_moves_through_the_measures_as_it_is_handled(bank):
    case = perform("accept", bank.teller, bank.register())
    assert totals()["accepted"] == 1
    case = perform("reply", bank.teller, case, REPLY)
    case = perform("follow_up", bank.teller, case, {"satisfaction": "dissatisfied"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    after_close = totals()
    assert after_close["closed"] == after_close["closed_at_fault"] == after_close["replied_on_time"] == 1
    assert (
        after_close["open"] == 0
        and sum(after_close[f"closed_{c}"] for c in ("counted", "enquiry_class", "not_counted")) == 1
    )
    case = perform("reopen", bank.teller, case, {"reason": "客户不满意。"})
    reopened = totals()
    assert reopened["reopened"] == reopened["open"] == reopened["follow_ups_dissatisfied"] == 1
    assert reopened["closed"] == reopened["closed_at_fault"] == 0
    assert totals()["registered"] == 1
    assert figures.verify() == []


def test_a_reply_after_its_clock_ran_out_counts_as_late_and_the_breach_by_its_clock(bank):
    case = perform("accept", bank.teller, bank.register())
    sweep(now=timezone.now() + dt.timedelta(days=120))
    assert totals()["breached"] == 1 and totals()["breached_reply"] == 1
    perform("reply", bank.teller, Case.objects.get(pk=case.pk), REPLY)
    assert totals()["replied_late"] == 1 and totals()["replied_on_time"] == 0
    assert figures.verify() == []


def test_a_breach_and_the_escalation_it_causes_are_counted_in_one_change_each(bank):
    # The breached clock and the escalation both change the case's figures: the sweeper works them out
    # once, after both, one read of the case's facts and one change written per breach.
    perform("accept", bank.teller, bank.register())
    figures.fold()
    with CaptureQueriesContext(connection) as ran:
        result = sweep(now=timezone.now() + dt.timedelta(days=120))
    # Its reply and decision clocks both ran out (marked together, before either is acted on); the binding
    # reply clock escalated the case. All of it is one change: before, the escalation wrote a second.
    assert result.breaches == 2 and totals()["breached_reply"] == totals()["breached_decision"] == 1
    assert totals()["escalated_sub_branch"] == 1
    written = [
        q["sql"] for q in ran.captured_queries if q["sql"].startswith('INSERT INTO "reports_figurechange"')
    ]
    assert len(written) == 1
    assert figures.verify() == []


def test_figures_held_are_written_once_at_the_end_and_not_at_all_after_a_failure(bank):
    case = bank.register()
    figures.fold()
    Case.objects.filter(pk=case.pk).update(product="现金存款")
    with pytest.raises(RuntimeError), figures.held():
        figures.case_changed(case.pk)
        raise RuntimeError("the step failed")
    assert not FigureChange.objects.exists()
    with figures.held():
        figures.case_changed(case.pk)
        figures.case_changed(case.pk)
        assert not FigureChange.objects.exists()
    assert figures.fold() == 2  # out of the old bucket, into the new: once
    assert figures.verify() == []


def test_figures_held_inside_a_registration_are_left_to_the_registration(bank):
    earlier = bank.register()
    figures.fold()
    with override_settings(REPORTS_MAINTAIN_FIGURES=False):
        new = bank.register()
    Case.objects.filter(pk=earlier.pk).update(product="现金存款")
    with figures.registering(new) as done:
        with figures.held():
            figures.case_changed(earlier.pk)
        assert not FigureChange.objects.exists()
    assert done.others == {earlier.pk}


def test_a_classification_changed_moves_the_case_to_its_new_bucket(bank):
    case = bank.register()
    Case.objects.filter(pk=case.pk).update(product="现金存款")  # as a data fix would, beside the lifecycle
    figures.case_changed(case.pk)
    figures.fold()
    # Registered in the bucket of no customer group and moved in the same fold: the old bucket nets to 0
    # (a row of zeros, or none).
    by_group = SliceFigures.objects.filter(slice="customer_group", grain=DAY).order_by("customer_group")
    rows = by_group.exclude(registered=0)
    assert [(r.customer_group, r.registered) for r in rows] == [("cash", 1)]
    case = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(product="")  # and back, after a fold
    figures.case_changed(case.pk)
    figures.fold()
    assert [(r.customer_group, r.registered) for r in by_group.all()] == [
        ("", 1),
        ("cash", 0),
    ]
    assert figures.verify() == []


def test_a_registration_and_its_triggers_write_their_changes_in_one_statement_for_the_fold(bank):
    """A registration whose triggers acted on earlier cases writes every change — theirs and its own — at its
    end, as rows of changes: no bucket or slice row of the rollup is written (or locked) until a fold."""
    beijing = dt.timezone(dt.timedelta(hours=8))
    later = bank.register(received_at=dt.datetime(2026, 11, 20, 10, tzinfo=beijing))
    earlier = bank.register(received_at=dt.datetime(2026, 11, 10, 10, tzinfo=beijing))
    figures.fold()
    with override_settings(REPORTS_MAINTAIN_FIGURES=False):  # its figures are written below
        new = bank.register(received_at=dt.datetime(2026, 11, 15, 10, tzinfo=beijing))
    Case.objects.filter(pk__in=[later.pk, earlier.pk]).update(product="现金存款")  # their buckets move
    rollup = sorted(SliceFigures.objects.values_list(*figures.SLICE_KEY, "registered"))
    with figures.registering(new) as done:
        figures.case_changed(later.pk)
        figures.case_changed(earlier.pk)
        assert not FigureChange.objects.exists()  # waiting for the registration's end
    with CaptureQueriesContext(connection) as written:
        figures.record_new_case(new, set(), done)
    assert sum("reports_figurechange" in q["sql"] for q in written.captured_queries) == 1
    # Out of two old buckets, into two new ones, and the new case's.
    assert FigureChange.objects.count() == 5
    assert sorted(SliceFigures.objects.values_list(*figures.SLICE_KEY, "registered")) == rollup
    assert figures.fold() == 5 and not FigureChange.objects.exists()
    assert figures.verify() == []


def test_a_new_case_its_triggers_flagged_and_escalated_counts_as_a_recount_without_being_read_again(
    bank, monkeypatch
):
    """After the triggers' own actions (flags, escalations level by level, a group formed) the new case's
    facts come from the case in hand: they equal a recount, and no statement reads them back."""
    read: list[int] = []
    real = figures._facts_row
    monkeypatch.setattr(figures, "_facts_row", lambda pk: read.append(pk) or real(pk))
    media = bank.register(demand="如果今天不解决，我就把这件事发到抖音上让大家评评理")
    major = bank.register(amount="50000.01")
    members = [
        bank.register(complainant_phone=f"1380000000{i}", complainant_id_number="") for i in range(1, 4)
    ]
    new = [media, major, *members]
    # Only the earlier cases the group rule flagged when the fourth person came (the same matter), each at
    # that registration's end: never a case at its own.
    assert read == [media.pk, major.pk, members[0].pk]
    stored = {row.case_id: row for row in CaseFigures.objects.filter(case__in=new)}
    assert stored[media.pk].escalated_province == 1 and stored[major.pk].escalated_head_office == 1
    assert all(stored[c.pk].group_flag == 1 for c in new)
    assert all(stored[c.pk].escalated_province == 1 for c in members)
    assert figures.verify() == []


def test_the_figures_know_what_each_action_the_triggers_take_on_a_new_case_does_to_its_history():
    from redress.lifecycle.triggers import ACTIONS_ON_THE_NEW_CASE

    assert set(figures.KNOWN_ON_THE_NEW_CASE) == set(ACTIONS_ON_THE_NEW_CASE)


def test_a_new_case_an_action_the_figures_do_not_know_acted_on_is_read_again(bank, monkeypatch):
    read: list[int] = []
    real = figures._facts_row
    monkeypatch.setattr(figures, "_facts_row", lambda pk: read.append(pk) or real(pk))
    with override_settings(REPORTS_MAINTAIN_FIGURES=False):  # its figures are written below
        new = bank.register()
    with figures.registering(new) as done:
        new = perform("accept", bank.teller, new)
    assert done.actions == ["accept"]
    figures.record_new_case(new, set(), done)
    assert read == [new.pk]
    assert CaseFigures.objects.get(case=new).accepted == 1


def test_a_fold_takes_the_changes_in_batches_and_leaves_none(bank):
    for _ in range(5):
        perform("accept", bank.teller, bank.register())
    assert FigureChange.objects.count() == 10
    assert figures.fold(batch=3) == 10
    assert not FigureChange.objects.exists()
    assert totals()["accepted"] == 5 and figures.verify() == []
    assert figures.fold() == 0


def test_a_report_read_after_a_registration_counts_it_without_waiting_for_the_background(bank):
    """Every read of the rollup folds first: a report is exact the moment a registration commits."""
    rollup = services.Rollup({})
    before = rollup.rows(["kind"]).filter(kind="complaint").aggregate(n=Sum("registered"))["n"] or 0
    bank.register()
    assert FigureChange.objects.exists()
    after = rollup.rows(["kind"]).filter(kind="complaint").aggregate(n=Sum("registered"))["n"]
    assert after == before + 1 and not FigureChange.objects.exists()


def test_rebuild_counts_the_changes_not_yet_folded_once(bank):
    """The slices are summed from the cases' figures less the changes not yet folded, then folded: a case
    whose registration and acceptance were still waiting to be folded counts once, not twice."""
    perform("accept", bank.teller, bank.register())
    assert FigureChange.objects.exists()
    call_command("reports", "rebuild")
    assert not FigureChange.objects.exists()
    assert figures.fold() == 0 and totals()["accepted"] == 1 and figures.verify() == []


def test_rebuild_stores_only_the_figures_that_differ_and_those_missing(bank):
    _right, wrong, lost = (perform("accept", bank.teller, bank.register()) for _ in range(3))
    CaseFigures.objects.filter(pk=wrong.pk).update(accepted=0, registered=7)
    CaseFigures.objects.filter(pk=lost.pk).delete()
    figures.fold()
    with CaptureQueriesContext(connection) as queries:
        assert figures.rebuild(batch=2) == 3
    table = f'"{CaseFigures._meta.db_table}"'
    writes = (f"UPDATE {table}", f"INSERT INTO {table}", f"DELETE FROM {table}")
    # The wrong case's figures updated; the lost case's inserted (by COPY on PostgreSQL, which is not
    # captured); the right case's untouched.
    written = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(writes)]
    assert [sql.split()[0] for sql in written if not sql.startswith("INSERT")] == ["UPDATE"], written
    assert written[0].endswith(f'"case_id" = {wrong.pk}')
    assert CaseFigures.objects.get(pk=wrong.pk).registered == 1
    assert CaseFigures.objects.filter(pk=lost.pk).exists()
    assert totals()["registered"] == 3 and totals()["accepted"] == 3 and figures.verify() == []


def test_verify_names_each_difference_and_rebuild_repairs_it(bank):
    case = perform("accept", bank.teller, bank.register())
    CaseFigures.objects.filter(pk=case.pk).update(accepted=0)
    figures.fold()
    SliceFigures.objects.filter(slice="kind", grain=DAY).update(registered=5)
    differences = figures.verify()
    assert f"case {case.number}: accepted kept 0, recount 1" in differences
    assert any(d.startswith("slice kind by day ") and "registered 5, its cases 1" in d for d in differences)
    with pytest.raises(CommandError):
        call_command("reports", "verify")
    call_command("reports", "rebuild")
    assert figures.verify() == []
    call_command("reports", "verify")


def test_the_benchmarks_switch_off_keeps_no_figures_until_rebuild(bank):
    """bench/reports.py measures registration without the rollup: with the switch off neither a registration
    nor a transition writes figures, and `rebuild` counts the cases afterwards."""
    with override_settings(REPORTS_MAINTAIN_FIGURES=False):
        perform("accept", bank.teller, bank.register())
    assert not CaseFigures.objects.exists() and not SliceFigures.objects.exists()
    call_command("reports", "rebuild")
    assert totals()["accepted"] == 1 and figures.verify() == []


class FiguresMachine(LifecycleMachine):
    """The lifecycle's random walk (reopen, withdrawal, transfers… by anyone), with new cases of any class
    registered along the way and the sweeper run days ahead (breaches, then late replies): after each step
    the figures kept equal a recount."""

    @rule(
        kind=st.sampled_from(["complaint", "suggestion", "enquiry", "petition"]),
        channel=st.sampled_from(["counter", "phone", "regulator", "media"]),
        vip=st.booleans(),
        product=st.sampled_from(["", "信用卡", "现金取款", "理财"]),
        days_ago=st.integers(0, 40),
    )
    def someone_registers_a_case(self, kind, channel, vip, product, days_ago):
        category = "service_attitude" if kind in {"complaint", "petition"} else ""
        received = timezone.now() - dt.timedelta(days=days_ago, hours=1)
        self.bank.register(
            kind=kind,
            channel=channel,
            complainant_vip=vip,
            product=product,
            category=category,
            received_at=received,
            complainant_phone=f"1390000{days_ago:04d}",
        )

    @rule(days=st.integers(1, 90))
    def the_sweeper_runs_days_ahead(self, days):
        sweep(now=timezone.now() + dt.timedelta(days=days))

    # The lifecycle's own invariants are its test's (one of them counts events by version, which the
    # sweeper's events, written without a new version, would break here): this machine checks the figures.
    the_lifecycles_invariants_hold = None

    @invariant()
    def the_figures_equal_a_recount(self):
        assert figures.verify() == []


def test_random_registrations_and_transitions_keep_the_figures_equal_to_a_recount(bank):
    bank.register()
    machine = type("Machine", (FiguresMachine,), {"bank": bank})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=int(os.environ.get("REDRESS_STATEFUL_EXAMPLES", "10")),
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        ),
    )


def test_the_fold_command_and_beats_task_fold_what_is_waiting(bank, capsys):
    from redress.reports.tasks import fold_task

    bank.register()
    call_command("reports", "fold")
    assert "Folded 1 changes" in capsys.readouterr().out
    bank.register()
    assert fold_task() == 1 and not FigureChange.objects.exists()
