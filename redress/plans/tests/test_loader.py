"""`redress plans load FILE`: a plan from YAML, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from redress.plans.models import Plan, Statement

pytestmark = pytest.mark.django_db

PLAN = """
name: 核心系统切换应急预案
event: 核心系统切换
starts_at: 2026-12-12T00:00:00+08:00
ends_at: 2026-12-14T08:00:00+08:00
units: [A, B]
limits: {arrive_hours: 1, answer_hours: 4, report_hours: 8}
hotline: 027-96000
work_groups: [{level: branch, unit: A, name: 甲分行投诉受理工作小组}]
drafted_by: office
approved_by: province_group
activate: true
statements:
  - {plan_type: atm_unavailable, text: 切换期间请使用他行ATM。, approved_by: branch_group}
"""


def test_a_yaml_file_declares_approves_and_activates_a_plan_with_its_statements(bank, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    call_command("plans", "load", str(path))
    plan = Plan.objects.get()
    assert plan.state == "active" and plan.unit == bank.province
    assert sorted(plan.covered.values_list("unit__code", flat=True)) == ["A", "B"]
    assert Statement.objects.get(plan=plan).approved_by == bank.branch_group


def test_a_bad_file_writes_nothing_and_names_the_key(bank, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("approved_by: branch_group", "approved_by: teller") + "colour: red\n")
    with pytest.raises(CommandError, match="colour"):
        call_command("plans", "load", str(path))
    path.write_text(PLAN.replace("approved_by: branch_group", "approved_by: teller"))
    with pytest.raises(CommandError):
        call_command("plans", "load", str(path))
    assert not Plan.objects.exists()
