"""Chinese word segmentation: the one place text becomes words, for search, similarity and the phrase rules.

jieba does the segmentation; the bank's own products and terms (`data/bank_terms.txt`, jieba's dictionary
format `word frequency tag`) are added so that 存折打印机 or 口头挂失 stay whole. One tokenizer per process,
built on first use (about half a second), so that processes that never read Chinese never pay for it.

jieba keeps its 350,000 words as a Python dict of every word and every prefix of one: 55 MiB in each web
worker, Celery worker and sidecar. Here the same words and frequencies live in a marisa trie (1.5 MiB) and a
table of log-frequencies; jieba's own code still does the cutting, and the words it cuts are the same
(`test_segment.py` holds it to jieba's own dictionary). A lookup in the trie costs more than in a dict:
segmenting is about a third slower, a few hundredths of a millisecond per registration.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import jieba
import marisa_trie

DATA = Path(__file__).parent / "data"
BANK_TERMS = DATA / "bank_terms.txt"
STOPWORDS = DATA / "stopwords.txt"
JIEBA_WORDS = Path(jieba.__file__).parent / "dict.txt"

# jieba announces its dictionary on the root of its own logger at DEBUG/INFO; not ours to show.
jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _entries(path: Path) -> Iterator[tuple[str, int]]:
    """(word, frequency) of each line of a dictionary in jieba's format; a word needs a frequency of 1 or more
    (jieba reads 0 as "always split", which no term of ours means)."""
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) < 1:
                raise ValueError(f"{path.name}, line {number}: a word needs a frequency of 1 or more")
            yield parts[0], int(parts[1])


class _Membership:
    """What jieba's cutting asks of its word table besides `get_DAG` and `calc`: only whether a piece is a
    word (`FREQ.get(piece)` taken as true or false), answered by the trie."""

    __slots__ = ("get",)

    def __init__(self, trie: marisa_trie.Trie) -> None:
        self.get = trie.__contains__


class _Tokenizer(jieba.Tokenizer):
    """jieba's tokenizer reading its words from a trie (`build`) instead of its dict of words and prefixes."""

    def build(self, words: Path, terms: Path) -> None:
        """jieba's dictionary `words` with the bank's `terms`: a term's frequency replaces the word's, and
        every line counts in the total, as jieba's `load_userdict` has it."""
        # `words` read twice rather than held in a dict: a dict of 350,000 words, freed, leaves its memory
        # behind.
        term_lines = list(_entries(terms))
        by_term = dict(term_lines)
        total = sum(frequency for _word, frequency in term_lines)

        def all_words() -> Iterator[str]:
            nonlocal total
            for word, frequency in _entries(words):
                total += frequency
                yield word
            yield from by_term

        trie = marisa_trie.Trie(all_words(), num_tries=1)
        # As jieba's `calc` weighs a word: log(frequency) - log(total), the same floating-point operations.
        log_total = math.log(total)
        weights = array("d", bytes(8 * len(trie)))
        for word, frequency in _entries(words):
            if word not in by_term:
                weights[trie[word]] = math.log(frequency) - log_total
        for word, frequency in by_term.items():
            weights[trie[word]] = math.log(frequency) - log_total
        self.trie, self.weights, self.unknown = trie, weights, math.log(1) - log_total
        self.FREQ, self.total, self.initialized = _Membership(trie), total, True

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        # From each position, where each dictionary word starting there ends (or the one character).
        prefixes = self.trie.prefixes
        return {k: [k + len(w) - 1 for w in prefixes(sentence[k:])] or [k] for k in range(len(sentence))}

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict) -> None:
        # jieba's route: from the end, the best-weighted word at each position (ties to the longer word).
        n = len(sentence)
        route[n] = (0, 0)
        ids, weights, unknown = self.trie.get, self.weights, self.unknown
        for start in range(n - 1, -1, -1):
            route[start] = max(
                (
                    (weights[i] if (i := ids(sentence[start : end + 1])) is not None else unknown)
                    + route[end + 1][0],
                    end,
                )
                for end in DAG[start]
            )


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                made = _Tokenizer()
                made.build(JIEBA_WORDS, BANK_TERMS)
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
    """The words of what a person typed into a search box, each once, in order. Stop words are not searched
    by (the index leaves them out): a search of nothing else has no words."""
    return list(dict.fromkeys(words(text)))


def joined(parts: Iterable[str]) -> str:
    """Words as one space-separated string: what a full-text index of a language with spaces expects."""
    return " ".join(parts)
