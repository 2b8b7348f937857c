"""Chinese word segmentation: the one place text becomes words, for search, similarity and the phrase rules.

jieba does the segmentation; the bank's own products and terms (`data/bank_terms.txt`, jieba's dictionary
format `word frequency tag`) are added so that 存折打印机 or 口头挂失 stay whole. One tokenizer per process,
built on first use (about half a second), so that processes that never read Chinese never pay for it.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jieba

DATA = Path(__file__).parent / "data"
BANK_TERMS = DATA / "bank_terms.txt"
STOPWORDS = DATA / "stopwords.txt"

# jieba announces its dictionary on the root of its own logger at DEBUG/INFO; not ours to show.
jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                made = jieba.Tokenizer()
                made.initialize()
                made.load_userdict(str(BANK_TERMS))
                _tokenizer = made
    return _tokenizer


@cache
def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in STOPWORDS.read_text(encoding="utf-8").splitlines() if w.strip())


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case: 'ＡＴＭ' and 'atm' are one word."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_word(token: str) -> bool:
    # A word has at least one letter or digit: punctuation, spaces and symbols are not words.
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokens(text: str) -> list[str]:
    """Every word of the text in order, stop words included (the phrase rules need 不会 and 的)."""
    return [t for t in tokenizer().lcut(normalise(text)) if _is_word(t)]


def words(text: str) -> list[str]:
    """The content words of the text in order: what a matter is about, for similarity and suggestions."""
    stop = stopwords()
    return [t for t in tokens(text) if t not in stop]


def search_words(text: str) -> list[str]:
    """The words to index a text under: each word and the shorter words inside a long one (search mode), so a
    search for 打印机 finds 存折打印机."""
    stop = stopwords()
    return [t for t in tokenizer().lcut_for_search(normalise(text)) if _is_word(t) and t not in stop]


def query_words(text: str) -> list[str]:
    """The words of what a person typed into a search box, each once, in order."""
    seen: dict[str, None] = {}
    for t in words(text) or tokens(text):
        seen.setdefault(t, None)
    return list(seen)


def joined(parts: Iterable[str]) -> str:
    """Words as one space-separated string: what a full-text index of a language with spaces expects."""
    return " ".join(parts)
