"""Listed phrases found in words, not in characters: a media threat or a named newspaper (R5.2).

Three rules on top of the segmented text (`segment.tokenizer`):
- a phrase must begin where a word begins and end where a word ends, or begin a longer word that is not one of
  the bank's own terms: 发帖 is found in 发帖子, but 网上 is not found in 网上银行;
- the text is read clause by clause (split at punctuation), so a negation never reaches across a comma;
- a phrase right after a negation (不会, 没有, 不打算…), with only bridge words between them (去, 找, 向…),
  is denied: "我不会找媒体" is not a threat, while "不给我解决就去曝光" is (就 ends the negation's reach).
The phrase lists themselves are versioned data of the escalation rules; the negation and bridge words are
language, in `data/negation.txt`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from redress.text.segment import BANK_TERMS, normalise, tokenizer

DATA = Path(__file__).parent / "data"

_CLAUSE = re.compile(r"[，。！？；：、,.!?;:\n\r]+")
_LOOK_BACK = 4  # words; a negation further back than this denies something else


@cache
def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    lists: dict[str, set[str]] = {"negations": set(), "bridges": set()}
    current = None
    for line in (DATA / "negation.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = lists[line[1:-1]]
        elif current is not None:
            current.add(line)
    return frozenset(lists["negations"]), frozenset(lists["bridges"])


@cache
def _bank_terms() -> frozenset[str]:
    return frozenset(
        line.split()[0] for line in BANK_TERMS.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def _denied(words: list[tuple[str, int, int]], at: int, phrases: frozenset[str]) -> bool:
    negations, bridges = _word_lists()
    for word, _start, _end in reversed(words[:at][-_LOOK_BACK:]):
        if word in negations:
            return True
        if word not in bridges and word not in phrases:
            return False
    return False


def _found_in(clause: str, phrase: str, listed: frozenset[str]) -> bool:
    words = list(tokenizer().tokenize(clause))
    index_at = {start: i for i, (_w, start, _e) in enumerate(words)}
    word_ending = {end for _w, _s, end in words}
    terms = _bank_terms()
    position = clause.find(phrase)
    while position >= 0:
        first = index_at.get(position)
        if first is not None:
            end = position + len(phrase)
            inside = next((w for w, s, e in words if s < end < e), None)
            whole = end in word_ending or (inside is not None and inside not in terms)
            if whole and not _denied(words, first, listed):
                return True
        position = clause.find(phrase, position + 1)
    return False


def phrase_hits(text: str, phrases: list[str]) -> list[str]:
    """The listed phrases the text says (in the list's order, each once), by the rules above."""
    wanted = [(p, normalise(p).strip()) for p in phrases if p and p.strip()]
    listed = frozenset(n for _p, n in wanted)
    clauses = [c for c in _CLAUSE.split(normalise(text)) if c.strip()]
    return [p for p, n in wanted if any(n in c and _found_in(c, n, listed) for c in clauses)]
