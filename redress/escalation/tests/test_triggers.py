import datetime as dt

import pytest
from django.utils import timezone, translation

from redress.cases.models import Case, CaseEvent, CaseFlag, Escalation
from redress.escalation import triggers
from redress.escalation.models import GroupMember
from redress.escalation.services import group_of
from redress.organisation.choices import Role, UnitKind
from redress.organisation.services import create_staff, create_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rules():
    triggers.forget_settings()
    yield
    triggers.forget_settings()


def answered(bank, case):
    """The earlier case replied to: what makes the customer's next complaint about it a repeat."""
    from redress.lifecycle import perform

    case = perform("accept", bank.teller, Case.objects.get(pk=case.pk))
    return perform("reply", bank.teller, case, {"method": "phone", "content": "已答复客户。"})


def flags(case):
    return Case.objects.get(pk=case.pk).flag_names


def level(case):
    return Case.objects.get(pk=case.pk).level


def test_media_phrase_inside_longer_text_escalates_level_by_level_and_tells_the_spokesperson(bank):
    from redress.notifications.models import Notification

    spokesperson = create_staff(
        username="press", name="新闻发言人", unit=bank.branch_a, roles=[Role.SPOKESPERSON]
    )
    case = bank.register(demand="如果今天不解决，我就把这件事发到抖音上让大家评评理")
    assert "media_threat" in flags(case)
    assert case.flags.get(flag="media_threat").evidence["phrases"] == ["抖音"]
    assert level(case) == "branch"
    steps = list(Escalation.objects.filter(case=case).values_list("from_level", "to_level"))
    assert steps == [("outlet", "sub_branch"), ("sub_branch", "branch")]
    assert Notification.objects.filter(case=case, recipient=spokesperson, event="media_threat").count() == 1


def test_a_denied_media_threat_does_not_escalate(bank):
    case = bank.register(demand="我不会找媒体的，只希望尽快退还多收的手续费")
    assert "media_threat" not in flags(case)
    assert level(case) == "outlet"


def test_online_banking_is_not_a_threat_to_post_online(bank):
    case = bank.register(matter="网上银行转账显示成功，但对方一直没有收到款项")
    assert "media_threat" not in flags(case)


def test_text_without_a_listed_phrase_is_not_a_media_threat(bank):
    case = bank.register(demand="希望尽快退还多收的手续费")
    assert "media_threat" not in flags(case)
    assert level(case) == "outlet"


def test_amount_of_exactly_fifty_thousand_is_not_major(bank):
    assert "major" not in flags(bank.register(amount="50000.00"))


def test_amount_above_fifty_thousand_goes_straight_to_the_top(bank):
    case = bank.register(amount="50000.01")
    assert "major" in flags(case)
    assert level(case) == "head_office"


def test_twenty_joint_complainants_make_a_major_complaint(bank):
    assert "major" not in flags(bank.register(joint_complainants=19))
    assert "major" in flags(bank.register(joint_complainants=20))


def test_staff_set_major_flag_escalates_to_the_top(bank):
    case = bank.register(extra_flags=["major"])
    assert level(case) == "head_office"


def test_national_media_mention_is_major(bank):
    case = bank.register(matter="客户称已联系人民日报记者准备报道此事")
    assert {"major", "media_threat"} <= set(flags(case))
    assert level(case) == "head_office"


def test_two_complainants_are_not_a_group_three_are(bank):
    first = bank.register(complainant_phone="13800000001", complainant_id_number="")
    second = bank.register(complainant_phone="13800000002", complainant_id_number="")
    assert "group" not in flags(second)
    third = bank.register(complainant_phone="13800000003", complainant_id_number="")
    for case in (first, second, third):
        assert "group" in flags(case)
        assert level(case) == "province"
    # All three are one group complaint, named by its earliest case: one row per member, not per pair.
    assert group_of(first) == group_of(third) == sorted([first.pk, second.pk, third.pk])
    assert GroupMember.objects.filter(first=first).count() == 3
    assert [pk for pk in group_of(first) if pk != first.pk] == sorted([second.pk, third.pk])
    # A fourth joins the group the others are in, with one row.
    fourth = bank.register(complainant_phone="13800000004", complainant_id_number="")
    assert GroupMember.objects.get(case=fourth).first_id == first.pk
    assert group_of(fourth) == sorted([first.pk, second.pk, third.pk, fourth.pk])
    assert [pk for pk in group_of(second) if pk != second.pk] == sorted([first.pk, third.pk, fourth.pk])


def test_group_evidence_counts_the_matched_cases_without_naming_them(bank):
    for n in range(1, 4):
        case = bank.register(complainant_phone=f"1380000000{n}", complainant_id_number="")
    evidence = CaseFlag.objects.get(case=case, flag="group").evidence
    version = evidence["rules_version"]
    assert evidence == {
        "complainants": 3, "at_least": 3, "window_days": 7, "matched_cases": 3, "rules_version": version,
        "scope": "branch", "likeness_at_least": "0.40",
    }  # fmt: skip
    event = CaseEvent.objects.get(case=case, kind="flag_set")
    assert event.data["evidence"]["group"] == evidence


