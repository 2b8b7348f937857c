import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from redress.cases.models import Case, Escalation
from redress.deadlines.models import Clock
from redress.escalation.models import Accountability, SupervisionNotice
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.lifecycle.sweeper import sweep

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=BJ)


def registered(bank, when, **overrides):
    return register_case(bank.teller, bank.registration(received_at=when, **overrides), now=when).case


def test_breach_becomes_a_supervision_notice_from_the_level_above_once(bank):
    from redress.notifications.models import Notification

    case = registered(bank, at(2026, 3, 2))  # Monday; reply due at the end of Thursday 5 March
    result = sweep(at(2026, 3, 6, 9))
    assert result.breaches >= 1 and result.notices == 1
    notice = SupervisionNotice.objects.get(case=case)
    assert notice.issued_level == "sub_branch" and notice.to_unit == bank.outlet_a1_1
    assert notice.due_at == at(2026, 3, 11, 0, 0)  # the end of the second working day after Friday 6 March
    assert Case.objects.get(pk=case.pk).level == "sub_branch"
    assert Notification.objects.filter(case=case, recipient=bank.teller, event="clock_breached").count() == 1
    again = sweep(at(2026, 3, 6, 9, 1))
    assert again.breaches == 0 and again.notices == 0
    assert SupervisionNotice.objects.filter(case=case).count() == 1


def test_the_sweepers_notices_are_in_the_banks_language_whatever_the_process_spoke(bank):
    from redress.notifications.models import Notification

    case = registered(bank, at(2026, 3, 2))
    with translation.override("en"):
        sweep(at(2026, 3, 6, 9))
    notice = Notification.objects.filter(case=case, recipient=bank.teller, event="clock_breached").get()
    assert notice.subject == f"案件 {case.number} 的督办单"


def test_second_breach_escalates_again_and_writes_an_accountability_record(bank):
    case = registered(bank, at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"}, now=at(2026, 3, 2, 12))
    case = perform("acknowledge", bank.handler, case, now=at(2026, 3, 2, 13))
    sweep(at(2026, 3, 6, 9))
    assert sweep(at(2026, 3, 10, 9)).notice_breaches == 0
    result = sweep(at(2026, 3, 11, 9))
    assert result.notice_breaches == 1
    record = Accountability.objects.get(case=case)
    assert record.staff == bank.handler and record.unit == bank.dept_a_pb
    assert record.rule == "supervision_notice_breached"
    assert Case.objects.get(pk=case.pk).level == "branch"
    assert SupervisionNotice.objects.filter(case=case).order_by("sequence").last().sequence == 2


def test_a_reply_answers_the_notice(bank):
    case = registered(bank, at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    sweep(at(2026, 3, 6, 9))
    perform("reply", bank.teller, case, {"method": "phone", "content": "已答复"}, now=at(2026, 3, 6, 10))
    assert SupervisionNotice.objects.get(case=case).state == "answered"
    assert sweep(at(2026, 3, 12, 9)).notice_breaches == 0


def test_warning_reaches_holder_and_first_responder_once(bank):
    from redress.notifications.models import Notification

    case = registered(bank, at(2026, 3, 2))  # warning from the end of Wednesday 4 March
    assert sweep(at(2026, 3, 4, 23)).warnings == 0
    result = sweep(at(2026, 3, 5, 9))
    assert result.warnings >= 1 and result.breaches == 0
    assert Clock.objects.get(case=case, name="reply").state == "warning"
    assert Notification.objects.filter(case=case, recipient=bank.teller, event="clock_warning").count() == 1
    assert sweep(at(2026, 3, 5, 9, 30)).warnings == 0


def _breached_cases(bank, n):
    """n open cases whose reply clocks ran out: one registered, the rest copied in bulk."""
    seed = registered(bank, at(2026, 3, 2))
    clocks = list(Clock.objects.filter(case=seed))
    copies = []
    for i in range(n - 1):
        case = Case.objects.get(pk=seed.pk)
        case.pk = None
        case.number = f"TSX{i:09d}"
        copies.append(case)
    Case.objects.bulk_create(copies)
    new = []
    for case in Case.objects.filter(number__startswith="TSX"):
        for clock in clocks:
            clone = Clock.objects.get(pk=clock.pk)
            clone.pk, clone.case_id = None, case.pk
            new.append(clone)
    Clock.objects.bulk_create(new)
    return Case.objects.filter(pk=seed.pk) | Case.objects.filter(number__startswith="TSX")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_together_give_one_notice_and_one_notification_per_breach(bank):
    from redress.notifications.models import Notification

    cases = _breached_cases(bank, 1000)
    barrier = threading.Barrier(2)
    results = []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            results.append(sweep(at(2026, 3, 6, 9), per_transaction=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert SupervisionNotice.objects.count() == 1000
    assert SupervisionNotice.objects.values("case").distinct().count() == cases.count() == 1000
    assert sum(r.notices for r in results) == 1000
    per_case = Notification.objects.filter(event="clock_breached", recipient=bank.teller).values("case")
    assert per_case.count() == 1000
    assert not per_case.annotate(n=Count("id")).filter(n__gt=1).exists()


def test_a_transfer_left_unacknowledged_is_a_stuck_case_with_a_notice_once(bank):
    case = registered(bank, at(2026, 3, 2))
    case = perform("accept", bank.teller, case, now=at(2026, 3, 2, 11))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"}, now=at(2026, 3, 2, 12))  # Monday
    assert sweep(at(2026, 3, 3, 20)).stuck == 0  # one working day to acknowledge: until Tuesday 24:00
    result = sweep(at(2026, 3, 4, 9))
    assert result.stuck == 1
    notice = SupervisionNotice.objects.get(case=case, transfer_order__isnull=False)
    assert notice.to_unit == bank.dept_a_pb and notice.state == "open"
    assert sweep(at(2026, 3, 4, 10)).stuck == 0
    perform("acknowledge", bank.handler, Case.objects.get(pk=case.pk), now=at(2026, 3, 4, 11))
    notice.refresh_from_db()
    assert notice.state == "answered"


def test_two_breaches_of_one_case_in_one_batch_both_get_their_notice(bank, caplog):
    # The batch reads its cases once; the second breach must act on the case as the first one left it
    # (escalated, a new version), not on the copy read before.
    case = registered(bank, at(2026, 3, 2))
    reply = Clock.objects.get(case=case, name="reply")
    twin = Clock.objects.get(pk=reply.pk)
    twin.pk, twin.group, twin.name = None, "acknowledge", "acknowledge"
    twin.save()
    result = sweep(at(2026, 3, 6, 9))
    assert result.breaches == 2 and result.notices == 2
    assert SupervisionNotice.objects.filter(case=case).count() == 2
    assert "could not act" not in caplog.text
    # The second notice starts where the first left the case (at the sub-branch), as when each was read alone.
    levels = list(Escalation.objects.filter(case=case).order_by("pk").values_list("to_level", flat=True))
    assert levels == ["sub_branch", "branch"]


def test_the_sweeper_reads_a_batchs_plan_records_with_its_cases_not_once_per_breach(bank):
    # After every escalation the plan's accountability asks whether the case is a plan case: the batch's
    # cases come with their plan records (none here), so no breach asks the database again.
    for _ in range(3):
        perform("accept", bank.teller, bank.register())
    with CaptureQueriesContext(connection) as ran:
        result = sweep(now=dt.datetime.now(BJ) + dt.timedelta(days=120))
    assert result.breaches == 6
    asked = [q["sql"] for q in ran.captured_queries if q["sql"].startswith('SELECT "plans_plancase"')]
    assert asked == []
