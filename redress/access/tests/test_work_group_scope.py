"""A work group's members see and act on what is escalated to their group, wherever their own unit is (R5;
issue 15: a branch work-group deputy based in a department was told of an escalated case, then got 404)."""

from __future__ import annotations

import pytest

from redress.access.visibility import visible_to
from redress.api.tests.conftest import bearer_client
from redress.lifecycle import allowed_actions, perform
from redress.organisation.choices import Role, WorkGroupPosition
from redress.organisation.services import add_work_group_member, create_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputy(bank):
    """The deputy leader of branch A's work group, based in branch A's personal-banking department."""
    person = create_staff(username="deputy", name="个金部副总", unit=bank.dept_a_pb, roles=[Role.WORK_GROUP])
    add_work_group_member(bank.branch_a_group, person, WorkGroupPosition.DEPUTY)
    return person


def test_a_deputy_in_a_department_sees_and_acts_on_a_case_escalated_to_the_branch(bank, deputy):
    case = bank.register(demand="如果今天不解决，我就发到抖音上")  # a media threat: up to the branch
    assert case.level == "branch"
    assert visible_to(deputy).filter(pk=case.pk).exists()
    assert bearer_client(deputy).get(f"/api/v1/cases/{case.number}").status_code == 200
    assert "escalate" in allowed_actions(deputy, case)
    case = perform("escalate", deputy, case, {"reason": "涉及多名客户，需省行工作小组牵头"})
    assert case.level == "province"


def test_the_deputy_does_not_see_what_stays_at_the_outlet(bank, deputy):
    case = bank.register(demand="希望尽快退还多收的手续费")
    assert case.level == "outlet"
    assert not visible_to(deputy).filter(pk=case.pk).exists()
    assert bearer_client(deputy).get(f"/api/v1/cases/{case.number}").status_code == 404


def test_the_deputy_does_not_see_another_branchs_escalated_case(bank, deputy):
    case = bank.register(
        actor=bank.outsider, subject_unit="B1-1", subject_staff="", demand="我要找记者曝光你们"
    )
    assert case.level == "branch"
    assert not visible_to(deputy).filter(pk=case.pk).exists()


def test_leaving_the_work_group_ends_the_view(bank, deputy):
    case = bank.register(demand="如果今天不解决，我就发到抖音上")
    bank.branch_a_group.memberships.filter(staff=deputy).delete()
    assert not visible_to(deputy).filter(pk=case.pk).exists()
