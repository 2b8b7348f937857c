"""The cast of a bank for tests (STYLE.md habit 9): a small unit tree and one person of each part.

head office HO ─ province P ─┬ branch A ─ sub-branch A1 ─┬ outlet A1-1 (teller, outlet_head, subject)
                              │          │                 └ outlet A1-2
                              │          └ dept A-PB (handler)
                              │          work group of A (branch_group)
                              └ branch B ─ sub-branch B1 ─ outlet B1-1 (outsider)
HO ─ supervision office dept (office); auditor and admin at HO.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from redress.cases.services import RegistrationData
from redress.common import reference
from redress.lifecycle.registration import register_case
from redress.organisation.choices import DepartmentFunction, Role, UnitKind, WorkGroupPosition
from redress.organisation.models import Staff, Unit, WorkGroup
from redress.organisation.services import add_work_group_member, create_staff, create_unit
from redress.plans import services as plans
from redress.reports.models import Problem

PASSWORD = "correct horse battery"
# A complaint closes only with its regulatory business category and reason (JR/T 0169-2018): tests that
# close one without having classified it at registration give these.
CLASSES = {"business_category": "人民币储蓄", "reason": "服务态度及服务质量"}


def earlier_today() -> dt.datetime:
    """An hour ago, or the bank's midnight when that was yesterday: a test's case received today, in the
    past, whatever the hour the suite runs (CI runs at any hour, and Beijing's first hour is UTC's 16:00)."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - dt.timedelta(hours=1), midnight)


@dataclass
class Bank:
    head_office: Unit
    office_dept: Unit
    province: Unit
    branch_a: Unit
    sub_branch_a1: Unit
    outlet_a1_1: Unit
    outlet_a1_2: Unit
    dept_a_pb: Unit
    branch_b: Unit
    sub_branch_b1: Unit
    outlet_b1_1: Unit
    teller: Staff
    outlet_head: Staff
    subject: Staff
    handler: Staff
    branch_group: Staff
    province_group: Staff
    office: Staff
    outsider: Staff
    auditor: Staff
    admin: Staff
    branch_a_group: WorkGroup

    def registration(self, **overrides) -> RegistrationData:
        """A valid complaint at outlet A1-1, taken by the teller; override any field."""
        values = {
            "kind": "complaint",
            "channel": "counter",
            "received_at": earlier_today(),
            "complainant_name": "张三",
            "complainant_phone": "13812345678",
            "complainant_id_number": "11010519491231002X",
            "subject_unit": self.outlet_a1_1.code,
            "matter": "柜台办理转账时等候时间过长，柜员态度冷淡。",
            "demand": "要求网点道歉并改进服务。",
            "category": "service_attitude",
        }
        values.update(overrides)
        return RegistrationData(**values)

    def register(self, actor: Staff | None = None, **overrides):
        return register_case(actor or self.teller, self.registration(**overrides)).case

    def problem(self) -> Problem:
        """A problem the office recorded: November 2026's debit-card hotspot in branch A, no cases linked."""
        return Problem.objects.create(
            title="借记卡",
            dimension="product",
            value="借记卡",
            value_label="借记卡",
            unit=self.branch_a,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            recorded_by=self.office,
        )


