"""How alike two complaints' matters are (issue 13, R5.2): the measure, and where its candidates come from.

A matter becomes a set: the bank's concepts it names (`data/concepts.txt`: what went wrong — 吞卡, 年费,
态度差 — and the thing it went wrong with — ATM, 存折, 信用卡 — each with the phrases that name it), and its
other content words (`segment.words`, the one place text becomes words). Two matters are as alike as the
weighted Jaccard of their sets (a problem weighs most, a thing less, another word little, a word of every
complaint almost nothing): 1.0 the same, 0.0 nothing shared. The threshold above which two matters are "the
same matter" is versioned data (`TriggerSettings.similarity_threshold`); decision 0026 says how it was chosen
and what it does not cover.

Alike matters are found through *topics* (`Topic`, 同类问题), without reading the cases: a topic is the
matter that first raised it, and each new case joins the topic most alike to its matter (at least the
threshold) or raises a new one (`join_topic`). A topic's matter is found by its MinHash signature
(`signature`) cut into bands, each band's hash a row of `TopicKey`, indexed: a new matter sharing a band
with a topic's is weighed against it (an indexed equality lookup, on any number of web nodes), and there
are far fewer topics than cases. The signature is of the concepts a matter names (of its uncommon words when
it names none). With two minimums a band and sixteen bands, two matters whose signature sets have a Jaccard
of 0.3 share a band with probability 0.78, of 0.5 with 0.99 (1 - (1 - s²)¹⁶), while matters sharing nothing
never meet.

The group rule counts the people among the newest members of the topics alike to the new matter; the repeat
rule weighs the complainant's own earlier cases one by one (redress.escalation.triggers). Decision 0041 says
why: weighing the hundred newest cases sharing a band cost a registration 8.0-8.9 ms in-process, the topics
2.5-2.7 ms (bench/matching_ab.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache, lru_cache
from pathlib import Path

from django.db import connection, models, transaction
from django.db.models import QuerySet

from redress.cases.models import Case
from redress.common.driver import prepared_cursor
from redress.text.segment import normalise, words

from .models import SearchEntry, Topic, TopicKey, TopicMember

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
# At most this many cases come back from one lookup, the newest (the complainant's own first): the group
# rule needs three people to form a group and then finds it through its newest members, the repeat rule the
# complainant's own cases. 500 cost a registration in a burst 11 ms of SQL and 5 ms of scoring
# (bench/profile_registration.py, 3,000 alike cases); 100 reads a fifth of it, and is still far more than
# the three people a group needs (the number of people its evidence records is then of the newest 100
# members of the alike topics, not of the whole week). `most_alike` weighs as many candidates.
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
    both = a & b
    # Two matters sharing only words every complaint has (客户, 要求, a threat to go to the press) are not
    # about the same thing, however short they are.
    if all(_weight(c) <= COMMON_WEIGHT for c in both):
        return 0.0
    shared = sum(_weight(c) for c in both)
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


# ---- topics: what several complaints are about -----------------------------------------------------------


def topics_after_locks_sql(keys: tuple[int, ...]) -> tuple[str, list]:
    """An expression (PostgreSQL) that takes a lock per band key, held until the registration commits, then
    reads the topics sharing a key, as `topics_read_after_locks` parses them: the function of migration
    `matching 0010`. `redress.matching.intake` puts it in the statement that writes the case's search entry.

    Two registrations of alike matters share a band: the later one waits for the earlier one's commit, and
    its reading of the topics, made after the locks with a snapshot of its own (the function is volatile),
    sees the topic the earlier one raised (one topic for one matter, not two) and its group rule counts the
    earlier case. Without the locks two complaints registered in the same instant each missed the other, and
    a group of three never formed (the surge benchmark, docs/performance.md §10). The keys are locked in
    their order, so that two registrations never wait on each other in a circle. SQLite lets one writer at a
    time anyway."""
    return "matching_topics_after_locks(%s::bigint[])", [sorted(set(keys))]


def topics_read_after_locks(found: list[str]) -> list[tuple[int, frozenset[str]]]:
    """`topics_after_locks_sql`'s value as `topics_sharing` gives the topics: (id, concepts)."""
    topics = []
    for item in found:
        pk, _, kept = item.partition(" ")
        topics.append((int(pk), _kept(kept)))
    return topics


