"""Text as it arrives: normalised once (`clean_text`), refused with a field message when it cannot be kept."""

import pytest

from redress.common.text import clean_text, fields_with_nul
from redress.common.validators import InvalidValue, normalise_id_number, normalise_phone


def test_a_control_character_is_refused_naming_it():
    with pytest.raises(InvalidValue) as err:
        clean_text("柜台\x07态度冷淡")
    assert "U+0007" in str(err.value)


def test_a_nul_is_refused():
    with pytest.raises(InvalidValue):
        clean_text("a\x00b")


def test_a_lone_surrogate_is_refused():
    with pytest.raises(InvalidValue):
        clean_text("a\ud800b")


def test_newlines_and_tabs_are_kept_and_windows_newlines_become_one():
    assert clean_text("  第一行\r\n第二行\r第三\t行  ") == "第一行\n第二行\n第三\t行"


def test_text_is_nfc_normalised():
    assert clean_text("e\u0301") == "\u00e9"


def test_a_text_over_its_limit_is_refused():
    assert clean_text("a" * 5, max_length=5) == "a" * 5
    with pytest.raises(InvalidValue):
        clean_text("a" * 6, max_length=5)


def test_fields_with_a_nul_are_named_with_dots():
    body = {"a": "ok", "b": {"c": "x\x00"}, "d": ["fine", "y\x00"], "k\x00": 1}
    # A NUL in a field's name is shown as U+FFFD, so the answer can name it.
    assert fields_with_nul(body) == ["b.c", "d.1", "k\ufffd"]


def test_full_width_digits_in_a_phone_number_become_ascii():
    assert normalise_phone("１３８ １２３４ ５６７８") == "13812345678"


def test_full_width_digits_in_an_id_number_become_ascii():
    assert normalise_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    # Other decimal digits (here Arabic-Indic) are read as the digits they are.
    assert normalise_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢x") == "11010519491231002X"
