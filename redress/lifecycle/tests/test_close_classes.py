"""A complaint is closed only with its regulatory business category and reason (JR/T 0169-2018; issue 11
item 5): they are what the regulator's return counts by, so a complaint closed without them would fall out
of the return."""

from __future__ import annotations

import pytest

from redress.api.tests.conftest import bearer_client
from redress.cases.choices import State
from redress.cases.models import Case, CaseEvent
from redress.common.errors import FieldErrors
from redress.lifecycle import perform
from redress.testing import CLASSES

pytestmark = pytest.mark.django_db


def _replied(bank, **registration) -> Case:
    case = perform("accept", bank.teller, bank.register(**registration))
    return perform("reply", bank.teller, case, {"method": "phone", "content": "已答复客户"})


def test_a_complaint_without_its_classes_cannot_close_and_each_missing_class_is_named(bank):
    case = _replied(bank)
    with pytest.raises(FieldErrors) as refused:
        perform("close", bank.teller, case, {"responsibility": "at_fault"})
    assert set(refused.value.errors) == {"business_category", "reason"}
    assert "JR/T 0169-2018" in refused.value.errors["business_category"][0]
    case.refresh_from_db()
    assert case.state == State.REPLIED and case.stat_class == ""


def test_only_the_missing_class_is_asked_for(bank):
    case = _replied(bank, business_category=CLASSES["business_category"])
    with pytest.raises(FieldErrors) as refused:
        perform("close", bank.teller, case, {"responsibility": "at_fault"})
    assert set(refused.value.errors) == {"reason"}


def test_the_classes_given_at_close_are_stored_and_recorded(bank):
    case = perform("close", bank.teller, _replied(bank), {**CLASSES, "responsibility": "at_fault"})
    assert case.state == State.CLOSED
    assert case.business_category.label == CLASSES["business_category"]
    assert case.reason.label == CLASSES["reason"]
    event = CaseEvent.objects.get(case=case, kind="closed")
    assert event.data["business_category"] == CLASSES["business_category"]
    assert event.data["reason"] == CLASSES["reason"]


def test_a_complaint_classified_at_registration_closes_as_before(bank):
    case = _replied(bank, **CLASSES)
    case = perform("close", bank.teller, case, {"responsibility": "not_at_fault"})
    assert case.state == State.CLOSED and case.reason.label == CLASSES["reason"]


def test_an_unknown_class_is_refused_by_name(bank):
    case = _replied(bank)
    with pytest.raises(FieldErrors) as refused:
        perform(
            "close",
            bank.teller,
            case,
            {"business_category": "不存在的类别", "reason": CLASSES["reason"], "responsibility": "at_fault"},
        )
    assert set(refused.value.errors) == {"business_category"}


def test_a_suggestion_closes_without_classes(bank):
    case = _replied(bank, kind="suggestion", category="")
    assert perform("close", bank.teller, case, {"responsibility": "not_at_fault"}).state == State.CLOSED


def test_the_api_answers_422_naming_the_missing_classes(bank):
    case = _replied(bank)
    answer = bearer_client(bank.teller).post(
        f"/api/v1/cases/{case.number}/close",
        {"responsibility": "at_fault", "expected_version": case.version},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert {"business_category", "reason"} <= set(answer.json()["errors"])
