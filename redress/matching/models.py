"""The search index of the cases' texts, one row per case, in segmented words (redress.matching.search)."""

from __future__ import annotations

from django.db import models

from redress.cases.models import Case


class SearchEntry(models.Model):
    """A case's searchable texts as segmented words, written by `redress.matching.search` only.

    The database indexes these columns itself, so the index is current whenever this row is: PostgreSQL
    keeps a generated tsvector column `document` (matter words weighted A, handling words B) under a GIN
    index, SQLite an FTS5 table `matching_search_fts` filled by triggers (migration 0001). Neither is a
    Django field: each exists on one database only.
    """

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="search_entry")
    # The matter and the demand: what the complaint is about, ranked above what was done about it.
    matter_words = models.TextField(default="", blank=True)
    # The result reports and the replies (decision notices, answers on the spot, rules explained).
    handling_words = models.TextField(default="", blank=True)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"search entry of {self.case_id}"
