"""Repeat and group complaints by what they are about (issue 13): the similar matter, at the rules' edges."""

import datetime as dt

import pytest
from django.utils import timezone

from redress.cases.choices import StatClass
from redress.cases.models import Case
from redress.escalation import triggers
from redress.escalation.models import TriggerSettings
from redress.lifecycle import perform
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

PRINTER = "网点的存折打印机坏了，我想补登存折等了半天也打不出来。"
PRINTER_AGAIN = "去网点补登存折，自助打印机显示故障，工作人员说修不好。"
QUEUE = "网点只开一个窗口，排队等了两个多小时才办上业务。"
ATTITUDE = "柜员办业务时态度冷淡，问了几遍都不耐烦，还翻白眼。"
CARD_FEE = "信用卡从来没用过，却被收取了年费，要求退还。"


@pytest.fixture(autouse=True)
def _fresh_rules():
    triggers.forget_settings()
    yield
    triggers.forget_settings()


def flags(case):
    return Case.objects.get(pk=case.pk).flag_names


def answered(bank, case):
    case = perform("accept", bank.teller, Case.objects.get(pk=case.pk))
    return perform("reply", bank.teller, case, {"method": "phone", "content": "已答复客户。"})


def person(n: int) -> dict:
    return {
        "complainant_phone": f"1380000000{n}",
        "complainant_id_number": "",
        "complainant_name": f"客户{n}",
    }


def test_a_routine_printer_complaint_is_not_a_group_because_others_complained_about_the_unit(bank):
    # Same outlet, same category, within the week: the old rule made this a group sent to the province.
    bank.register(matter=QUEUE, category="service_attitude", **person(1))
    bank.register(matter=ATTITUDE, category="service_attitude", **person(2))
    printer = bank.register(matter=PRINTER, category="service_attitude", **person(3))
    assert "group" not in flags(printer)
    assert Case.objects.get(pk=printer.pk).level == "outlet"


def test_a_same_day_suggestion_solved_at_the_counter_is_not_counted_for_an_earlier_other_matter(bank):
    earlier = bank.register(matter=CARD_FEE, received_at=timezone.now() - dt.timedelta(days=30))
    answered(bank, earlier)
    suggestion = bank.register(kind="suggestion", matter="建议网点增加一台叫号机，方便老人取号。")
    assert "repeat" not in flags(suggestion)
    case = perform("accept", bank.teller, Case.objects.get(pk=suggestion.pk))
    case = perform("reply", bank.teller, case, {"method": "in_person", "content": "已当场采纳。"})
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "not_at_fault"})
    assert case.stat_class == StatClass.NOT_COUNTED
    assert case.stat_facts["repeat"] is False


def test_the_same_customer_about_the_same_matter_after_a_reply_is_a_repeat_and_counted(bank):
    earlier = bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10))
    answered(bank, earlier)
    again = bank.register(matter=PRINTER_AGAIN)
    assert "repeat" in flags(again)
    assert Case.objects.get(pk=again.pk).previous_case_id == earlier.pk
    evidence = again.flags.get(flag="repeat").evidence
    assert evidence["earlier_case"] == earlier.number and evidence["likeness"] >= 0.4
    case = perform("accept", bank.teller, Case.objects.get(pk=again.pk))
    case = perform("reply", bank.teller, case, {"method": "phone", "content": "已修好。"})
    assert (
        perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"}).stat_class
        == StatClass.COUNTED
    )


def test_the_same_customer_about_a_new_matter_is_not_a_repeat(bank):
    answered(bank, bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10)))
    assert "repeat" not in flags(bank.register(matter=CARD_FEE))


def test_an_earlier_case_not_yet_answered_does_not_make_a_repeat(bank):
    bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10))
    assert "repeat" not in flags(bank.register(matter=PRINTER_AGAIN))


