"""The sealer, which gives each written row its place in the chain, and `verify`, which walks the chain
(decision 0029).

Rows are sealed (an HMAC of their content) in the INSERT that writes them and take no lock: a registration
pays nothing for the chain and never waits for another. The sealer, run with every sweep and before every
`verify`, takes the chain head's row lock, gives the rows written since the last run their places in turn
and links each to the one before. A row whose seal does not match its content is not given a place: nobody
with the key wrote it.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from redress.cases.models import CaseEvent
from redress.common.chain import GENESIS, ChainedRow, audit_key, erased_intact, link, seal_of

from .models import AuditEntry, ChainHead

log = logging.getLogger(__name__)

# Every table of the chain. A new one is added here and in the migration that installs its trigger.
CHAINED_MODELS: tuple[type[ChainedRow], ...] = (CaseEvent, AuditEntry)


def _head(*, lock: bool) -> ChainHead:
    heads = ChainHead.objects.select_for_update() if lock else ChainHead.objects
    head = heads.filter(pk=1).first()
    if head is None:  # a new database (or one a test flushed): the chain starts here
        head, _ = ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "link": GENESIS})
        if lock:
            head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _content(model: type[ChainedRow], values: tuple) -> dict[str, Any]:
    return dict(zip(model.CHAINED, values, strict=True))


def _matches(model: type[ChainedRow], values: tuple, stored: str, key: bytes) -> bool:
    """Whether the row's content matches its seal; for a row whose erasable field retention erased
    (decision 0037), whether the erasure marker matches the rest of the row and the seal."""
    table, content = model._meta.db_table, _content(model, values)
    if model.ERASABLE:
        erased = erased_intact(table, model.ERASABLE, content, stored, key)
        if erased is not None:
            return erased
    return seal_of(table, content, key) == stored


def _waiting(model: type[ChainedRow], after: int, batch: int) -> list[tuple]:
    """The first `batch` rows without a place whose id is past `after`, in order of id."""
    rows = model.objects.filter(seq__isnull=True, pk__gt=after).order_by("pk")
    return list(rows.values_list("pk", "at", "seal", *model.CHAINED)[:batch])


def _give_places(model: type[ChainedRow], places: list[tuple[int, int, str]]) -> None:
    """Write (id, place, link) for these rows in one statement: a backlog of millions (a restore, a bulk
    import) is placed at the speed of the hashing, not of one UPDATE per row."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, seqs, links = (list(column) for column in zip(*places, strict=True))
            cursor.execute(
                f"UPDATE {table} AS t SET seq = v.seq, link = v.link "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[]) AS v(id, seq, link) "
                f"WHERE t.{pk} = v.id",
                [ids, seqs, links],
            )
        else:  # SQLite: one prepared statement run for every row, in the same transaction
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, link = %s WHERE {pk} = %s",
                [(seq, linked, row) for row, seq, linked in places],
            )


def seal(*, batch: int = 10_000) -> int:
    """Give the rows written since the last run their places; returns how many. Safe to run on several
    machines at once (the head's lock makes them take turns)."""
    key, done = audit_key(), 0
    # Per table, the id up to which every row without a place was looked at in this run: each batch reads
    # on from there along the primary key instead of finding the rows without a place again (with millions
    # waiting, that search made every batch slower than the one before). A row committed late under an id
    # already passed is placed by the next run.
    after = dict.fromkeys(CHAINED_MODELS, 0)
    while True:
        with transaction.atomic():
            head = _head(lock=True)
            waiting, fetched, more = [], {}, False
            for order, model in enumerate(CHAINED_MODELS):
                fetched[model] = _waiting(model, after[model], batch)
                more = more or len(fetched[model]) == batch  # this table may hold more than was read
                waiting += [
                    (at, order, pk, stored, tuple(content)) for pk, at, stored, *content in fetched[model]
                ]
            waiting.sort()
            placed: dict[type[ChainedRow], list[tuple[int, int, str]]] = {}
            looked_at: set[tuple[int, int]] = set()
            for _at, order, pk, stored, content in waiting[:batch]:
                model = CHAINED_MODELS[order]
                looked_at.add((order, pk))
                if not _matches(model, content, stored, key):
                    log.warning(
                        "audit chain: %s row %s does not match its seal; not placed", model.__name__, pk
                    )
                    continue
                head.seq += 1
                head.link = link(head.link, head.seq, stored)
                placed.setdefault(model, []).append((pk, head.seq, head.link))
            for model, places in placed.items():
                _give_places(model, places)
            head.save(update_fields=["seq", "link"])
            done += sum(len(places) for places in placed.values())
        moved = False
        for order, model in enumerate(CHAINED_MODELS):
            # Read on after the rows looked at, up to the first one left for the next batch (one merged in
            # order of time may leave a lower id of one table for later).
            for row in fetched[model]:
                if (order, row[0]) not in looked_at:
                    break
                after[model], moved = row[0], True
        # Done when every row waiting was read and looked at (a row that does not match its seal stays
        # without a place, and is passed over, not read again), or when a batch placed nothing and could
        # not read on (rows that do not match their seal, ahead in time of a lower id left for later).
        if (not more and len(waiting) <= batch) or not (placed or moved):
            return done


