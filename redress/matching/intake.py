"""What the matching app keeps of a case being registered, written inside its registration's transaction:
its search entry (`search`) and its place among the topics (`similarity.join_topic`), decided before the
escalation triggers look for similar matters, since the group rule counts the new case among them. Where
the caller asks (registration, on PostgreSQL), the member row is then written by the triggers' lookup
itself, in the same statement (`similarity.pending_placement`): one statement fewer.

On PostgreSQL one statement writes the search entry (and the rows the registration gives to ride along,
`rows.carried`), takes the locks of the matter's band keys and, after them, reads the topics sharing a key
(`similarity.topics_after_locks_sql`): it sees every alike registration committed while this one waited.
SQLite has neither the data-modifying CTE nor the locks (one writer at a time), and its FTS5 table is
filled by triggers on the entry's INSERT; the topics are read by `join_topic` there.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import Model

from redress.cases.models import Case
from redress.common import rows

from . import search, similarity
from .models import SearchEntry


def remember_new_case(
    case: Case,
    threshold: float | Decimal,
    *,
    defer_placement: bool = False,
    together: Sequence[Model] = (),
) -> None:
    """`threshold`: how alike a matter must be to a topic to join it (the escalation rules' similarity
    threshold, from the caller). `defer_placement`: the case's member row is written by the caller's next
    read (`similarity.join_topic`). `together`: new rows of the registration written with the search entry,
    in the same statement on PostgreSQL (`rows.carried`: the case's flags, event and clocks), before anything
    here reads."""
    words = search.words_of(case.matter, case.demand)
    matter = similarity.matter_of(case)
    keys = similarity.band_keys(matter)
    sharing = None
    if connection.vendor != "postgresql":
        search.index_new_case(case, words=words)
        rows.insert_all(together)
    else:
        entry = (
            f"entry AS (INSERT INTO {SearchEntry._meta.db_table}"
            " (case_id, matter_words, handling_words, matter_concepts) VALUES (%s, %s, '', %s))"
        )
        read, read_params = similarity.topics_after_locks_sql(keys) if keys else ("NULL", [])
        (found,) = rows.carried(
            [entry], [case.pk, words, similarity.stored(matter)], read, read_params, together
        )
        if found is not None:
            sharing = similarity.topics_read_after_locks(found)
    similarity.join_topic(case, float(threshold), defer=defer_placement, sharing=sharing)
