"""A problem's fields as a person types them: checked like every other text, and never a 500."""

import pytest

from redress.common.errors import FieldErrors
from redress.reports import problems

pytestmark = pytest.mark.django_db


def test_a_problem_refuses_nul_and_control_characters_field_by_field_and_changes_nothing(bank):
    problem = bank.problem()
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
    problem = problems.update(bank.office, bank.problem(), {"root_cause": "  流程繁琐\r\n手续多  "})
    assert problem.root_cause == "流程繁琐\n手续多"
