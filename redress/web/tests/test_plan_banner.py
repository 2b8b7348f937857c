"""While a plan is active, every page a covered unit's staff open shows it, its hotline and its approved
statements; nobody else's pages do (R9.1)."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from redress.plans import services as plans
from redress.testing import active_plan

pytestmark = pytest.mark.django_db


def zh(message: str) -> str:
    with override("zh-hans"):
        return gettext(message)


def test_a_covered_units_pages_show_the_plan_its_hotline_and_statements(client, bank):
    plan = active_plan(bank, units=("A",))
    plans.approve_statement(bank.branch_group, plan, "atm_unavailable", "切换期间请使用他行ATM。")
    client.force_login(bank.teller)
    case = bank.register()
    for url in (reverse("web:register"), reverse("web:new_case"), reverse("web:case", args=[case.number])):
        html = client.get(url).content.decode()
        assert plan.name in html and "027-96000" in html and "027-88880000" in html, url
        assert "切换期间请使用他行ATM。" in html, url


def test_pages_outside_the_covered_units_and_after_the_close_show_no_plan(client, bank):
    plan = active_plan(bank, units=("A",))
    client.force_login(bank.outsider)
    assert plan.name not in client.get(reverse("web:register")).content.decode()
    plans.close(bank.office, plan)
    client.force_login(bank.teller)
    assert plan.name not in client.get(reverse("web:register")).content.decode()


def test_the_command_centre_page_and_its_live_state(client, bank):
    plan = active_plan(bank, units=("A",))
    bank.register(plan_type="long_wait")
    client.force_login(bank.branch_group)
    html = client.get(reverse("web:plan_centre", args=[plan.pk])).content.decode()
    assert plan.name in html and 'data-plan-state="/plans/' in html and "<script>" not in html
    state = client.get(reverse("web:plan_state", args=[plan.pk])).json()
    assert state["open_cases"] == 1
    assert state["by_type"] == [{"plan_type": "long_wait", "label": zh("long wait"), "count": 1}]
    # The covered outlets without a duty log, by name (the API answers their codes).
    assert "甲一支行东湖网点" in state["without_duty_log"] and "A1-2" not in state["without_duty_log"]
    client.force_login(bank.outsider)
    assert client.get(reverse("web:plan_centre", args=[plan.pk])).status_code == 404
