"""The case page speaks the bank's language (issue 15 item 5): the history names people and units by their
names, triggers and limits in words; no username, unit code, policy key or Python structure."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from redress.lifecycle import perform

pytestmark = pytest.mark.django_db


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_the_history_and_the_clocks_are_in_words(client, bank):
    case = bank.register(demand="如果今天不解决，我就发到抖音上")  # a media threat: escalated step by step
    case = perform("accept", bank.teller, case)
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "handler": "handler"})
    perform("acknowledge", bank.handler, case)
    client.force_login(bank.office)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    history = _section(html, "history")
    # People and units by name.
    assert "甲分行个人金融部" in history and "个金部经办" in history and "柜员小刘" in history
    for raw in ("A-PB", ">handler<", ">teller<", "A1-1"):
        assert raw not in history, raw
    # The trigger and the steps in words, not identifiers or structures.
    assert "媒体威胁" in history or "媒体" in history
    assert "media_threat" not in history
    assert not re.search(r"[\[{]'|'[\]}]|from_level|to_level", history), history
    # Nor anywhere on the page: people and units are named, never "name (username)" or "name (code)".
    for raw in ("(teller)", "(handler)", "(A-PB)", "(A1-1)", "(subject)"):
        assert raw not in html, raw
    # Limits in words, not policy keys.
    clocks = _section(html, "clocks")
    assert "working_days" not in clocks and "calendar_days" not in clocks
    assert not re.search(r"\b[a-z]+\.[a-z_]+ v\d", clocks)
    assert "个工作日" in clocks or "个自然日" in clocks or "小时" in clocks


def test_a_limit_that_runs_to_midnight_is_shown_as_24_00_of_its_day():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.utils import timezone, translation

    from redress.web.templatetags.redress_web import due_by

    this_year = timezone.localdate().year
    midnight = dt.datetime(this_year, 12, 18, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with translation.override("zh-hans"):
        assert due_by(midnight) == "12月17日 24:00 前"
        assert due_by(midnight.replace(hour=17, minute=30)) == "12月18日 17:30 前"
        assert due_by(midnight.replace(year=this_year + 1)) == f"{this_year + 1}年12月17日 24:00 前"
    with translation.override("en"):
        assert due_by(midnight) == "by 12/17 24:00"
