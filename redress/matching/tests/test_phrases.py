import pytest

from redress.escalation.models import DEFAULT_MEDIA_PHRASES, DEFAULT_TOP_MEDIA_PHRASES
from redress.matching.phrases import phrase_hits

MEDIA = list(DEFAULT_MEDIA_PHRASES)


@pytest.mark.parametrize(
    "text",
    [
        "我不会找媒体的，只是希望尽快处理。",
        "我也不想闹到媒体那里",
        "我没有想过要找记者",
        "暂时不考虑曝光，先等你们答复",
        "我不会在网上发帖",
        # Negations segmented as one word, and a request that the bank keep it from the media.
        "客户绝不会找媒体",
        "客户称决不会去曝光",
        "客户要求我行不要把此事告诉媒体",
        "客户没说要找媒体，只是抱怨排队",
    ],
)
def test_a_denied_threat_is_not_a_threat(text):
    assert phrase_hits(text, MEDIA) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("不给我解决就去曝光", ["曝光"]),
        ("如果不处理我就上新闻", ["上新闻"]),
        ("我不会善罢甘休，我要找媒体", ["媒体"]),
        ("客户表示将联系媒体曝光此事。", ["媒体", "曝光"]),
        ("我要在网上发帖子曝光你们", ["曝光", "发帖", "网上"]),
        ("不排除向记者反映", ["记者"]),
        ("已经打了12378投诉", ["12378"]),
        # 不要 denies only what follows it: here it is the bank that must not push the customer.
        ("你们不要逼我找媒体", ["媒体"]),
    ],
)
def test_a_threat_is_found_in_words(text, expected):
    assert sorted(phrase_hits(text, MEDIA)) == sorted(expected)


def test_a_phrase_inside_a_bank_term_is_not_found():
    # 网上 (online) is listed for "I will post it online", not for online banking.
    assert phrase_hits("网上银行转账失败，钱没到账", MEDIA) == []


def test_full_width_text_matches_an_ascii_phrase():
    assert phrase_hits("我要打１２３７８", MEDIA) == ["12378"]


def test_named_national_media_are_found_and_can_be_denied():
    assert phrase_hits("我要向人民日报反映", list(DEFAULT_TOP_MEDIA_PHRASES)) == ["人民日报"]
    assert phrase_hits("我不会向人民日报反映", list(DEFAULT_TOP_MEDIA_PHRASES)) == []


def test_each_phrase_once_in_the_lists_order():
    assert phrase_hits("媒体，媒体，还是媒体", ["曝光", "媒体"]) == ["媒体"]
