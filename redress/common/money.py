"""Amounts of money as the bank writes them: yuan with two decimals and a comma every three digits
(1,234,567.80 元), whatever the page's language — Django's zh-Hans format has no grouping at all."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def yuan(value, unit: str = " 元") -> str:
    """`value` (a Decimal, a number or its text) as "1,234,567.80 元"; "—" for none; the text itself when it
    is not a number."""
    if value is None or value == "":
        return "—"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return f"{amount:,.2f}{unit}"
