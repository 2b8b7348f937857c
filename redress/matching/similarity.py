"""How alike two complaints' matters are (issue 13, R5.2): the measure, and where its candidates come from.

A matter becomes a set: the bank's concepts it names (`data/concepts.txt`: what went wrong — 吞卡, 年费,
态度差 — and the thing it went wrong with — ATM, 存折, 信用卡 — each with the phrases that name it), and its
other content words (`segment.words`, the one place text becomes words). Two matters are as alike as the
weighted Jaccard of their sets (a problem weighs most, a thing less, another word little, a word of every
complaint almost nothing): 1.0 the same, 0.0 nothing shared. The threshold above which two matters are "the
same matter" is versioned data (`TriggerSettings.similarity_threshold`); decision 0026 says how it was chosen
and what it does not cover.

Candidates are found without reading the table: each matter's MinHash signature (`signature`) is cut into
bands, and each band's hash is a row of `MatterBand` (key, received_at) → case, indexed. Matters that share
a band are candidates (an indexed equality lookup, on any number of web nodes); the exact score is then
computed on those few. The signature is of the concepts a matter names (of its uncommon words when it names
none). With two minimums a band and sixteen bands, two matters whose signature sets have a Jaccard of 0.3
share a band with probability 0.78, of 0.5 with 0.99 (1 - (1 - s²)¹⁶), while matters sharing nothing never
meet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache, lru_cache
from pathlib import Path

from django.db import connection, models, transaction
from django.db.models import QuerySet

from redress.cases.models import Case
from redress.text.segment import normalise, words

from .models import MatterBand, SearchEntry

DATA = Path(__file__).parent / "data"

CONCEPTS = DATA / "concepts.txt"
COMMON_WORDS = DATA / "common_words.txt"
# Changing any of these changes every stored key: store the matters again (`similarity.remember_all`).
NUM_PERM = 32
ROWS_PER_BAND = 2
BANDS = NUM_PERM // ROWS_PER_BAND
SEED = 1
# MinHash over a Mersenne prime (Broder's universal hashing): each permutation maps an item's 64-bit hash h
# to (a·h + b) mod PRIME. The constants come from SEED through blake2b, never from a random generator
# whose algorithm a Python release could change, so the keys stored stay the keys computed.
PRIME = (1 << 61) - 1
# What each part of a matter weighs in its likeness to another: what went wrong (a problem of
# `data/concepts.txt`) most, the thing it went wrong with less, its other words little, and the words of
# every complaint (银行, 柜员, 要求…, `data/common_words.txt`) almost nothing. Chosen on the evaluation set
# (redress/matching/tests/data/matters.txt).
PROBLEM_WEIGHT = 1.0
THING_WEIGHT = 0.35
OTHER_WEIGHT = 0.05
COMMON_WEIGHT = 0.02
# Concepts are stored among words, prefixed: `!吞卡` a problem, `#存折` a thing, apart from the word 存折.
PROBLEM = "!"
THING = "#"
# At most this many candidates are scored for one lookup, the newest (the complainant's own first): the group
# rule needs three people to form a group and then finds it through its newest members, the repeat rule the
# complainant's own cases. 500 cost a registration in a burst 11 ms of SQL and 5 ms of scoring
# (bench/profile_registration.py, 3,000 alike cases); 100 reads and scores a fifth of it, and is still far
# more than the three people a group needs (the number of people its evidence records is then of the
# newest 100 cases, not of the whole week).
MAX_CANDIDATES = 100


def _lines(path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@cache
def lexicon() -> list[tuple[str, str]]:
    """(phrase, prefixed concept) of `data/concepts.txt`, longest phrase first."""
    pairs, prefix = [], THING
    for line in _lines(CONCEPTS):
        if line in ("[things]", "[problems]"):
            prefix = THING if line == "[things]" else PROBLEM
            continue
        concept, _, phrases = line.partition(":")
        pairs += [(normalise(phrase), prefix + concept.strip()) for phrase in phrases.split()]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


@cache
def common_words() -> frozenset[str]:
    return frozenset(word for line in _lines(COMMON_WORDS) for word in line.split())


# The candidates of a burst are the same few hundred matters for every registration in it: each process
# keeps the concepts of the matters it read last (about a hundred bytes each).
@lru_cache(maxsize=20_000)
def concepts(text: str) -> frozenset[str]:
    """What a matter is about: the bank's concepts it names (`!吞卡`, `#存折`), then its other words."""
    rest = normalise(text)
    named = set()
    for phrase, concept in lexicon():
        if phrase in rest:
            named.add(concept)
            # A stretch of text names one concept: 卡被吞 is 吞卡, not also 银行卡.
            rest = rest.replace(phrase, "\n")
    return frozenset(named) | frozenset(words(rest))