def topics_sharing(keys: tuple[int, ...] | list[int]) -> list[tuple[int, frozenset[str]]]:
    """The topics sharing a band key with `keys`, with their concepts: one indexed read of a few rows."""
    if not keys:
        return []
    topics, table = Topic._meta.db_table, TopicKey._meta.db_table
    if connection.vendor == "postgresql":
        # One statement text whatever the keys (the driver keeps the parsing of a statement of at most 50
        # parameters only).
        where, params = "k.key = ANY(%s::bigint[])", [list(keys)]
    else:
        where, params = f"k.key IN ({', '.join(['%s'] * len(keys))})", list(keys)
    # Prepared on PostgreSQL (its planning was a fifth of its time): one text whatever the keys.
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.concepts FROM {topics} t"
            f" WHERE t.id IN (SELECT k.topic_id FROM {table} k WHERE {where})",
            params,
        )
        return [(pk, _kept(kept)) for pk, kept in cursor.fetchall()]


def alike_topics(
    matter: frozenset[str], topics: list[tuple[int, frozenset[str]]], threshold: float
) -> list[tuple[int, float]]:
    """Of `topics`, those at least `threshold` alike to `matter`: (topic, likeness), most alike first (of
    equally alike topics, the older)."""
    scored = ((pk, score(matter, kept)) for pk, kept in topics)
    return sorted(((pk, s) for pk, s in scored if s >= threshold), key=lambda item: (-item[1], _age(item[0])))


def _age(topic: int) -> int:
    # Stored topics by their ids; those `placements` raises (negative) after them, in their order.
    return topic if topic > 0 else (1 << 62) - topic


def topics_of(case: Case, threshold: float) -> list[tuple[int, float]]:
    """The topics alike to the case's matter (`alike_topics`), read once per case object: registration's
    `join_topic` leaves them on the case it placed."""
    known = case.__dict__.get("_topics")
    if known is None or known[0] != threshold:
        matter = matter_of(case)
        known = (threshold, alike_topics(matter, topics_sharing(band_keys(matter)), threshold))
        case.__dict__["_topics"] = known
    return known[1]


def join_topic(
    case: Case,
    threshold: float,
    *,
    defer: bool = False,
    sharing: list[tuple[int, frozenset[str]]] | None = None,
) -> list[tuple[int, float]]:
    """Place a case just registered in the topic most alike to its matter, at least `threshold` alike, or
    raise a new topic with it; returns the topics alike to it, most alike first (the one it joined first).
    A matter with no concept and no uncommon word has no band key and joins none.

    On PostgreSQL the registration has read the topics sharing its band keys after taking their locks
    (`topics_after_locks_sql`), and gives them as `sharing`: they include those of every alike registration
    committed before. There, with `defer`, the case's member row (and the topic it raises) is not written
    yet: the caller's next read writes it (`pending_placement`), or `place_pending` does; a new topic's id
    is known only then. Without `sharing` the topics are read here."""
    matter = matter_of(case)
    keys = band_keys(matter)
    found: list[tuple[int, float]] = []
    if keys:
        found = alike_topics(matter, topics_sharing(keys) if sharing is None else sharing, threshold)
        topic = found[0][0] if found else None
        if defer and connection.vendor == "postgresql":
            case.__dict__["_placing"] = _placement(case, topic, matter, keys)
        else:
            joined = _place(case, topic, matter, keys)
            found = found or [(joined, 1.0)]
    case.__dict__["_topics"] = (threshold, found)
    return found


def pending_placement(case: Case) -> tuple[str, list] | None:
    """The case's placement that `join_topic(defer=True)` left to be written: common table expressions
    (PostgreSQL), the last named `placed` and returning the topic, to be run with the next statement, which
    then calls `placed`."""
    return case.__dict__.get("_placing")


def placed(case: Case, topic: int) -> None:
    """The pending placement of `case` is written: in `topic`."""
    del case.__dict__["_placing"]
    threshold, found = case.__dict__["_topics"]
    if not found:  # it raised `topic`
        case.__dict__["_topics"] = (threshold, [(topic, 1.0)])


def place_pending(case: Case) -> None:
    """Write the case's pending placement now, if no statement has taken it."""
    placing = pending_placement(case)
    if placing is not None:
        placed(case, _write(placing))


def _write(placing: tuple[str, list]) -> int:
    """Run a placement (`_placement`) as a statement of its own; returns the topic."""
    sql, params = placing
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {sql} SELECT topic_id FROM placed", params)
        return cursor.fetchone()[0]


def _place(case: Case, topic: int | None, matter: frozenset[str], keys: tuple[int, ...]) -> int:
    """The case's member row in `topic`, or in a new topic it raises (`topic` None); returns the topic. One
    statement on PostgreSQL either way."""
    if connection.vendor == "postgresql":
        return _write(_placement(case, topic, matter, keys))
    fields = member_fields(case)
    if topic is None:
        raised = Topic.objects.create(concepts=stored(matter), raised_by=case)
        TopicKey.objects.bulk_create([TopicKey(key=k, topic=raised) for k in keys])
        topic = raised.pk
    TopicMember.objects.create(case=case, topic_id=topic, **fields)
    return topic


