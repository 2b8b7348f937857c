"""The dashboard page: who lands on it, what it shows, and that its figures link to their registers."""

import re

import pytest
from django.urls import reverse

from redress.lifecycle import perform

pytestmark = pytest.mark.django_db

REPLY = {"method": "written", "content": "经核实，已为您办理。"}


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["office", "branch_group", "province_group"])
def test_leaders_the_office_and_work_groups_land_on_the_dashboard(client, bank, who):
    response = logged_in(client, getattr(bank, who)).get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")


@pytest.mark.parametrize("who", ["teller", "handler", "outlet_head"])
def test_tellers_and_handlers_keep_the_register(client, bank, who):
    response = logged_in(client, getattr(bank, who)).get(reverse("web:home"))
    assert response.status_code == 200
    assert "table" in response.content.decode() or "登记簿" in response.content.decode()


def test_the_page_draws_from_its_own_data_and_every_number_is_a_link(client, bank):
    case = perform("accept", bank.teller, bank.register(channel="phone"))
    perform("reply", bank.teller, case, REPLY)
    bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    html = logged_in(client, bank.office).get(reverse("web:dashboard"), {"unit": "A"}).content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    assert "/static/web/vendor/echarts.min.js" in html and "/static/web/dashboard.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids them
    assert "甲分行 统计看板" in html
    assert 'href="/cases/?registered_in=A&amp;' in html
    # The heat table: A's children, each number a link to its register.
    assert re.search(r'<tr data-unit="A1">.*?heat-5"><a href="/cases/\?registered_in=A1&amp;', html, re.S)
    for identifier in ("replied_on_time", "follow_ups_", "escalated_"):
        assert f">{identifier}" not in html  # labels in words, never identifiers


def test_a_unit_out_of_sight_is_not_found(client, bank):
    response = logged_in(client, bank.outsider).get(reverse("web:dashboard"), {"unit": "A"})
    assert response.status_code == 404


def test_a_bad_period_is_said_and_the_default_shown(client, bank):
    response = logged_in(client, bank.office).get(reverse("web:dashboard"), {"from": "someday"})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.content.decode()