# A registration scores up to MAX_CANDIDATES matters; weighing each item afresh was 14 ms of a 33 ms
# registration in the registration benchmark's profile (run 20261205-005826): items and whole matters are
# weighed once per process.
@lru_cache(maxsize=200_000)
def _weight(item: str) -> float:
    if item.startswith(PROBLEM):
        return PROBLEM_WEIGHT
    if item.startswith(THING):
        return THING_WEIGHT
    return COMMON_WEIGHT if item in common_words() else OTHER_WEIGHT


@lru_cache(maxsize=50_000)
def _total(matter: frozenset[str]) -> float:
    return sum(_weight(c) for c in matter)


def score(a: frozenset[str], b: frozenset[str]) -> float:
    """Weighted Jaccard of two matters' concepts and words: 0.0 (nothing shared) to 1.0 (the same)."""
    if not a and not b:
        return 0.0
    shared = sum(_weight(c) for c in a & b)
    # |a ∪ b| weighed = |a| + |b| − |a ∩ b|: each matter's own weight is known already.
    return shared / (_total(a) + _total(b) - shared)


def stored(matter: frozenset[str]) -> str:
    """A matter's concepts as `SearchEntry.matter_concepts` keeps them (no concept or word has a space)."""
    return " ".join(sorted(matter))


def concepts_of(kept: str | None, text: str | None) -> frozenset[str]:
    """A candidate's concepts: those kept with its search entry, or from its text where none are kept."""
    if kept is not None:
        return _kept(kept)
    return concepts(text or "")


# The same candidates come back to every registration of a burst: their kept concepts are split once.
@lru_cache(maxsize=20_000)
def _kept(kept: str) -> frozenset[str]:
    return frozenset(kept.split())


def similarity(text_a: str, text_b: str) -> float:
    """How alike two matters are, from their texts."""
    return score(concepts(text_a), concepts(text_b))


def _hash64(data: bytes, *, key: bytes = b"") -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, key=key).digest(), "big")


@cache
def _permutations() -> tuple[tuple[int, int], ...]:
    seed = f"redress-minhash-{SEED}".encode()
    return tuple(
        (_hash64(f"a{i}".encode(), key=seed) % (PRIME - 1) + 1, _hash64(f"b{i}".encode(), key=seed) % PRIME)
        for i in range(NUM_PERM)
    )


def signature(items: frozenset[str] | set[str]) -> tuple[int, ...]:
    """The MinHash signature of a set of items: for each permutation, the least permuted hash of any item.
    Two sets agree at a position with probability equal to their Jaccard similarity."""
    hashes = [_hash64(item.encode("utf-8")) % PRIME for item in sorted(items)]
    return tuple(min((a * h + b) % PRIME for h in hashes) for a, b in _permutations())


@lru_cache(maxsize=20_000)
def band_keys(matter: frozenset[str]) -> tuple[int, ...]:
    """The LSH band keys of a matter (signed 64-bit, as the database stores them), from the concepts it
    names (from its uncommon words if it names none): a word every complaint has would make every
    complaint a candidate, and matters alike share their concepts."""
    rare = {c for c in matter if c[0] in (PROBLEM, THING)} or {c for c in matter if c not in common_words()}
    if not rare:
        return ()
    values = signature(rare)
    keys = []
    for band in range(BANDS):
        chunk = b"".join(
            v.to_bytes(8, "big") for v in values[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND]
        )
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)


def matter_of(case: Case) -> frozenset[str]:
    """The case's concepts, computed once per case object (registration reads them for each rule)."""
    if "_matter_concepts" not in case.__dict__:
        case.__dict__["_matter_concepts"] = concepts(case.matter)
    return case.__dict__["_matter_concepts"]


def band_rows_sql(case: Case, keys: tuple[int, ...]) -> tuple[str, list]:
    """The INSERT of a new case's band rows as SQL and parameters: one statement of plain values (building
    the sixteen model rows took bulk_create 0.5 ms of a registration; bench/similar.py with tracing,
    2026-12-04), which `redress.matching.intake` may join to the case's search entry.

    On PostgreSQL the same statement takes a lock per band key, held until the registration commits
    (`pg_advisory_xact_lock`, in the keys' order, so two registrations never wait on each other in a
    circle). Two registrations of alike matters share a band: the later one waits here for the earlier
    one's commit, and its group rule, in the next statement, counts the earlier case. Without it two
    complaints registered in the same instant each missed the other, and a group of three never formed (the
    surge benchmark, docs/performance.md §10). No statement is added to a registration (issue 16 asks at most
    12); SQLite lets one writer at a time anyway."""
    at = connection.ops.adapt_datetimefield_value(case.received_at)
    table = MatterBand._meta.db_table
    scope_path = band_scope_path(case)
    if connection.vendor != "postgresql":
        params = [v for key in keys for v in (key, at, case.pk, scope_path, case.product)]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
        columns = '"key", received_at, case_id, scope_path, product'
        return f"INSERT INTO {table} ({columns}) VALUES {values}", params
    # The keys as one array: the same statement text for every case, which the driver parses once (it does
    # not keep the parsing of a statement of more than 50 parameters: 0.2 ms a registration).
    held = (
        "(SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k)"
        " FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS ordered) AS locks) AS held"
    )
    sql = (
        f'INSERT INTO {table} ("key", received_at, case_id, scope_path, product)'
        " SELECT v.k, %s::timestamptz, %s::integer, %s::varchar, %s::varchar"
        f" FROM unnest(%s::bigint[]) AS v (k) CROSS JOIN {held}"
    )
    return sql, [at, case.pk, scope_path, case.product, list(keys), sorted(set(keys))]