def build_bank() -> Bank:
    # A transactional test before this one may have flushed the token table with everything else: the
    # tokens are put back as the migrations wrote them, so that counts of statements do not depend on which
    # test ran before.
    reference.seed()
    ho = create_unit(code="HO", name="总行", kind=UnitKind.HEAD_OFFICE)
    office_dept = create_unit(
        code="HO-SUP",
        name="监察室",
        kind=UnitKind.DEPARTMENT,
        parent=ho,
        function=DepartmentFunction.SUPERVISION_OFFICE,
    )
    province = create_unit(code="P", name="某省分行", kind=UnitKind.PROVINCE, parent=ho)
    branch_a = create_unit(code="A", name="甲分行", kind=UnitKind.BRANCH, parent=province)
    sub_a1 = create_unit(code="A1", name="甲一支行", kind=UnitKind.SUB_BRANCH, parent=branch_a)
    outlet_a1_1 = create_unit(
        code="A1-1",
        name="甲一支行营业部",
        kind=UnitKind.OUTLET,
        parent=sub_a1,
        head_name="王主任",
        head_phone="13900000001",
        enquiry_name="李经理",
        enquiry_phone="02787654321",
    )
    outlet_a1_2 = create_unit(code="A1-2", name="甲一支行东湖网点", kind=UnitKind.OUTLET, parent=sub_a1)
    dept_a_pb = create_unit(
        code="A-PB",
        name="甲分行个人金融部",
        kind=UnitKind.DEPARTMENT,
        parent=branch_a,
        function=DepartmentFunction.PERSONAL_BANKING,
    )
    branch_b = create_unit(code="B", name="乙分行", kind=UnitKind.BRANCH, parent=province)
    sub_b1 = create_unit(code="B1", name="乙一支行", kind=UnitKind.SUB_BRANCH, parent=branch_b)
    outlet_b1_1 = create_unit(code="B1-1", name="乙一支行营业部", kind=UnitKind.OUTLET, parent=sub_b1)

    def staff(username, name, unit, *roles):
        return create_staff(username=username, name=name, unit=unit, roles=roles, password=PASSWORD)

    bank = Bank(
        head_office=ho,
        office_dept=office_dept,
        province=province,
        branch_a=branch_a,
        sub_branch_a1=sub_a1,
        outlet_a1_1=outlet_a1_1,
        outlet_a1_2=outlet_a1_2,
        dept_a_pb=dept_a_pb,
        branch_b=branch_b,
        sub_branch_b1=sub_b1,
        outlet_b1_1=outlet_b1_1,
        teller=staff("teller", "柜员小刘", outlet_a1_1, Role.OUTLET_STAFF),
        outlet_head=staff("outlet_head", "王主任", outlet_a1_1, Role.OUTLET_HEAD),
        subject=staff("subject", "柜员小赵", outlet_a1_1, Role.OUTLET_STAFF),
        handler=staff("handler", "个金部经办", dept_a_pb, Role.HANDLER),
        branch_group=staff("branch_group", "甲分行工作小组", branch_a, Role.WORK_GROUP),
        province_group=staff("province_group", "省行工作小组", province, Role.WORK_GROUP_LEADER),
        office=staff("office", "监察室", office_dept, Role.SUPERVISION_OFFICE),
        outsider=staff("outsider", "乙分行柜员", outlet_b1_1, Role.OUTLET_STAFF),
        auditor=staff("auditor", "审计", ho, Role.AUDITOR),
        admin=staff("admin", "系统管理员", ho, Role.ADMIN),
        branch_a_group=WorkGroup.objects.create(unit=branch_a, name="甲分行投诉受理工作小组"),
    )
    add_work_group_member(bank.branch_a_group, bank.branch_group, WorkGroupPosition.MEMBER)
    return bank


def active_plan(bank: Bank, *, units=("A",), starts_at=None, ends_at=None, **limits):
    """An emergency plan over `units` (codes), drafted by the supervision office, approved by the provincial
    work group's leader and active; its window from a day ago to a day ahead unless given."""
    now = timezone.now()
    plan = plans.draft(
        bank.office,
        plans.PlanData(
            name="核心系统切换应急预案",
            event="核心系统切换",
            starts_at=starts_at or now - dt.timedelta(days=1),
            ends_at=ends_at or now + dt.timedelta(days=1),
            units=list(units),
            limits=limits,
            hotline="027-96000",
            command_centre="027-88880000",
            spokesperson_phone="027-88880001",
            work_groups=[{"level": "branch", "unit": "A", "name": bank.branch_a_group.name}],
        ),
    )
    plans.approve(bank.province_group, plan)
    return plans.activate(bank.office, plan)
