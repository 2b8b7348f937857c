import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from redress.cases.choices import StatClass
from redress.deadlines.choices import ClockState
from redress.deadlines.models import Clock
from redress.deadlines.services import case_deadlines, effective_state
from redress.lifecycle import FieldErrors, perform
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=BJ)


def clocks(case):
    return {c.name: c for c in Clock.objects.filter(case=case).exclude(state="stopped")}


def test_ordinary_complaint_reply_due_after_three_working_days_over_golden_week(bank):
    case = bank.register(received_at=at(2026, 9, 30), category="service_attitude")
    reply = clocks(case)["reply"]
    # Oct 1–7 holidays, Oct 8 and 9 working, Sat Oct 10 a make-up working day: due at its 24:00.
    assert reply.due_at == at(2026, 10, 11, 0, 0)
    assert reply.policy.code == "bank.ordinary"


def test_complex_complaint_statutory_fifteen_days_binds_before_ten_working_days(bank):
    case = bank.register(received_at=at(2026, 9, 28), category="service_product")
    c = clocks(case)
    assert c["reply"].due_at == at(2026, 10, 17, 0, 0)  # end of Fri 2026-10-16
    assert c["decision"].due_at == at(2026, 10, 14, 0, 0)  # end of 2026-10-13
    assert c["decision"].binding and not c["reply"].binding
    shown = {d["clock"]: d for d in case_deadlines(case, now=at(2026, 9, 29))}
    assert shown["decision"]["binding"] and shown["decision"]["policy"].startswith("statute.cbirc_complaint")


def test_clock_turns_warning_then_breached_with_time(bank):
    case = bank.register(received_at=at(2026, 3, 2), category="work_error")  # Monday
    reply = clocks(case)["reply"]
    assert effective_state(reply, at(2026, 3, 3)) == ClockState.RUNNING
    assert effective_state(reply, at(2026, 3, 5, 9)) == ClockState.WARNING  # last working day
    assert effective_state(reply, at(2026, 3, 6, 9)) == ClockState.BREACHED


def test_reply_meets_answer_clocks_and_close_in_time_is_not_counted(bank):
    case = bank.register(received_at=at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已处理"}, now=at(2026, 3, 3))
    c = clocks(case)
    assert c["reply"].state == ClockState.MET and c["decision"].state == ClockState.MET
    case = perform(
        "close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"}, now=at(2026, 3, 3, 12)
    )
    assert case.stat_class == StatClass.NOT_COUNTED


def test_late_reply_makes_the_case_counted(bank):
    case = bank.register(received_at=at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已处理"}, now=at(2026, 3, 9))
    case = perform(
        "close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"}, now=at(2026, 3, 9, 12)
    )
    assert case.stat_class == StatClass.COUNTED
    assert case.stat_facts["breached_clocks"] == ["reply"]


def test_pause_for_appraisal_moves_the_deadline_by_the_time_paused(bank):
    case = bank.register(received_at=at(2026, 3, 2), category="service_product")
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    before = clocks(case)["decision"].due_at
    perform(
        "pause_clocks", bank.teller, case, {"reason": "appraisal", "note": "送司法鉴定"}, now=at(2026, 3, 3)
    )
    assert clocks(case)["decision"].state == ClockState.PAUSED
    perform("resume_clocks", bank.teller, case, now=at(2026, 3, 8))
    decision = clocks(case)["decision"]
    assert decision.state == ClockState.RUNNING
    assert decision.due_at == before + dt.timedelta(days=5)
    assert decision.pauses.get().ended_at == at(2026, 3, 8)


def _paused(bank, case):
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    perform(
        "pause_clocks", bank.teller, case, {"reason": "appraisal", "note": "送司法鉴定"}, now=at(2026, 3, 3)
    )
    return case