def _placement(
    case: Case, topic: int | None, matter: frozenset[str], keys: tuple[int, ...]
) -> tuple[str, list]:
    """`_place` on PostgreSQL as common table expressions, the last (`placed`) returning the topic."""
    members, topics, table = TopicMember._meta.db_table, Topic._meta.db_table, TopicKey._meta.db_table
    fields = member_fields(case)
    columns = ", ".join(["case_id", "topic_id", *fields])
    if topic is not None:
        return (
            f"placed AS (INSERT INTO {members} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " RETURNING topic_id)",
            [case.pk, topic, *fields.values()],
        )
    return (
        # Named apart from what the statement they join may call its own (`t`, `k`).
        f"raised AS (INSERT INTO {topics} (concepts, raised_by_id) VALUES (%s, %s) RETURNING id),"
        f" raised_keys AS (INSERT INTO {table} (key, topic_id)"
        " SELECT v.k, raised.id FROM unnest(%s::bigint[]) AS v (k), raised),"
        f" placed AS (INSERT INTO {members} ({columns})"
        " SELECT %s, raised.id, %s::timestamptz, %s::varchar, %s::varchar, %s::varchar, %s::integer"
        " FROM raised RETURNING topic_id)",
        [stored(matter), case.pk, list(keys), case.pk, *fields.values()],
    )


def member_fields(case: Case) -> dict:
    """What a case's member row copies of it (`TopicMember`), in the order of its columns after the case and
    the topic (`_place` writes them so)."""
    return {
        "received_at": case.received_at,
        "scope_path": band_scope_path(case),
        "product": case.product,
        # As the group rule tells people apart (redress.escalation.triggers): by ID number, else by phone.
        "person": case.complainant_id_index or case.complainant_phone_index,
        "people": people_on(case.joint_complainants),
    }


def people_on(joint_complainants: int | None) -> int:
    """How many people a case stands for: its joint complainants, the complainant at least (R5)."""
    return max(joint_complainants or 1, 1)


def band_scope_path(case: Case) -> str:
    """The path a case's member row carries for the group rule's scope: the unit complained about's, else
    the registering unit's (`redress.escalation.triggers._scope_sql` reads it so)."""
    return case.subject_unit_path or case.unit_path


def forget(case: Case) -> None:
    """Take a case whose texts are erased (retention) out of its topic. A topic it raised keeps no trace of
    its matter: it takes the concepts and keys of its newest member with kept concepts, or goes when none
    is left."""
    TopicMember.objects.filter(case=case).delete()
    for topic in Topic.objects.filter(raised_by=case):
        heir = (
            TopicMember.objects.filter(topic=topic, case__search_entry__matter_concepts__isnull=False)
            .order_by("-received_at", "-case_id")
            .values_list("case_id", "case__search_entry__matter_concepts")
            .first()
        )
        if heir is None:
            topic.delete()
            continue
        matter = _kept(heir[1])
        topic.concepts, topic.raised_by_id = stored(matter), heir[0]
        topic.save(update_fields=["concepts", "raised_by"])
        topic.keys.all().delete()
        TopicKey.objects.bulk_create([TopicKey(key=k, topic=topic) for k in band_keys(matter)])


def remember_all(threshold: float, batch: int = 2000) -> int:
    """Form the topics of every case again (after an upgrade, or a change of the lexicon, the bands or the
    threshold), as registration would have in the order the cases were registered, and keep each case's
    concepts with its search entry. The old topics go first; then a batch of cases at a time, walking the
    cases by key (no OFFSET: the last batch of ten million costs what the first does), each batch reading
    the topics its matters share a key with in one statement. Returns how many cases were placed.

    Registrations may go on meanwhile: a case registered during the run is placed again when its batch
    comes (its member row replaced)."""
    # Plain statements: the ORM's delete would first read every member and key into memory.
    with connection.cursor() as cursor:
        for model in (TopicMember, TopicKey, Topic):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    done = last = 0
    columns = (
        "pk", "matter", "received_at", "unit_path", "subject_unit_path", "product", "complainant_id_index",
        "complainant_phone_index", "joint_complainants",
    )  # fmt: skip
    while chunk := list(Case.objects.filter(pk__gt=last).order_by("pk").only(*columns)[:batch]):
        with transaction.atomic():
            TopicMember.objects.filter(case__in=[c.pk for c in chunk]).delete()
            place_batch(
                [(c.pk, member_fields(c)) for c in chunk],
                [matter_of(c) for c in chunk],
                threshold,
            )
            # One statement sent per case and answered together (psycopg's pipeline): Django's bulk_update
            # built a CASE of 500 branches per statement, 7.1 of the 16.5 s that 12,015 cases took.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {SearchEntry._meta.db_table} SET matter_concepts = %s WHERE case_id = %s",
                    [(stored(matter_of(c)), c.pk) for c in chunk],
                )
        done += len(chunk)
        last = chunk[-1].pk
    return done