@dataclass(frozen=True)
class Finding:
    """The first place the chain does not hold."""

    what: str  # "edited", "inserted" or "deleted"
    table: str
    row: int | None  # the row's id (None: rows missing at the end)
    seq: int | None
    message: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    head_seq: int
    head_link: str
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None


def _sealed(model: type[ChainedRow], order: int) -> Iterator[tuple]:
    rows = model.objects.filter(seq__isnull=False).order_by("seq")
    for pk, seq, stored, linked, *content in rows.values_list(
        "pk", "seq", "seal", "link", *model.CHAINED
    ).iterator(chunk_size=5000):
        yield seq, order, pk, stored, linked, tuple(content)


def verify(*, seal_first: bool = True) -> Verdict:
    """Walk the chain from its first row and name the first row edited, inserted or deleted."""
    if seal_first:
        seal()
    key = audit_key()
    expected, previous, checked = 1, GENESIS, 0
    head = _head(lock=False)
    walk = heapq.merge(*(_sealed(model, order) for order, model in enumerate(CHAINED_MODELS)))

    def found(what: str, model: type[ChainedRow] | None, pk: int | None, seq: int | None, message: str):
        table = model._meta.db_table if model else ""
        return Verdict(checked, head.seq, head.link, Finding(what, table, pk, seq, message))

    for seq, order, pk, stored, linked, content in walk:
        model = CHAINED_MODELS[order]
        name = f"{model._meta.db_table} row {pk} (place {seq})"
        if seq > head.seq:
            return found("inserted", model, pk, seq, f"{name} lies beyond the last place the sealer gave")
        if seq < expected:
            return found("inserted", model, pk, seq, f"{name} takes a place another row already has")
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
            return found(
                "deleted", model, pk, seq, f"the rows at place {missing}, just before {name}, are gone"
            )
        if not _matches(model, content, stored, key):
            return found(
                "edited", model, pk, seq, f"{name} no longer matches its seal: its content was changed"
            )
        if link(previous, seq, stored) != linked:
            return found("inserted", model, pk, seq, f"{name} does not follow the row before it")
        previous, expected, checked = linked, expected + 1, checked + 1
    if head.seq > checked:
        return found(
            "deleted", None, None, checked + 1, f"the rows at places {checked + 1}–{head.seq} are gone"
        )
    if head.seq < checked or (checked and head.link != previous):
        return found("inserted", None, None, checked, f"rows after place {head.seq} were added to the chain")
    for model in CHAINED_MODELS:  # rows the sealer would not place: written without the key
        for pk, stored, *content in model.objects.filter(seq__isnull=True).values_list(
            "pk", "seal", *model.CHAINED
        ):
            if not _matches(model, content, stored, key):
                return found(
                    "inserted", model, pk, None, f"{model._meta.db_table} row {pk} was not written by Redress"
                )
    return Verdict(checked, head.seq, head.link, None)
