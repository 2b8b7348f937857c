"""The test bank's own defaults: the suite must pass at whatever hour CI runs it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from redress import testing

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("hour, minute", [(0, 0), (0, 20), (0, 59), (1, 0), (12, 0), (23, 59)])
def test_the_test_banks_case_is_received_earlier_the_same_day_at_any_hour(monkeypatch, hour, minute):
    now = dt.datetime(2026, 12, 7, hour, minute, tzinfo=BEIJING)
    monkeypatch.setattr(timezone, "now", lambda: now.astimezone(dt.UTC))
    received = testing.earlier_today()
    assert received <= now
    assert received.astimezone(BEIJING).date() == now.date()
    assert now - received == min(dt.timedelta(hours=1), now - now.replace(hour=0, minute=0))