def test_the_repeat_window_is_data_inside_and_outside_it(bank):
    TriggerSettings.objects.update(active=False)
    TriggerSettings.objects.create(version=5, effective_from=dt.date(2026, 1, 1), repeat_window_days=30)
    triggers.forget_settings()
    now = timezone.now()
    answered(bank, bank.register(matter=PRINTER, received_at=now - dt.timedelta(days=29, hours=23)))
    assert "repeat" in flags(bank.register(matter=PRINTER_AGAIN, received_at=now))
    other = {"complainant_phone": "13900000009", "complainant_id_number": ""}
    answered(bank, bank.register(matter=PRINTER, received_at=now - dt.timedelta(days=30, hours=1), **other))
    assert "repeat" not in flags(bank.register(matter=PRINTER_AGAIN, received_at=now, **other))


def test_two_people_about_a_similar_matter_are_not_a_group_three_are(bank):
    first = bank.register(matter=PRINTER, **person(1))
    second = bank.register(matter=PRINTER_AGAIN, **person(2))
    assert "group" not in flags(second)
    third = bank.register(matter="营业厅的补登机一直故障，存折没法打印，白跑了一趟。", **person(3))
    for case in (first, second, third):
        assert "group" in flags(case)
        assert Case.objects.get(pk=case.pk).level == "province"


def test_the_same_person_twice_is_one_person(bank):
    bank.register(matter=PRINTER, **person(1))
    bank.register(matter=PRINTER_AGAIN, **person(1))
    assert "group" not in flags(bank.register(matter=PRINTER, **person(2)))


def test_joint_complainants_on_one_case_count_as_people(bank):
    bank.register(matter=PRINTER, joint_complainants=2, **person(1))
    case = bank.register(matter=PRINTER_AGAIN, **person(2))
    assert "group" in flags(case)
    assert case.flags.get(flag="group").evidence["complainants"] == 3


def test_enquiries_about_a_similar_matter_are_not_a_group_complaint(bank):
    # Three people asking the same question: the bank answers them, it does not escalate to the province.
    first = bank.register(kind="enquiry", matter=PRINTER, **person(1))
    second = bank.register(kind="enquiry", matter=PRINTER_AGAIN, **person(2))
    third = bank.register(
        kind="suggestion", matter="营业厅的补登机一直故障，存折没法打印，白跑了一趟。", **person(3)
    )
    for case in (first, second, third):
        assert "group" not in flags(case)
        assert Case.objects.get(pk=case.pk).level == "outlet"


def test_only_complaints_count_as_a_group_complaints_people(bank):
    enquiry = bank.register(kind="enquiry", matter=PRINTER, **person(1))
    bank.register(matter=PRINTER_AGAIN, **person(2))
    assert "group" not in flags(bank.register(matter=PRINTER, **person(3)))
    petition = bank.register(kind="petition", matter=PRINTER_AGAIN, **person(4))
    assert "group" in flags(petition)
    assert petition.flags.get(flag="group").evidence["complainants"] == 3
    assert "group" not in flags(enquiry)


def test_a_suggestion_after_a_handled_complaint_about_the_same_matter_is_not_a_repeat(bank):
    answered(bank, bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10)))
    assert "repeat" not in flags(bank.register(kind="suggestion", matter=PRINTER_AGAIN))


def test_a_complaint_after_an_answered_enquiry_about_the_same_matter_is_not_a_repeat(bank):
    answered(
        bank,
        bank.register(kind="enquiry", matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10)),
    )
    assert "repeat" not in flags(bank.register(matter=PRINTER_AGAIN))


def test_the_group_window_inside_and_outside(bank):
    now = timezone.now()
    bank.register(matter=PRINTER, received_at=now - dt.timedelta(days=6, hours=23), **person(1))
    bank.register(matter=PRINTER, received_at=now - dt.timedelta(days=7, hours=1), **person(2))
    assert "group" not in flags(bank.register(matter=PRINTER_AGAIN, received_at=now, **person(3)))
    assert "group" in flags(bank.register(matter=PRINTER_AGAIN, received_at=now, **person(4)))


def test_a_similar_matter_in_another_branch_does_not_count_towards_a_group(bank):
    bank.register(matter=PRINTER, subject_unit=bank.outlet_b1_1.code, **person(1))
    bank.register(matter=PRINTER, subject_unit=bank.outlet_b1_1.code, **person(2))
    assert "group" not in flags(bank.register(matter=PRINTER_AGAIN, **person(3)))


