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
