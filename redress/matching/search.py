"""The search index of the cases' texts (issue 13): what a case is indexed under and when it is written.

A case is indexed under the segmented words of its matter and demand, and of its result reports and
replies, one `SearchEntry` row per case; the database indexes that row itself (see `fulltext`, which finds
and ranks). The row is written in the transaction that writes the texts: at registration
(`index_new_case`, through redress.matching.intake) and after every action declared `reindexes`
(`index_cases`, by redress.lifecycle.after), so the index is never behind the cases. `reindex` (the
command `redress reindex-search`) rebuilds it: existing data, cases loaded by other means, a changed
dictionary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction

from redress.cases.models import Case, CustomerContact, ResultReport
from redress.text.segment import joined, search_words

from . import similarity
from .models import SearchEntry

# Cases indexed per transaction by `reindex`: a batch's rows are locked while their words are written.
REINDEX_BATCH = 1000


def words_of(*texts: str) -> str:
    # Each text segmented on its own: a word never spans the end of one text and the start of the next.
    return joined(w for text in texts for w in search_words(text))


def index_new_case(case: Case, *, words: str | None = None) -> None:
    """Index a case being registered, inside its registration's transaction: it has only its matter and
    demand yet (one INSERT; `words`: already segmented by the caller)."""
    if words is None:
        words = words_of(case.matter, case.demand)
    SearchEntry.objects.create(
        case=case, matter_words=words, matter_concepts=similarity.stored(similarity.matter_of(case))
    )


def handling_texts(case_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """What the cases are found by besides their matter and demand, as ("result_report" or "reply", text),
    each case's in the order written: where a search matched a case, when not in its matter or demand. Two
    reads, whatever the number of cases."""
    ids = list(case_ids)
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for case_id, *texts in (
        ResultReport.objects.filter(case_id__in=ids)
        .order_by("pk")
        .values_list("case_id", "findings", "staff_handling", "lessons", "rectification")
    ):
        found[case_id].extend(("result_report", text) for text in texts if text)
    for case_id, note in (
        CustomerContact.objects.filter(case_id__in=ids, is_reply=True)
        .order_by("pk")
        .values_list("case_id", "note")
    ):
        if note:
            found[case_id].append(("reply", note))
    return found


def index_cases(case_ids: Iterable[int]) -> int:
    """Write the index rows of these cases from their texts as they are now; returns how many."""
    ids = list(case_ids)
    if not ids:
        return 0
    handling = handling_texts(ids)
    entries = [
        SearchEntry(
            case_id=pk,
            matter_words=words_of(matter, demand),
            handling_words=words_of(*(text for _where, text in handling.get(pk, ()))),
            matter_concepts=similarity.stored(similarity.concepts(matter)),
        )
        for pk, matter, demand in Case.objects.filter(pk__in=ids).values_list("pk", "matter", "demand")
    ]
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=["matter_words", "handling_words", "matter_concepts"],
    )
    return len(entries)


def reindex(batch_size: int = REINDEX_BATCH) -> Iterator[int]:
    """Rebuild every case's index row, a batch per transaction in the order of the cases' ids; yields the
    number done after each batch. Safe beside live work and to run twice: a batch locks its cases' rows as
    an action does, so an action writing a reply either waits for the batch or the batch reads its reply."""
    done, last = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(pk__gt=last)
                .order_by("pk")
                .select_for_update(of=("self",), no_key=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return
            done += index_cases(ids)
        last = ids[-1]
        yield done
