"""What the matching app keeps of a case being registered, written inside its registration's transaction:
its search entry (`search`) and its place among the topics (`similarity.join_topic`), decided before the
escalation triggers look for similar matters, since the group rule counts the new case among them. Where
the caller asks (registration, on PostgreSQL), the member row is then written by the triggers' lookup
itself, in the same statement (`similarity.pending_placement`): one statement fewer.

On PostgreSQL the search entry's INSERT also takes the locks of the matter's band keys
(`similarity.key_locks_sql`): the topics are read in the next statement, which then sees every alike
registration committed while this one waited. SQLite has neither the data-modifying CTE nor the locks (one
writer at a time), and its FTS5 table is filled by triggers on the entry's INSERT.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from redress.cases.models import Case

from . import search, similarity
from .models import SearchEntry


def remember_new_case(case: Case, threshold: float | Decimal, *, defer_placement: bool = False) -> None:
    """`threshold`: how alike a matter must be to a topic to join it (the escalation rules' similarity
    threshold, from the caller). `defer_placement`: the case's member row is written by the caller's next
    read (`similarity.join_topic`)."""
    words = search.words_of(case.matter, case.demand)
    matter = similarity.matter_of(case)
    keys = similarity.band_keys(matter)
    if connection.vendor != "postgresql" or not keys:
        search.index_new_case(case, words=words)
    else:
        locks, lock_params = similarity.key_locks_sql(keys)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH entry AS (INSERT INTO {SearchEntry._meta.db_table}"
                " (case_id, matter_words, handling_words, matter_concepts)"
                f" VALUES (%s, %s, '', %s)) SELECT {locks}",
                [case.pk, words, similarity.stored(matter), *lock_params],
            )
    similarity.join_topic(case, float(threshold), defer=defer_placement)
