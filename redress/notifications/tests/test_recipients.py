"""recipients_for: roles at a level above the case, work-group members, never the staff complained about."""

import pytest

from redress.notifications.services import recipients_for
from redress.organisation.choices import Level, Role
from redress.organisation.services import add_work_group_member, create_staff


@pytest.fixture
def case(bank):
    return bank.register(subject_staff="subject")


def usernames(staff):
    return [s.username for s in staff]


def test_role_holders_in_the_unit_at_the_level_above_the_case(bank, case):
    assert usernames(recipients_for(case, roles=[Role.OUTLET_HEAD], level=Level.OUTLET)) == ["outlet_head"]
    assert usernames(recipients_for(case, roles=[Role.WORK_GROUP_LEADER], level=Level.PROVINCE)) == [
        "province_group"
    ]
    # The same role one level up is somebody else's job: nobody holds it at the sub-branch.
    assert recipients_for(case, roles=[Role.OUTLET_HEAD], level=Level.SUB_BRANCH) == []


def test_a_units_departments_count_as_the_unit(bank, case):
    # The supervision office is a department of head office.
    assert usernames(recipients_for(case, roles=[Role.SUPERVISION_OFFICE], level=Level.HEAD_OFFICE)) == [
        "office"
    ]


def test_an_explicit_unit_instead_of_a_level(bank, case):
    assert usernames(recipients_for(case, roles=[Role.OUTLET_STAFF], unit=bank.outlet_b1_1)) == ["outsider"]


def test_members_of_the_work_group_at_a_level(bank, case):
    assert usernames(recipients_for(case, work_group_level=Level.BRANCH)) == ["branch_group"]
    # The province has no work group in the cast: holding the role alone does not make a member.
    assert recipients_for(case, work_group_level=Level.PROVINCE) == []


def test_never_the_staff_member_complained_about(bank, case):
    everyone_at_the_outlet = recipients_for(
        case, roles=[Role.OUTLET_STAFF], level=Level.OUTLET, include=[bank.subject]
    )
    assert usernames(everyone_at_the_outlet) == ["teller"]
    add_work_group_member(bank.branch_a_group, bank.subject, "member")
    assert "subject" not in usernames(recipients_for(case, work_group_level=Level.BRANCH))


def test_active_staff_only_each_once(bank, case):
    deputy = create_staff(username="deputy", name="副主任", unit=bank.outlet_a1_1, roles=[Role.OUTLET_HEAD])
    deputy.is_active = False
    deputy.save()
    found = recipients_for(
        case,
        roles=[Role.OUTLET_HEAD],
        level=Level.OUTLET,
        work_group_level=Level.BRANCH,
        include=[bank.outlet_head, bank.branch_group, deputy],
    )
    assert usernames(found) == ["outlet_head", "branch_group"]


def test_role_holders_and_work_group_members_together_each_once(bank, case):
    add_work_group_member(bank.branch_a_group, bank.outlet_head, "member")
    found = recipients_for(case, roles=[Role.OUTLET_HEAD], level=Level.OUTLET, work_group_level=Level.BRANCH)
    assert sorted(usernames(found)) == ["branch_group", "outlet_head"]
