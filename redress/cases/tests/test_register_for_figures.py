"""The register's filters that the reports' figures link to (decision 0033): each narrows to exactly the
cases the figure counts, on the page, in the API list and in the export alike (one RegisterFilter)."""

import pytest

from redress.access.visibility import visible_to
from redress.cases.register_query import FIGURES, RegisterFilter
from redress.common.errors import FieldErrors
from redress.lifecycle import perform
from redress.reports import figures
from redress.reports.figures import CaseFigures
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db

REPLY = {"method": "written", "content": "经核实，已为您办理。"}


def numbers(user, **params):
    return sorted(c.number for c in RegisterFilter.from_params(params).apply(visible_to(user)))


def test_registered_in_is_the_registering_unit_subtree_not_the_holder_or_subject(bank):
    at_a = bank.register()  # registered at A1-1, about A1-1
    at_b_about_a = bank.register(actor=bank.outsider, subject_unit=bank.outlet_a1_1.code)
    assert numbers(bank.office, registered_in="A") == [at_a.number]
    assert numbers(bank.office, registered_in="B") == [at_b_about_a.number]
    # The `unit` filter matches the unit complained about too: it is not the reports' counting rule.
    assert numbers(bank.office, unit="A") == sorted([at_a.number, at_b_about_a.number])
    assert numbers(bank.office, subject_unit="A1") == sorted([at_a.number, at_b_about_a.number])
    assert numbers(bank.office, subject_unit="B") == []
    # A report's line of the cases a unit registered itself, not its subtree's.
    assert numbers(bank.office, registering_unit="A1-1") == [at_a.number]
    assert numbers(bank.office, registering_unit="A1") == []


def test_staff_complained_about_by_username(bank):
    about = bank.register(subject_staff=bank.subject.username)
    bank.register()
    assert numbers(bank.office, subject_staff="subject") == [about.number]


def test_regulatory_classes_by_label_or_code_and_the_unclassified(bank):
    card = bank.register(
        business_category="银行卡/信用卡", reason="服务态度及服务质量", regulatory_channel="营业现场"
    )
    none = bank.register()
    assert numbers(bank.office, business_category="银行卡/信用卡") == [card.number]
    assert numbers(bank.office, reason="服务态度及服务质量") == [card.number]
    assert numbers(bank.office, regulatory_channel="营业现场") == [card.number]
    # The parent class is a class of its own: a figure counts the class the case was given.
    assert numbers(bank.office, business_category="银行卡") == []
    assert numbers(bank.office, business_category="none") == [none.number]
    assert numbers(bank.office, reason="none", regulatory_channel="none") == [none.number]


def test_product_exactly_and_customer_groups_as_the_figures_sort_them(bank):
    vip = bank.register(complainant_vip=True, product="信用卡")
    card = bank.register(product="借记卡")
    cash = bank.register(product="现金存款")
    bank.register(product="理财")
    assert numbers(bank.office, product="借记卡") == [card.number]
    assert numbers(bank.office, product="卡") == []
    for group, case in (("vip", vip), ("card_holder", card), ("cash", cash)):
        assert numbers(bank.office, customer_group=group) == [case.number]
        assert CaseFigures.objects.get(case=case).customer_group == group


def test_statistics_class_responsibility_and_level(bank):
    case = perform("accept", bank.teller, bank.register())
    case = perform("reply", bank.teller, case, REPLY)
    case = perform("close", bank.teller, case, {**CLASSES, "responsibility": "at_fault"})
    bank.register()
    assert numbers(bank.office, responsibility="at_fault") == [case.number]
    assert numbers(bank.office, stat_class=case.stat_class) == [case.number]
    assert numbers(bank.office, level="outlet", state="closed") == [case.number]
    assert numbers(bank.office, level="branch") == []


def test_every_measure_is_a_filter_of_the_cases_counted_in_it(bank):
    # And `escalated` (any level), which the performance's escalations column links to (decision 0034).
    assert set(FIGURES) == {*figures.MEASURES, "escalated"}
    case = perform("accept", bank.teller, bank.register())
    case = perform("reply", bank.teller, case, REPLY)
    perform("follow_up", bank.teller, case, {"satisfaction": "dissatisfied"})
    other = bank.register()
    assert numbers(bank.office, figure="replied_on_time") == [case.number]
    assert numbers(bank.office, figure="follow_ups_dissatisfied") == [case.number]
    assert numbers(bank.office, figure="registered") == sorted([case.number, other.number])
    assert numbers(bank.office, figure="open", registered_in="A1") == sorted([case.number, other.number])
    assert numbers(bank.office, figure="replied_late") == []
    for measure in figures.MEASURES:
        counted = CaseFigures.objects.filter(**{f"{measure}__gt": 0}).count()
        assert len(numbers(bank.office, figure=measure)) == counted


def test_bad_values_of_the_new_filters_are_named(bank):
    with pytest.raises(FieldErrors) as err:
        RegisterFilter.from_params(
            {
                "registered_in": "NOPE",
                "subject_unit": "NOPE",
                "subject_staff": "nobody",
                "business_category": "不存在",
                "customer_group": "rich",
                "stat_class": "x",
                "responsibility": "x",
                "level": "x",
                "figure": "x",
            }
        )
    assert set(err.value.errors) == {
        "registered_in",
        "subject_unit",
        "subject_staff",
        "business_category",
        "customer_group",
        "stat_class",
        "responsibility",
        "level",
        "figure",
    }
