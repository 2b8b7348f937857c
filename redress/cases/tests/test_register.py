import datetime as dt

import pytest
from django.utils import timezone

from redress.access.visibility import visible_to
from redress.cases.register_query import RegisterFilter, capped_count
from redress.common.errors import FieldErrors

pytestmark = pytest.mark.django_db


def numbers(bank, user, **params):
    return [c.number for c in RegisterFilter.from_params(params).apply(visible_to(user))]


def test_filters_by_unit_subtree_channel_and_phone(bank):
    a = bank.register(channel="phone")
    b = bank.register(
        actor=bank.outsider, subject_unit=bank.outlet_b1_1.code, complainant_phone="13900001111"
    )
    assert numbers(bank, bank.office, unit="A") == [a.number]
    assert numbers(bank, bank.office, unit="B1") == [b.number]
    assert numbers(bank, bank.office, channel="phone") == [a.number]
    assert numbers(bank, bank.office, phone="139 0000 1111") == [b.number]
    # Stored encrypted, a number is found whole only (decision 0031): a fragment is a field error.
    with pytest.raises(FieldErrors) as refused:
        numbers(bank, bank.office, phone="1111")
    assert "phone" in refused.value.errors


def test_free_text_matches_matter_and_demand(bank):
    a = bank.register(matter="ATM吞卡后无人处理", demand="尽快退卡")
    bank.register(matter="信用卡年费争议", demand="退还年费")
    assert numbers(bank, bank.office, q="吞卡") == [a.number]
    assert numbers(bank, bank.office, q="退卡") == [a.number]


def test_received_date_range_uses_beijing_days(bank):
    # 2026-03-01 23:30 Beijing is 15:30 UTC: it belongs to 1 March, not 2 March.
    late = bank.register(received_at=dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC))
    bank.register(received_at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC))
    assert numbers(bank, bank.office, received_from="2026-03-01", received_to="2026-03-01") == [late.number]


def test_sorting_oldest_first(bank):
    now = timezone.now()
    old = bank.register(received_at=now - dt.timedelta(days=3))
    new = bank.register(received_at=now - dt.timedelta(days=1))
    assert numbers(bank, bank.office) == [new.number, old.number]
    assert numbers(bank, bank.office, sort="received_at") == [old.number, new.number]


def test_bad_parameters_are_named(bank):
    with pytest.raises(FieldErrors) as err:
        RegisterFilter.from_params(
            {"channel": "fax", "received_from": "yesterday", "unit": "NOPE", "sort": "x"}
        )
    assert set(err.value.errors) == {"channel", "received_from", "unit", "sort"}


def test_count_is_capped(bank):
    for _ in range(3):
        bank.register()
    assert capped_count(visible_to(bank.office), cap=2) == (2, True)
    assert capped_count(visible_to(bank.office), cap=5) == (3, False)