def test_the_same_product_named_in_the_matter_counts_bank_wide(bank):
    matter = "购买的理财产品鑫享一号到期后钱一直没到账，打电话问也没说法。"
    product = {"product": "鑫享一号"}
    bank.register(matter=matter, subject_unit=bank.outlet_b1_1.code, **product, **person(1))
    bank.register(matter=matter, subject_unit=bank.outlet_b1_1.code, **product, **person(2))
    assert "group" in flags(bank.register(matter=matter, **product, **person(3)))


def test_the_group_scope_is_data(bank):
    TriggerSettings.objects.update(active=False)
    TriggerSettings.objects.create(version=6, effective_from=dt.date(2026, 1, 1), group_scope="province")
    triggers.forget_settings()
    bank.register(matter=PRINTER, subject_unit=bank.outlet_b1_1.code, **person(1))
    bank.register(matter=PRINTER, subject_unit=bank.outlet_b1_1.code, **person(2))
    assert "group" in flags(bank.register(matter=PRINTER_AGAIN, **person(3)))


def test_in_a_busy_week_the_earlier_case_of_a_repeat_is_not_pushed_out_by_the_cap(bank, monkeypatch):
    from redress.matching import similarity

    earlier = bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=20))
    answered(bank, earlier)
    for n in range(3, 6):  # newer cases about the same matter, more than the cap below
        bank.register(matter=PRINTER, **person(n))
    monkeypatch.setattr(similarity, "MAX_CANDIDATES", 3)
    again = bank.register(matter=PRINTER_AGAIN)
    assert Case.objects.get(pk=again.pk).previous_case_id == earlier.pk


def test_past_the_cap_the_lookup_scores_the_newest_similar_cases(bank, monkeypatch):
    from redress.matching import similarity

    now = timezone.now()
    # Registered newest first, so that neither the ids' order nor the insertion order is the time order.
    alike = [
        bank.register(matter=PRINTER, received_at=now - dt.timedelta(hours=hours), **person(hours))
        for hours in (1, 9, 2, 8, 3, 7)
    ]
    monkeypatch.setattr(similarity, "MAX_CANDIDATES", 3)
    new = bank.register(matter=PRINTER_AGAIN, **person(0))
    found = triggers.related_cases(Case.objects.get(pk=new.pk), triggers.current_settings())
    newest = {case.pk for case in alike if case.received_at >= now - dt.timedelta(hours=2)}
    # The new case and the two newest before it: those received 1 and 2 hours ago, not 3 to 9.
    assert set(found.similar) == newest | {new.pk}


def test_the_group_counts_the_people_of_every_topic_alike_to_the_matter(bank):
    # Two topics about the same matter (as after a change of threshold, before remember-matters): a new
    # complaint joins one, and the people of both count.
    from redress.matching import similarity
    from redress.matching.models import Topic, TopicKey, TopicMember

    bank.register(matter=PRINTER, **person(1))
    second = bank.register(matter=PRINTER, **person(2))
    twin = Topic.objects.create(concepts=similarity.stored(similarity.concepts(PRINTER)), raised_by=second)
    TopicKey.objects.bulk_create(
        [TopicKey(key=k, topic=twin) for k in similarity.band_keys(similarity.concepts(PRINTER))]
    )
    TopicMember.objects.filter(case=second).update(topic=twin)
    third = bank.register(matter=PRINTER_AGAIN, **person(3))
    assert "group" in flags(third)


def test_the_complainants_own_alike_case_outside_the_alike_topics_still_counts_for_the_group(bank):
    # Three people on the complainant's earlier case about the same matter, whose member row sits in a topic
    # about something else (as topics formed at an old threshold may leave it): the repeat weighs that case
    # itself, and the group counts its people, though no alike topic holds it.
    from redress.matching import similarity
    from redress.matching.models import Topic, TopicMember

    earlier = bank.register(matter=PRINTER, joint_complainants=3, **person(1))
    elsewhere = Topic.objects.create(concepts=similarity.stored(similarity.concepts(CARD_FEE)))
    TopicMember.objects.filter(case=earlier).update(topic=elsewhere)
    again = bank.register(matter=PRINTER_AGAIN, **person(1))
    assert "group" in flags(again)
