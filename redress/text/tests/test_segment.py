from pathlib import Path

import jieba
import pytest

from redress.text import segment
from redress.text.segment import normalise, query_words, search_words, tokens, words


def test_bank_terms_stay_whole():
    assert "存折打印机" in words("我的存折打印机坏了")
    assert "口头挂失" in words("昨天办了口头挂失")


def test_search_words_include_the_words_inside_a_long_word():
    indexed = search_words("网点的存折打印机坏了")
    assert "存折打印机" in indexed
    assert "打印机" in indexed
    assert "存折" in indexed


def test_stop_words_and_punctuation_are_not_content_words():
    assert words("我的，存折！") == ["存折"]


def test_tokens_keep_the_negation_the_phrase_rules_need():
    assert "不会" in tokens("我不会找媒体")


def test_full_width_letters_and_digits_are_one_word_with_ascii():
    assert normalise("ＡＴＭ１２３") == "atm123"
    assert "atm" in words("ＡＴＭ吞卡了")


def test_query_words_each_once():
    assert query_words("信用卡 信用卡年费") == ["信用卡", "年费"]


def test_the_compact_dictionary_cuts_every_text_as_jiebas_own_dictionary_does(tmp_path):
    # jieba's own tokenizer, its dict of words and prefixes, with the bank's terms as a user dictionary; the
    # texts: every Chinese message of the application and the bank's terms in a sentence.
    own = jieba.Tokenizer()
    own.tmp_dir = str(tmp_path)
    own.initialize()
    own.load_userdict(str(segment.BANK_TERMS))
    catalogue = Path(segment.__file__).parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    texts = [
        line.split('"', 1)[1].rstrip('"')
        for line in catalogue.read_text(encoding="utf-8").splitlines()
        if line.startswith("msgstr ")
    ]
    texts += [f"客户反映{word}办理业务时出现问题" for word, _n in segment._entries(segment.BANK_TERMS)]
    texts = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert len(texts) > 1000
    ours = segment.tokenizer()
    for text in texts:
        assert ours.lcut(text) == own.lcut(text), text
        assert ours.lcut_for_search(text) == own.lcut_for_search(text), text


def test_a_bank_term_without_a_frequency_is_refused_by_line(tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("存折 3000 n\n补打\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"terms\.txt, line 2"):
        list(segment._entries(terms))