def test_a_repeat_is_linked_both_ways(bank):
    first = bank.register(received_at=timezone.now() - dt.timedelta(days=20))
    answered(bank, first)
    again = bank.register()
    assert Case.objects.get(pk=again.pk).previous_case_id == first.pk
    assert list(Case.objects.filter(previous_case=first).values_list("pk", flat=True)) == [again.pk]


def test_group_window_excludes_old_cases(bank):
    old = timezone.now() - dt.timedelta(days=10)
    bank.register(complainant_phone="13800000001", complainant_id_number="", received_at=old)
    bank.register(complainant_phone="13800000002", complainant_id_number="", received_at=old)
    assert "group" not in flags(bank.register(complainant_phone="13800000003", complainant_id_number=""))


def test_repeat_complaint_is_linked_and_escalated_one_level(bank):
    first = bank.register(received_at=timezone.now() - dt.timedelta(days=20))
    answered(bank, first)
    again = bank.register()
    assert "repeat" in flags(again)
    assert Case.objects.get(pk=again.pk).previous_case_id == first.pk
    assert level(again) == "sub_branch"


def test_skip_level_complaint_is_flagged_and_the_lower_level_told(bank):
    from redress.notifications.models import Notification

    case = bank.register(actor=bank.branch_group, channel="phone")
    assert "skip_level" in flags(case)
    assert Notification.objects.filter(case=case, recipient=bank.outlet_head, event="skip_level").exists()


def test_cross_province_case_goes_to_the_level_that_can_coordinate(bank):
    other = create_unit(code="Q", name="另一省分行", kind=UnitKind.PROVINCE, parent=bank.head_office)
    branch = create_unit(code="Q1", name="外省分行", kind=UnitKind.BRANCH, parent=other)
    outlet = create_unit(code="Q1-1", name="外省网点", kind=UnitKind.OUTLET, parent=branch)
    case = bank.register(subject_unit=outlet.code)
    assert "cross_province" in flags(case)
    assert level(case) == "head_office"


def test_trigger_settings_are_data(bank):
    from redress.escalation.models import TriggerSettings

    TriggerSettings.objects.update(active=False)
    TriggerSettings.objects.create(
        version=2, effective_from=dt.date(2026, 1, 1), major_amount="1000.00", media_phrases=["投诉到底"]
    )
    triggers.forget_settings()
    case = bank.register(amount="1000.01", demand="我要投诉到底")
    assert {"major", "media_threat"} <= set(flags(case))
    assert case.flags.get(flag="major").evidence["rules_version"] == 2


def test_the_repeat_link_is_an_audited_change(bank):
    first = bank.register(received_at=timezone.now() - dt.timedelta(days=20))
    answered(bank, first)
    again = bank.register()
    event = Case.objects.get(pk=again.pk).events.get(kind="flag_set")
    assert event.data["changes"]["previous_case"] == [None, first.number]


def test_a_group_flag_already_set_by_a_racing_registration_records_nothing_more(bank):
    from redress import lifecycle
    from redress.cases.models import CaseEvent
    from redress.organisation.services import system_actor

    case = bank.register()
    params = {"flags": {"group": {"via": "TS2026000001"}}, "only_new": True}
    lifecycle.perform("set_flags", system_actor(), case, params)
    events = CaseEvent.objects.filter(case=case).count()
    again = lifecycle.perform("set_flags", system_actor(), case, params)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert again.version == Case.objects.get(pk=case.pk).version
    # Without only_new the evidence is still put on record, as a trigger firing on a flag staff set does.
    lifecycle.perform("set_flags", system_actor(), case, {"flags": {"group": {"via": "TS2026000002"}}})
    assert CaseEvent.objects.filter(case=case).count() == events + 1


def test_migration_turns_pairwise_group_links_into_groups_named_by_their_earliest_case():
    import importlib

    migration = importlib.import_module("redress.escalation.migrations.0005_group_links_to_members")
    a, b, c, d, e = 11, 12, 13, 14, 15
    heads = migration.group_heads([(c, b), (b, a), (e, d)])
    assert heads == {a: a, b: a, c: a, d: d, e: d}


def test_the_escalation_notice_names_the_trigger_in_words(bank):
    from redress.notifications.models import Notification

    for phone in ("13800000001", "13800000002", "13800000003"):
        case = bank.register(complainant_phone=phone, complainant_id_number="")
    subject = Notification.objects.filter(case=case, event="group", recipient=bank.province_group)[0].subject
    assert case.number in subject and "群体性投诉" in subject and ": group" not in subject


def test_reasons_and_notices_are_in_the_banks_language_whatever_the_request_spoke(bank):
    from redress.notifications.models import Notification

    with translation.override("en"):
        for phone in ("13800000001", "13800000002", "13800000003"):
            case = bank.register(complainant_phone=phone, complainant_id_number="")
    subject = Notification.objects.filter(case=case, event="group", recipient=bank.province_group)[0].subject
    assert "群体性投诉" in subject
    assert "省分行" in Escalation.objects.get(case=case).reason


