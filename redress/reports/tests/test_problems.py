"""A problem's fields as a person types them: checked like every other text, and never a 500."""

import datetime as dt

import pytest

from redress.common.errors import FieldErrors
from redress.reports import problems
from redress.reports.models import Problem

pytestmark = pytest.mark.django_db


def a_problem(bank) -> Problem:
    return Problem.objects.create(
        title="借记卡",
        dimension="product",
        value="借记卡",
        value_label="借记卡",
        unit=bank.branch_a,
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        recorded_by=bank.office,
    )


def test_a_problem_refuses_nul_and_control_characters_field_by_field_and_changes_nothing(bank):
    problem = a_problem(bank)
    with pytest.raises(FieldErrors) as err:
        problems.update(
            bank.office,
            problem,
            {"title": "标题\x00", "root_cause": "原因\x07", "notes": "备注", "owner": "outlet_head\x00"},
        )
    assert set(err.value.errors) == {"title", "root_cause", "owner"}
    problem.refresh_from_db()
    assert (problem.title, problem.root_cause, problem.owner) == ("借记卡", "", None)


def test_a_problems_texts_are_kept_trimmed_and_in_one_normal_form(bank):
    problem = problems.update(bank.office, a_problem(bank), {"root_cause": "  流程繁琐\r\n手续多  "})
    assert problem.root_cause == "流程繁琐\n手续多"