def _no_clock_claims_a_pause_it_left(case):
    for clock in Clock.objects.filter(case=case):
        paused = clock.state == ClockState.PAUSED
        assert (clock.paused_at is not None) == paused and bool(clock.pause_reason) == paused, clock
        assert clock.pauses.filter(ended_at__isnull=True).exists() == paused, clock


def test_new_facts_restarting_a_paused_clock_end_its_pause(bank):
    # Found by the state-machine test: the stopped clock kept `paused_at` and its pause stayed open.
    case = _paused(bank, bank.register(received_at=at(2026, 3, 2)))
    perform("add_facts", bank.teller, case, {"note": "客户补充了交易流水"}, now=at(2026, 3, 10))
    stopped = Clock.objects.get(case=case, name="decision", state=ClockState.STOPPED)
    assert stopped.pauses.get().ended_at == at(2026, 3, 10)
    assert stopped.pauses.get().credited == 0
    _no_clock_claims_a_pause_it_left(case)


def test_a_reply_meeting_paused_clocks_ends_their_pauses(bank):
    case = _paused(bank, bank.register(received_at=at(2026, 3, 2)))
    perform("reply", bank.teller, case, {"method": "phone", "content": "已答复。"}, now=at(2026, 3, 4))
    assert Clock.objects.filter(case=case, state=ClockState.MET).exists()
    _no_clock_claims_a_pause_it_left(case)


def test_a_withdrawal_ending_a_paused_case_ends_its_pauses(bank):
    case = _paused(bank, bank.register(received_at=at(2026, 3, 2)))
    perform("withdraw", bank.teller, case, {"voluntary": True, "reason": "已解决"}, now=at(2026, 3, 5))
    assert not Clock.objects.filter(case=case, state=ClockState.PAUSED).exists()
    assert {p.ended_at for c in Clock.objects.filter(case=case) for p in c.pauses.all()} == {at(2026, 3, 5)}
    _no_clock_claims_a_pause_it_left(case)


def test_pause_needs_a_lawful_reason(bank):
    case = perform("accept", bank.teller, bank.register())
    with pytest.raises(FieldErrors):
        perform("pause_clocks", bank.teller, case, {"reason": "holiday"})


def test_extension_is_approved_by_another_person_and_the_customer_is_told(bank):
    case = bank.register(received_at=at(2026, 3, 2), category="service_product")
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    perform(
        "request_extension",
        bank.teller,
        case,
        {"clock": "decision", "reason": "需调取监控"},
        now=at(2026, 3, 10),
    )
    with pytest.raises(FieldErrors):
        perform("decide_extension", bank.province_group, case, {"approve": True}, now=at(2026, 3, 11))
    with translation.override("en"):  # the approver's screen in English: the record stays in the bank's
        perform(
            "decide_extension",
            bank.province_group,
            case,
            {"approve": True, "customer_told_method": "phone"},
            now=at(2026, 3, 11),
        )
    assert case.contacts.get().note.startswith("延期至 ")
    decision = clocks(case)["decision"]
    assert decision.due_at == at(2026, 4, 2, 0, 0)  # 30 days after 2026-03-02
    assert case.contacts.filter(note__contains="30").exists()