def band_scope_path(case: Case) -> str:
    """The path a case's band rows carry for the group rule's scope: the unit complained about's, else the
    registering unit's (`redress.escalation.triggers._scope_sql` reads it so)."""
    return case.subject_unit_path or case.unit_path


def _band(case: Case, key: int) -> MatterBand:
    return MatterBand(
        key=key,
        received_at=case.received_at,
        case=case,
        scope_path=band_scope_path(case),
        product=case.product,
    )


def remember(case: Case, *, fresh: bool = False) -> None:
    """Store the case's band keys. `fresh`: the case was written in this transaction and has none yet (one
    statement, within the caller's transaction); otherwise the old ones are replaced (its matter changed)."""
    keys = band_keys(matter_of(case))
    if not fresh:
        with transaction.atomic():
            MatterBand.objects.filter(case=case).delete()
            MatterBand.objects.bulk_create([_band(case, k) for k in keys])
        return
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(*band_rows_sql(case, keys))


def remember_all(cases: QuerySet[Case], batch: int = 2000) -> int:
    """Store the band keys and kept concepts of existing cases (after an upgrade, or a change of the lexicon
    or the bands): their old ones are replaced, a batch at a time, walking the cases by key (no OFFSET: the
    last batch of ten million costs what the first does). Returns how many cases were stored."""
    done = 0
    last = 0
    columns = ("pk", "matter", "received_at", "unit_path", "subject_unit_path", "product")
    while chunk := list(cases.filter(pk__gt=last).order_by("pk").only(*columns)[:batch]):
        with transaction.atomic():
            MatterBand.objects.filter(case__in=[c.pk for c in chunk]).delete()
            MatterBand.objects.bulk_create([_band(c, k) for c in chunk for k in band_keys(matter_of(c))])
            entries = {e.case_id: e for e in SearchEntry.objects.filter(case__in=[c.pk for c in chunk])}
            for c in chunk:
                if c.pk in entries:
                    entries[c.pk].matter_concepts = stored(matter_of(c))
            SearchEntry.objects.bulk_update(list(entries.values()), ["matter_concepts"], batch_size=500)
        done += len(chunk)
        last = chunk[-1].pk
    return done


def candidates(
    matter: frozenset[str], *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[MatterBand]:
    """The band rows that make a case a candidate for `matter`: an indexed lookup by key (and time)."""
    rows = MatterBand.objects.filter(key__in=band_keys(matter))
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    if until is not None:
        rows = rows.filter(received_at__lte=until)
    return rows


# How far from a case, either way, `most_alike` looks: a year, so that a matter shared by a great many
# cases over the years is still a bounded lookup.
ALIKE_WITHIN = dt.timedelta(days=366)


def most_alike(
    case: Case, among: QuerySet[Case], *, threshold: float, limit: int
) -> list[tuple[Case, float]]:
    """The cases of `among` (the caller's: e.g. those a user may see) received within a year of `case`
    whose matters are at least `threshold` alike to `case`'s, best first, at most `limit`."""
    matter = matter_of(case)
    sharing = candidates(matter, since=case.received_at - ALIKE_WITHIN, until=case.received_at + ALIKE_WITHIN)
    found = (
        among.filter(pk__in=sharing.values("case_id"))
        .exclude(pk=case.pk)
        .order_by("-received_at")
        # The text only of a case without kept concepts: in the same query, never a read per candidate.
        .annotate(
            text=models.Case(models.When(search_entry__matter_concepts__isnull=True, then=models.F("matter")))
        )
        .values_list("pk", "search_entry__matter_concepts", "text")[:MAX_CANDIDATES]
    )
    scored = []
    for pk, kept, text in found:
        if (likeness := score(matter, concepts_of(kept, text))) >= threshold:
            scored.append((pk, likeness))
    scored.sort(key=lambda item: (-item[1], -item[0]))
    best = scored[:limit]
    by_pk = among.in_bulk([pk for pk, _ in best])
    return [(by_pk[pk], likeness) for pk, likeness in best if pk in by_pk]