@pytest.mark.postgres
def test_the_group_rule_reads_the_same_summary_in_sql_as_in_python(bank):
    from redress.lifecycle import perform

    # A group of three, a fourth that joins it, a closed one and an anonymous one (identity by name and id).
    for n in range(1, 5):
        bank.register(complainant_phone=f"1380000000{n}", complainant_id_number="")
    closed = bank.register(complainant_phone="13800000009", complainant_id_number="")
    withdrawal = {"reason": "客户撤诉", "voluntary": True}
    perform("withdraw", bank.teller, Case.objects.get(pk=closed.pk), withdrawal)
    anonymous = {"complainant_phone": "", "complainant_id_number": "", "complainant_name": ""}
    bank.register(complainant_anonymous=True, **anonymous)
    # Joint complainants count as people, the same person's largest count once.
    bank.register(complainant_phone="13800000007", complainant_id_number="", joint_complainants=3)
    bank.register(complainant_phone="13800000007", complainant_id_number="", joint_complainants=2)
    case = bank.register(complainant_phone="13800000005", complainant_id_number="")
    pks = triggers.related_cases(case, triggers.current_settings()).similar
    in_python = triggers.summarise(list(triggers.same_issue_cases(pks)), case.pk)
    assert triggers.summarise_in_sql(pks, case.pk) == in_python
    assert in_python.people >= 9 and in_python.groups and closed.pk not in in_python.unflagged


@pytest.mark.postgres
def test_a_case_in_two_groups_is_counted_once_and_names_both_groups_in_sql_as_in_python(bank):
    # Racing registrations at a burst's start may each form a group; a case then belongs to both.
    members = [bank.register(complainant_phone=f"1380000001{n}", complainant_id_number="") for n in range(4)]
    other = bank.register(complainant_phone="13800000019", complainant_id_number="")
    GroupMember.objects.create(case=members[1], first=other)
    case = bank.register(complainant_phone="13800000018", complainant_id_number="")
    pks = triggers.related_cases(case, triggers.current_settings()).similar
    in_python = triggers.summarise(list(triggers.same_issue_cases(pks)), case.pk)
    assert triggers.summarise_in_sql(pks, case.pk) == in_python
    assert other.pk in in_python.groups and len(in_python.groups) >= 2
    assert in_python.cases == len(set(pks))


def test_a_repeat_by_phone_alone_is_found_through_the_blind_index_with_no_number_in_the_query(bank):
    # Phone only (no ID number): the numbers are stored encrypted, so the repeat is found by the phone's
    # blind index, and the lookup's SQL carries the index, never the number (decision 0031).
    first = bank.register(
        received_at=timezone.now() - dt.timedelta(days=20),
        complainant_phone="13911112222",
        complainant_id_number="",
    )
    answered(bank, first)
    again = bank.register(complainant_phone="139 1111 2222", complainant_id_number="")
    assert "repeat" in flags(again)
    assert Case.objects.get(pk=again.pk).previous_case_id == first.pk
    sql, params = triggers.related_query(again, triggers.current_settings())
    assert "13911112222" not in sql and "13911112222" not in [str(p) for p in params]
    assert Case.phone_index("13911112222") in params
    # Another number is another person: no repeat.
    other = bank.register(complainant_phone="13911113333", complainant_id_number="")
    assert "repeat" not in flags(other)


def _updates_of(queries, case):
    return [
        q["sql"]
        for q in queries
        # Alone, or with the event recording it (`WITH written AS (UPDATE …) INSERT …`, PostgreSQL).
        if 'UPDATE "cases_case"' in q["sql"] and f'"id" = {case.pk} ' in q["sql"]
    ]


def test_the_new_case_flagged_and_escalated_is_written_once_with_the_version_of_both(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(1, 3):
        bank.register(complainant_phone=f"1380000000{n}", complainant_id_number="")
    with CaptureQueriesContext(connection) as ctx:
        third = bank.register(complainant_phone="13800000003", complainant_id_number="")
    kinds = sorted(
        CaseEvent.objects.filter(case=third).exclude(kind="registered").values_list("kind", flat=True)
    )
    assert kinds == ["escalated", "flag_set"]
    row = Case.objects.get(pk=third.pk)
    # Two transitions after the registration, each counted in the version, in one write of the row.
    assert row.version == third.version == 3
    assert (row.level, row.updated_at) == ("province", third.updated_at)
    assert len(_updates_of(ctx.captured_queries, third)) == 1


def test_a_flag_that_nothing_follows_writes_the_new_cases_version_at_the_end_of_its_triggers(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        case = bank.register(actor=bank.branch_group, channel="phone")
    assert "skip_level" in flags(case)
    row = Case.objects.get(pk=case.pk)
    assert row.version == case.version == 2
    assert row.updated_at == case.updated_at
    assert len(_updates_of(ctx.captured_queries, case)) == 1
