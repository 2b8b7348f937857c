"""Full-text search in Chinese words, without models: how a search box's text becomes a query, the SQL that
finds and ranks the cases it matches, and how a match is shown (issue 13).

A case is indexed under the segmented words (`segment.search_words`) of its texts, one row per case in the
table `matching_searchentry` (written by `redress.matching.search`), with the database's own full-text
index over it: PostgreSQL a generated tsvector `document` under a GIN index, ranked by ts_rank; SQLite an
FTS5 table `matching_search_fts`, ranked by bm25. Finding a word costs an index lookup, not a scan.

A search is every word of the query (AND); a word is found as itself or, when the text was segmented
differently, as all of the longest words inside it (存折打印机 also finds 存折 … 打印机). Case numbers are
the register's business (`redress.cases.register_query`): this module knows words only, and sits below the
cases app, knowing the index table and the case's relation to it (`search_entry`) by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BooleanField, Expression, F, FloatField, QuerySet
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .segment import normalise, query_words, search_words

# Relative weight of the handling texts against the matter on SQLite (PostgreSQL: weights B against A,
# ts_rank's defaults 0.4 against 1.0).
_HANDLING_WEIGHT = 0.4


@dataclass(frozen=True)
class Term:
    """One word of the query, and the longest words inside it that a text segmented otherwise holds."""

    word: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def words(self) -> list[str]:
        """Every word a match may show: the query's words and their parts."""
        return [w for t in self.terms for w in (t.word, *t.parts)]

    @property
    def empty(self) -> bool:
        return not self.terms


def parse(text: str) -> Query:
    """The query a search box's text asks for: its words, each with the words inside it."""
    return Query(terms=tuple(Term(word, _parts(word)) for word in query_words(text)))


def _parts(word: str) -> tuple[str, ...]:
    """The longest words inside `word` in search mode when they make up the whole of it, in order
    (存折打印机 → 存折, 打印机; 态度恶劣 → 态度, 恶劣), else none: 信用卡 holds only 信用, and a text that
    has 信用 is not about a 信用卡."""
    inside = [w for w in dict.fromkeys(search_words(word)) if w != word]
    longest = tuple(w for w in inside if not any(w != o and w in o for o in inside))
    return longest if len(longest) > 1 and "".join(longest) == word else ()


# ---- finding and ranking --------------------------------------------------------------------------------


def tsquery(query: Query) -> str:
    """The query as PostgreSQL's `to_tsquery('simple', …)` reads it: every term, each term its word or all
    the words it is made of (`parse`)."""

    def lexeme(word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"

    def term(t: Term) -> str:
        if not t.parts:
            return lexeme(t.word)
        return f"({lexeme(t.word)} | ({' & '.join(lexeme(p) for p in t.parts)}))"

    return " & ".join(term(t) for t in query.terms)


def _fts_query(query: Query) -> str:
    def phrase(word: str) -> str:
        return '"' + word.replace('"', '""') + '"'

    def term(t: Term) -> str:
        if not t.parts:
            return phrase(t.word)
        return f"({phrase(t.word)} OR ({' AND '.join(phrase(p) for p in t.parts)}))"

    return " AND ".join(term(t) for t in query.terms)


class _OnEntry(Expression):
    """SQL over the case's search entry, which the ORM joins by `search_entry__…` (an inner join on the
    primary key); the database's own full-text objects are not Django fields, so they are named here."""

    def __init__(self, query: Query, output_field):
        super().__init__(output_field=output_field)
        self.query = query
        self.entry = F("search_entry__matter_words")

    def get_source_expressions(self):
        return [self.entry]

    def set_source_expressions(self, exprs):
        (self.entry,) = exprs

    def _alias(self, compiler) -> str:
        return compiler.quote_name(self.entry.alias)

    def as_sql(self, compiler, connection):
        raise NotImplementedError(f"search needs PostgreSQL or SQLite, not {connection.vendor}")


class _Matches(_OnEntry):
    conditional = True

    def __init__(self, query: Query):
        super().__init__(query, BooleanField())

    def as_postgresql(self, compiler, connection):
        return f"{self._alias(compiler)}.\"document\" @@ to_tsquery('simple', %s)", [tsquery(self.query)]

    def as_sqlite(self, compiler, connection):
        return (
            f'{self._alias(compiler)}."case_id" IN '
            "(SELECT rowid FROM matching_search_fts WHERE matching_search_fts MATCH %s)",
            [_fts_query(self.query)],
        )


class _Relevance(_OnEntry):
    """Higher is better: ts_rank over the weighted words (normalised by 1 + log of the text's length, so a
    long reply does not outrank a short matter about exactly this); on SQLite bm25, whose lower is better."""

    def __init__(self, query: Query):
        super().__init__(query, FloatField())

    def as_postgresql(self, compiler, connection):
        return f"ts_rank({self._alias(compiler)}.\"document\", to_tsquery('simple', %s), 1)", [
            tsquery(self.query)
        ]

    def as_sqlite(self, compiler, connection):
        return (
            f"(SELECT -bm25(matching_search_fts, 1.0, {_HANDLING_WEIGHT}) FROM matching_search_fts "
            f'WHERE matching_search_fts MATCH %s AND rowid = {self._alias(compiler)}."case_id")',
            [_fts_query(self.query)],
        )


def matching(cases: QuerySet, query: Query) -> QuerySet:
    """The cases of `cases` (already scoped by visibility) that hold every word of the query."""
    return cases.filter(_Matches(query)) if query.terms else cases


def by_relevance(cases: QuerySet, query: Query) -> QuerySet:
    """`cases` best match first, then newest first among equals."""
    if not query.terms:
        return cases.order_by("-received_at", "-id")
    return cases.order_by(_Relevance(query).desc(), "-received_at", "-id")


# ---- showing a match ------------------------------------------------------------------------------------


def highlight(text: str, words: Sequence[str], width: int | None = None) -> SafeString:
    """`text` with each found word marked: escaped first, then wrapped in <mark>, so the text's own markup
    is shown as text. Words are found as the search finds them, ignoring case and full/half width. With
    `width`, only about that many characters around the first match are shown."""
    text = text or ""
    spans = _spans(text, words)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 3, len(text) - width))
        end = start + width
    out, at = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        # format_html escapes each piece of the text: only the <mark> is markup.
        out.append(format_html("{}<mark>{}</mark>", text[at:a], text[a:b]))
        at = b
    out.append(conditional_escape(text[at:end]))
    return format_html(
        "{}{}{}",
        "…" if start > 0 else "",
        format_html_join("", "{}", ((part,) for part in out)),
        "…" if end < len(text) else "",
    )


def _spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where the words occur in `text`, as non-overlapping (start, end) in the original text, in order."""
    wanted = sorted({normalise(w) for w in words if w and normalise(w)}, key=len, reverse=True)
    if not wanted:
        return []
    # Normalising may change a character's length (NFKC): keep where each normalised character came from.
    chars, origin = [], []
    for i, ch in enumerate(text):
        n = normalise(ch)
        chars.append(n)
        origin.extend([i] * len(n))
    pattern = re.compile("|".join(re.escape(w) for w in wanted))
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer("".join(chars))]


def first_found(texts: Sequence[tuple[str, str]], query: Query) -> tuple[str, str] | None:
    """Of `texts` (where it is, text), the first whose text holds a word of the query, else None."""
    for where, text in texts:
        if text and _spans(text, query.words):
            return where, text
    return None
