"""The register page's search (issue 13): matches shown highlighted and safe, best match first."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from redress.cases.models import Case
from redress.lifecycle import perform

pytestmark = pytest.mark.django_db


def register_page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("web:register"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_search_shows_where_each_case_matched_with_the_words_marked(client, bank):
    bank.register(matter="网点的存折<b>打印机</b>坏了，补登不了。")
    html = register_page(client, bank.office, q="打印机")
    # The matter's own markup is text; only the search's <mark> is markup.
    assert "存折&lt;b&gt;<mark>打印机</mark>&lt;/b&gt;坏了" in html
    assert "<b>打印机</b>" not in html


def test_a_case_found_by_its_demand_or_reply_shows_that_text_marked_and_named(client, bank):
    by_demand = bank.register(matter="信用卡年费被扣。", demand="要求退还并书面致歉。")
    by_reply = bank.register(matter="网点排队太久。")
    case = perform("accept", bank.teller, Case.objects.get(pk=by_reply.pk))
    perform("reply", bank.teller, case, {"method": "phone", "content": "已安排专人跟进，增开窗口。"})
    html = register_page(client, bank.office, q="专人跟进")
    assert '<span class="where">答复</span> 已安排<mark>专人</mark><mark>跟进</mark>，增开窗口。' in html
    assert "网点排队太久" not in html.split('class="match"')[1]
    html = register_page(client, bank.office, q="致歉")
    assert '<span class="where">要求</span> 要求退还并书面<mark>致歉</mark>。' in html
    assert by_demand.number in html


def test_without_a_search_the_register_shows_no_match_column(client, bank):
    bank.register(matter="网点的存折打印机坏了。")
    html = register_page(client, bank.office)
    assert "<mark>" not in html
    assert 'class="match"' not in html


def test_the_page_lists_the_best_match_first_unless_a_sort_is_chosen(client, bank):
    now = timezone.now()
    about_it = bank.register(
        matter="存折打印机坏了，打印机三天没修好，打印机旁没人引导。", received_at=now - dt.timedelta(days=2)
    )
    passing = bank.register(
        matter="顺便问了打印机，主要是柜员态度差。", received_at=now - dt.timedelta(days=1)
    )
    html = register_page(client, bank.office, q="打印机", sort="")
    assert html.index(about_it.number) < html.index(passing.number)
    html = register_page(client, bank.office, q="打印机", sort="-received_at")
    assert html.index(passing.number) < html.index(about_it.number)


def test_a_search_of_nothing_but_punctuation_is_named_beside_the_field(client, bank):
    html = register_page(client, bank.office, q="！？")
    assert "请输入要搜索的词语或案件编号。" in html


def test_a_search_of_nothing_but_common_words_says_so_beside_the_field(client, bank):
    bank.register(matter="我的存折打印机坏了。")
    html = register_page(client, bank.office, q="的 我")
    assert "“的、我”过于常见，无法据此搜索。" in html
    # Beside a word that is searched by, a common word is left out: the case is found.
    assert "存折<mark>打印机</mark>" in register_page(client, bank.office, q="的打印机")
