"""The register's Chinese search (issue 13, item 1), on whichever database the suite runs on (SQLite FTS5 or
PostgreSQL tsvector): finding, ranking, scoping, keeping the index current, rebuilding it, showing matches."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from redress import lifecycle
from redress.access.visibility import visible_to
from redress.cases.register_query import RegisterFilter
from redress.common.errors import FieldErrors
from redress.matching.models import SearchEntry
from redress.text import fulltext

pytestmark = pytest.mark.django_db

REPORT = {
    "findings": "经核查，网点存折打印机色带老化导致打印不清。",
    "staff_handling": "对网点负责人进行提醒。",
    "lessons": "设备巡检不到位。",
    "rectification": "已更换色带，并建立每周巡检制度。",
    "customer_satisfaction": "satisfied",
    "handler_name": "李晓燕",
    "handler_phone": "02785561234",
}


def found(user, **params) -> list[str]:
    return [c.number for c in RegisterFilter.from_params(params).apply(visible_to(user))]


def test_a_word_inside_a_longer_chinese_sentence_is_found(bank):
    printer = bank.register(matter="网点的存折打印机坏了，补登存折排了半小时队。")
    bank.register(matter="信用卡年费未经告知即被扣收。")
    assert found(bank.office, q="打印机") == [printer.number]
    assert found(bank.office, q="存折") == [printer.number]
    # A query segmented into a bank term still finds a text that holds the term's parts apart.
    apart = bank.register(matter="存折无法补登，打印机一直卡纸。")
    assert set(found(bank.office, q="存折打印机")) == {printer.number, apart.number}


def test_a_word_is_found_by_its_parts_only_when_they_make_up_the_whole_word(bank):
    assert fulltext.parse("存折打印机").terms == (fulltext.Term("存折打印机", ("存折", "打印机")),)
    assert fulltext.parse("信用卡").terms == (fulltext.Term("信用卡"),)
    assert fulltext.parse("打印机").terms == (fulltext.Term("打印机"),)
    card = bank.register(matter="信用卡被盗刷。")
    bank.register(matter="个人信用记录有误。")
    assert found(bank.office, q="信用卡") == [card.number]


def test_the_banks_own_terms_stay_whole_after_any_character(bank):
    # Without 车贷 among the bank's terms, "来电称车贷…" was cut 称车 / 贷 and the loan was not found.
    loan = bank.register(matter="客户来电称车贷额度被无故降低。")
    assert found(bank.office, q="车贷") == [loan.number]


def test_every_word_of_the_query_must_be_found(bank):
    both = bank.register(matter="手机银行跨行转账失败，钱被扣了。")
    bank.register(matter="手机银行登录时一直提示密码错误。")
    assert found(bank.office, q="手机银行 转账") == [both.number]


def test_the_better_match_ranks_first_whatever_the_date(bank):
    now = timezone.now()
    about_it = bank.register(
        matter="存折打印机坏了，打印机维修三天都没修好，打印机旁也没人引导。",
        received_at=now - dt.timedelta(days=2),
    )
    passing = bank.register(
        matter="办理存款时顺便问了打印机的事，主要是柜员态度冷淡。", received_at=now - dt.timedelta(days=1)
    )
    # Newest first would put `passing` first; relevance puts the matter about printers first.
    assert found(bank.office, q="打印机") == [about_it.number, passing.number]
    assert found(bank.office, q="打印机", sort="-received_at") == [passing.number, about_it.number]
    # The matter counts above the reply: a case that only mentions the word in its reply comes last.
    replied_about = bank.register(matter="柜员服务态度差。")
    replied_about = lifecycle.perform("accept", bank.teller, replied_about)
    lifecycle.perform(
        "reply", bank.teller, replied_about, {"method": "phone", "content": "已安排维修打印机。"}
    )
    assert found(bank.office, q="打印机") == [about_it.number, passing.number, replied_about.number]


def test_an_asked_for_sort_beats_relevance(bank):
    passing = bank.register(matter="顺便问了打印机的事，主要是柜员态度冷淡。")
    about_it = bank.register(matter="存折打印机坏了，打印机维修三天都没修好。")
    assert found(bank.office, q="打印机", sort="number") == sorted([passing.number, about_it.number])
    assert found(bank.office, q="打印机", sort="-number") == sorted([passing.number, about_it.number])[::-1]


def test_search_never_returns_a_case_hidden_from_the_caller(bank):
    about_subject = bank.register(matter="柜员小赵办理挂失时态度恶劣。", subject_staff="subject")
    other_branch = bank.register(
        actor=bank.outsider, subject_unit=bank.outlet_b1_1.code, matter="乙分行网点挂失业务办理太慢。"
    )
    own = bank.register(matter="口头挂失后仍被盗刷，网点未及时处理挂失。")
    # The person complained about never finds the case about them; a teller of another branch finds only
    # their branch's case; the supervision office finds all three.
    assert found(bank.subject, q="挂失") == [own.number]
    assert found(bank.outsider, q="挂失") == [other_branch.number]
    assert set(found(bank.office, q="挂失")) == {about_subject.number, other_branch.number, own.number}
    assert found(bank.subject, q=about_subject.number) == []


def test_search_combines_with_the_registers_filters(bank):
    by_phone = bank.register(matter="ATM吞卡后无人处理。", channel="phone")
    at_counter = bank.register(matter="ATM吞卡，要求尽快退卡。", channel="counter")
    assert found(bank.office, q="吞卡", channel="phone") == [by_phone.number]
    assert found(bank.office, q="吞卡", channel="counter") == [at_counter.number]
    assert found(bank.office, q="吞卡", unit="B") == []


def test_a_case_number_is_still_found_by_its_number(bank):
    case = bank.register(matter="信用卡年费争议。")
    bank.register(matter="信用卡年费争议。")
    assert found(bank.office, q=case.number.lower()) == [case.number]
    assert found(bank.office, q=f"{case.number} 年费") == [case.number]
    assert found(bank.office, q=f"{case.number} 打印机") == []


def test_a_query_without_words_is_a_field_error(bank):
    with pytest.raises(FieldErrors) as refused:
        RegisterFilter.from_params({"q": "，。！？"})
    assert list(refused.value.errors) == ["q"]


def test_a_query_longer_than_a_search_box_is_a_field_error(bank):
    RegisterFilter.from_params({"q": "打印机" * 66})
    with pytest.raises(FieldErrors) as refused:
        RegisterFilter.from_params({"q": "打印机" * 67})
    assert list(refused.value.errors) == ["q"]


def test_the_index_follows_the_result_report_and_the_reply(bank):
    case = lifecycle.perform("accept", bank.teller, bank.register(matter="补登存折时机器吐不出存折。"))
    assert found(bank.office, q="色带") == []
    case = lifecycle.perform("transfer", bank.teller, case, {"to_unit": bank.dept_a_pb.code})
    case = lifecycle.perform("acknowledge", bank.handler, case)
    case = lifecycle.perform("report", bank.handler, case, REPORT)
    assert found(bank.office, q="色带") == [case.number]
    assert found(bank.office, q="巡检制度") == [case.number]
    lifecycle.perform("reply", bank.handler, case, {"method": "phone", "content": "已为您免费更换新存折。"})
    assert found(bank.office, q="新存折") == [case.number]
    # The matter is still found: the reply added to the case's words, it did not replace them.
    assert found(bank.office, q="补登") == [case.number]


def test_an_action_that_writes_no_searched_text_leaves_the_index_alone(bank):
    case = bank.register(matter="网点排队时间太长。")
    before = SearchEntry.objects.get(case=case)
    lifecycle.perform("accept", bank.teller, case)
    after = SearchEntry.objects.get(case=case)
    assert (after.matter_words, after.handling_words) == (before.matter_words, before.handling_words)
    declared = {name for name, action in lifecycle.ACTIONS.items() if action.reindexes}
    assert declared == {"report", "reply", "explain", "answer_on_spot"}


def test_reindex_rebuilds_the_index_from_the_cases(bank, capsys):
    printer = bank.register(matter="网点的存折打印机坏了。")
    annual_fee = bank.register(matter="信用卡年费未经告知即被扣收。")
    # As after a bulk load or an index lost: no entries, nothing found.
    SearchEntry.objects.all().delete()
    assert found(bank.office, q="打印机") == []
    call_command("reindex_search", batch_size=1)
    assert "Indexed 2 cases." in capsys.readouterr().out
    assert found(bank.office, q="打印机") == [printer.number]
    assert found(bank.office, q="年费") == [annual_fee.number]
    # Stale words (a dictionary changed since) are replaced, and a second run changes nothing.
    SearchEntry.objects.filter(case=printer).update(matter_words="旧词")
    call_command("reindex_search")
    call_command("reindex_search")
    assert found(bank.office, q="旧词") == []
    assert found(bank.office, q="打印机") == [printer.number]
    assert SearchEntry.objects.count() == 2


def test_reindex_refuses_a_batch_of_nothing(bank):
    with pytest.raises(CommandError):
        call_command("reindex_search", batch_size=0)


def test_the_highlight_escapes_the_text_before_marking_it():
    query = fulltext.parse("打印机")
    shown = fulltext.highlight("<script>alert(1)</script>存折打印机坏了 & 没人管", query.words)
    assert "<script>" not in shown
    assert shown == "&lt;script&gt;alert(1)&lt;/script&gt;存折<mark>打印机</mark>坏了 &amp; 没人管"


def test_the_highlight_ignores_case_and_width_and_keeps_the_original_text():
    shown = fulltext.highlight("ＡＴＭ吞卡，atm无人管", fulltext.parse("ATM").words)
    assert shown == "<mark>ＡＴＭ</mark>吞卡，<mark>atm</mark>无人管"


def test_the_highlight_shows_the_first_match_in_a_long_text():
    text = "前面的话。" * 30 + "存折打印机坏了" + "后面的话。" * 30
    shown = fulltext.highlight(text, fulltext.parse("打印机").words, width=40)
    assert shown.startswith("…") and shown.endswith("…")
    assert "<mark>打印机</mark>" in shown
    assert len(shown.replace("<mark>", "").replace("</mark>", "")) == 42


def test_query_words_cannot_break_out_of_the_full_text_syntax(bank):
    bank.register(matter="网点的存折打印机坏了。")
    for hostile in ("打印机' | '", '打印机" OR "', "打印机) & !(", "a:b*", "NEAR(打印机"):
        RegisterFilter.from_params({"q": hostile}).apply(visible_to(bank.office)).count()


@pytest.mark.postgres
def test_postgres_finds_through_the_gin_index(bank):
    bank.register(matter="网点的存折打印机坏了。")
    sql, params = RegisterFilter(q="打印机").apply(visible_to(bank.office)).query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows would be read whole: make every way but the full-text index dear, so the plan
        # shows whether the search's condition can use it at all.
        for way in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on matching_search_document_idx" in plan, plan
