"""The zh-Hans message catalogue stays one catalogue: parallel work appends to its end and git merges it by
union (.gitattributes), so a message translated twice would be kept twice. Each message appears once."""

from collections import Counter
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _keys(lines: list[str]) -> list[str]:
    """Each entry's msgctxt and msgid (continuation lines included); comments (`# | msgid …`) are not keys."""
    keys, context, i = [], "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("msgctxt "):
            context = line
        elif line.startswith("msgid "):
            key = [context, line]
            while i + 1 < len(lines) and lines[i + 1].startswith('"'):
                i += 1
                key.append(lines[i])
            keys.append("\n".join(key))
            context = ""
        i += 1
    return keys


def test_every_message_is_translated_once():
    keys = _keys(CATALOGUE.read_text(encoding="utf-8").splitlines())
    twice = [key for key, n in Counter(keys).items() if n > 1 and key != '\nmsgid ""']
    assert not twice, twice