def place_batch(
    cases: list[tuple[int, dict]],
    matters: list[frozenset[str]],
    threshold: float,
    tables: tuple = (Topic, TopicKey, TopicMember),
    using: str = "default",
) -> None:
    """Each of `cases` (pk, the fields of its member row: `member_fields`), with its matter, into the topic
    most alike or a new one, in their order (`placements`); `tables`: these models, or a migration's."""
    topic_model, key_model, member_model = tables
    known, by_key = topics_of_keys(key_model.objects.using(using), {k for m in matters for k in band_keys(m)})
    placed = placements(matters, known, by_key, threshold)
    raised = {
        i: topic_model(concepts=stored(matters[i]), raised_by_id=cases[i][0])
        for i, t in enumerate(placed)
        if t == -i - 1
    }
    topic_model.objects.using(using).bulk_create(raised.values())
    key_model.objects.using(using).bulk_create(
        [key_model(key=k, topic=t) for i, t in raised.items() for k in band_keys(matters[i])]
    )
    member_model.objects.using(using).bulk_create(
        [
            member_model(case_id=pk, topic_id=raised[-t - 1].pk if t < 0 else t, **fields)
            for (pk, fields), t in zip(cases, placed, strict=True)
            if t is not None
        ]
    )


def topics_of_keys(
    topic_keys: QuerySet, keys: set[int]
) -> tuple[dict[int, frozenset[str]], dict[int, list[int]]]:
    """The stored topics sharing any of `keys` (`topic_keys`: the rows of TopicKey, or of a migration's):
    their concepts by topic, and the topics by key."""
    known: dict[int, frozenset[str]] = {}
    by_key: dict[int, list[int]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):  # SQLite's bound on a statement's parameters
        rows = topic_keys.filter(key__in=ordered[start : start + 500])
        for key, topic, kept in rows.values_list("key", "topic_id", "topic__concepts"):
            by_key.setdefault(key, []).append(topic)
            known[topic] = _kept(kept)
    return known, by_key


def placements(
    matters: list[frozenset[str]],
    known: dict[int, frozenset[str]],
    by_key: dict[int, list[int]],
    threshold: float,
) -> list[int | None]:
    """The topic each matter joins, in their order, as registration would have placed them: the id of a
    stored topic of `known` (found through `by_key`), or -(j + 1) for the topic raised by the list's j-th
    matter (-(i + 1) at the i-th: it raises one), or None for a matter without a band key. Pure: the
    callers read and write."""
    known, by_key = dict(known), {k: list(v) for k, v in by_key.items()}
    placed: list[int | None] = []
    for i, matter in enumerate(matters):
        keys = band_keys(matter)
        if not keys:
            placed.append(None)
            continue
        near = {t for k in keys for t in by_key.get(k, ())}
        found = alike_topics(matter, [(t, known[t]) for t in near], threshold)
        placed.append(found[0][0] if found else -i - 1)
        if not found:
            known[-i - 1] = matter
            for k in keys:
                by_key.setdefault(k, []).append(-i - 1)
    return placed


# How far from a case, either way, `most_alike` looks: a year, so that a matter shared by a great many
# cases over the years is still a bounded lookup.
ALIKE_WITHIN = dt.timedelta(days=366)


def most_alike(
    case: Case, among: QuerySet[Case], *, threshold: float, limit: int
) -> list[tuple[Case, float]]:
    """The cases of `among` (the caller's: e.g. those a user may see) received within a year of `case`
    whose matters are at least `threshold` alike to `case`'s, best first, at most `limit`. The candidates
    are the newest members of the topics sharing a band key with the matter, each scored against it."""
    matter = matter_of(case)
    topics = [pk for pk, _ in topics_sharing(band_keys(matter))]
    sharing = TopicMember.objects.filter(
        topic__in=topics,
        received_at__gte=case.received_at - ALIKE_WITHIN,
        received_at__lte=case.received_at + ALIKE_WITHIN,
    )
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
