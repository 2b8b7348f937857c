"""What the matching app keeps of a case being registered, written inside its registration's transaction:
its search entry (`search`) and its matter's band keys (`similarity`), stored before the escalation triggers
look for similar matters, since the group rule counts the new case among them.

On PostgreSQL both rows go in one statement (a data-modifying CTE): a registration's statements are its
cost on the common path (issue 16 asks at most 12). SQLite has no such CTE, and its FTS5 table is filled by
triggers on the entry's INSERT: two statements there.
"""

from __future__ import annotations

from django.db import connection

from redress.cases.models import Case

from . import search, similarity
from .models import SearchEntry


def remember_new_case(case: Case) -> None:
    words = search.words_of(case.matter, case.demand)
    keys = similarity.band_keys(similarity.matter_of(case))
    if connection.vendor != "postgresql" or not keys:
        search.index_new_case(case, words=words)
        similarity.remember(case, fresh=True)
        return
    bands, band_params = similarity.band_rows_sql(case, keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH entry AS (INSERT INTO {SearchEntry._meta.db_table}"
            " (case_id, matter_words, handling_words, matter_concepts)"
            f" VALUES (%s, %s, '', %s)) {bands}",
            [case.pk, words, similarity.stored(similarity.matter_of(case)), *band_params],
        )