def test_new_facts_restart_the_statutory_clock(bank):
    case = bank.register(received_at=at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    perform("add_facts", bank.teller, case, {"note": "客户补充了交易流水"}, now=at(2026, 3, 10))
    assert clocks(case)["decision"].due_at == at(2026, 3, 26, 0, 0)


def test_transfer_order_carries_the_binding_deadline(bank):
    case = bank.register(received_at=at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"}, now=at(2026, 3, 2, 12))
    assert case.transfer_orders.get().due_at == clocks(case)["reply"].due_at


def test_online_complaint_has_a_transfer_clock_met_by_the_transfer(bank):
    case = bank.register(received_at=at(2026, 3, 2), channel="online")
    assert clocks(case)["transfer_out"].due_at == at(2026, 3, 5, 0, 0)
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"}, now=at(2026, 3, 3))
    assert clocks(case)["transfer_out"].state == ClockState.MET


def test_rejection_ends_the_clocks(bank):
    case = perform("reject", bank.teller, bank.register(), {"reason": "重复登记"})
    assert not Clock.objects.filter(case=case, state__in=["running", "warning", "paused"]).exists()


def test_petition_gets_acceptance_notice_and_handling_clocks(bank):
    case = bank.register(kind="petition", channel="letter", received_at=at(2026, 3, 2))
    assert clocks(case)["acknowledge"].due_at == at(2026, 3, 18, 0, 0)
    case = perform("accept", bank.teller, case, now=at(2026, 3, 5))
    c = clocks(case)
    assert c["acknowledge"].state == ClockState.MET
    assert c["decision"].due_at == at(2026, 5, 5, 0, 0)  # 60 days after 2026-03-05


def test_loading_next_years_calendar_recomputes_unconfirmed_clocks(bank, django_capture_on_commit_callbacks):
    from pathlib import Path

    from redress.calendar.services import load_year, read_arrangement
    from redress.lifecycle.registration import register_case

    data = bank.registration(received_at=at(2026, 12, 28), category="service_product")
    case = register_case(bank.teller, data, now=at(2026, 12, 28, 12)).case
    reply = clocks(case)["reply"]
    assert reply.unconfirmed and reply.due_at == at(2027, 1, 12, 0, 0)  # weekends only: Fri 1 Jan counts
    text = (Path(__file__).parents[2] / "calendar/tests/data/cn-2027-test.yaml").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        load_year(read_arrangement(text))
    reply.refresh_from_db()
    assert not reply.unconfirmed and reply.due_at == at(2027, 1, 13, 0, 0)  # 1 Jan is a holiday


def test_calendar_change_is_recomputed_by_a_worker_when_a_broker_is_configured(settings, monkeypatch):
    from redress.calendar.signals import calendar_changed
    from redress.deadlines.tasks import recompute_task

    queued = []
    monkeypatch.setattr(recompute_task, "delay", lambda *args: queued.append(args))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    calendar_changed.send(
        sender=None, jurisdiction="CN", first_day=dt.date(2027, 1, 1), last_day=dt.date(2027, 12, 31)
    )
    assert queued == [("CN", "2027-01-01", "2027-12-31")]


def test_recompute_restores_every_clock_as_registration_computed_it(bank):
    from redress.deadlines.services import recompute

    for day, category in ((2, "service_product"), (3, "work_error"), (4, "service_channel")):
        bank.register(
            received_at=at(2026, 3, day, 15, 20), category=category, complainant_phone=f"1390000000{day}"
        )
    expected = {c.pk: (c.due_at, c.warn_at, c.unconfirmed) for c in Clock.objects.all()}
    assert {c.warn_percent is None for c in Clock.objects.all()} == {True, False}  # both kinds of warning
    Clock.objects.update(due_at=at(2030, 1, 1), warn_at=at(2029, 1, 1), unconfirmed=True)
    assert recompute(Clock.objects.all()) == len(expected)
    for clock in Clock.objects.all():
        due, warn, unconfirmed = expected[clock.pk]
        assert clock.due_at == due and clock.unconfirmed == unconfirmed
        assert abs((clock.warn_at - warn).total_seconds()) < 1


def test_clocks_are_left_unwritten_only_for_a_case_being_registered(bank):
    """Registration writes its new clocks with its search entry (`write=False`, `fresh`); for a case that
    has clocks, unwritten clocks would be clocks silently lost, so it is refused and nothing changes."""
    from redress.deadlines.services import start_clocks

    case = bank.register()
    before = list(case.clocks.values_list("pk", "state"))
    with pytest.raises(TypeError, match="only for a case being registered"):
        start_clocks(case, "registered", case.received_at, write=False)
    assert list(case.clocks.values_list("pk", "state")) == before
