"""`GET /api/v1/cases?q=…` (issue 13): Chinese words found inside sentences, best match first unless a sort
is given, the same answer shape, and never a case hidden from the caller."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["number"] for c in response.json()["items"]]


@pytest.fixture
def printers(bank):
    now = timezone.now()
    about_it = bank.register(
        matter="存折打印机坏了，打印机三天没修好，打印机旁没人引导。", received_at=now - dt.timedelta(days=2)
    )
    passing = bank.register(
        matter="顺便问了打印机，主要是柜员态度差。", received_at=now - dt.timedelta(days=1)
    )
    bank.register(matter="信用卡年费未经告知即被扣收。")
    return about_it, passing


def test_q_finds_the_word_inside_sentences_best_match_first(bank, as_staff, printers):
    about_it, passing = printers
    response = as_staff(bank.office).get(URL, {"q": "打印机"})
    assert listed(response) == [about_it.number, passing.number]
    assert response.json()["count"] == 2
    assert set(response.json()["items"][0]) >= {"number", "matter", "demand", "state"}


def test_a_sort_given_beats_relevance(bank, as_staff, printers):
    about_it, passing = printers
    assert listed(as_staff(bank.office).get(URL, {"q": "打印机", "sort": "-received_at"})) == [
        passing.number,
        about_it.number,
    ]


def test_q_never_finds_a_case_hidden_from_the_caller(bank, as_staff):
    bank.register(subject_staff="subject", matter="柜员小赵办理存折打印机补登时态度恶劣。")
    other = bank.register(
        actor=bank.outsider, subject_unit=bank.outlet_b1_1.code, matter="乙分行存折打印机坏了。"
    )
    assert listed(as_staff(bank.subject).get(URL, {"q": "打印机"})) == []
    assert listed(as_staff(bank.outsider).get(URL, {"q": "打印机"})) == [other.number]


def test_q_without_words_is_a_422_naming_q(bank, as_staff):
    response = as_staff(bank.office).get(URL, {"q": "。。。"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["q"]
