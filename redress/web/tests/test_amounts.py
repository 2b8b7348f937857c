"""Amounts are written with a comma every three digits and two decimals, 1,234,567.80 元, in zh-Hans as in
English (issue 15 item 5): on the case page, its history, the compensation approval and the printed row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from redress.common.money import yuan
from redress.lifecycle import perform

pytestmark = pytest.mark.django_db


def test_yuan_groups_thousands_and_keeps_two_decimals():
    assert yuan(Decimal("1234567.8")) == "1,234,567.80 元"
    assert yuan("500") == "500.00 元" and yuan(0) == "0.00 元"
    assert yuan(None) == "—" and yuan("not a number") == "not a number"


def test_every_amount_on_the_case_page_and_the_printed_row_is_grouped(client, bank):
    case = perform("accept", bank.teller, bank.register(amount="1234567.8"))
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "handler": "handler"})
    perform(
        "approve_compensation",
        bank.handler,
        case,
        {"amount": "25000", "business_line": "A-PB", "approver_name": "个金部负责人"},
    )
    client.force_login(bank.teller)
    page = client.get(f"/cases/{case.number}").content.decode()
    assert "1,234,567.80 元" in page and "1234567.80" not in page
    assert "25,000.00 元" in page  # the approval's record and its event in the history
    printed = client.get(f"/cases/{case.number}/print/register").content.decode()
    assert "1,234,567.80 元" in printed
