"""What the matching app keeps: the search index of the cases' texts (one row per case, in segmented words,
redress.matching.search), the LSH band keys of each case's matter (redress.matching.similarity: candidates by
an indexed equality lookup, not a scan) and the trainings of the registration suggestions
(redress.matching.suggest)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.cases.models import Case


class SearchEntry(models.Model):
    """A case's searchable texts as segmented words (`redress.matching.search`), and its matter's concepts
    (`redress.matching.similarity`).

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
    # What the matter is about for the similarity of matters (`similarity.concepts`, space-separated), kept so
    # that a rule scoring hundreds of candidates reads a few words per case, not its text to segment again.
    # NULL: not yet computed (rows from before it was kept; `redress remember-matters` fills them).
    matter_concepts = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: not computed; "" none)

    class Meta:
        verbose_name = "search entry"
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"search entry of {self.case_id}"


class MatterBand(models.Model):
    """One LSH band of a case's matter: cases sharing a key are candidates of each other. `received_at` is
    the case's, copied so that a rule's window is part of the same index range."""

    key = models.BigIntegerField()
    received_at = models.DateTimeField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # Where the case counts for the group rule's scope (the path of the unit complained about, else of the
    # registering unit) and its product, copied like `received_at` (neither changes after registration): the
    # lookup checks the scope on the band rows it scans, without reading a case for each (sixteen bands of
    # a hundred rows each were 1,600 reads of cases for the hundred it keeps).
    scope_path = models.CharField(max_length=255, default="")
    product = models.CharField(max_length=128, default="")

    class Meta:
        verbose_name = _("matter band")
        verbose_name_plural = _("matter bands")
        indexes = [
            # The scope and the case in the index's entries (PostgreSQL): a lookup reads the index alone
            # where autovacuum has marked the table's pages all-visible (migration 0007 has it come often).
            models.Index(
                fields=["key", "received_at"],
                include=["case", "scope_path", "product"],
                name="matter_band_key_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.case_id}"


class SuggestionModel(models.Model):
    """One training of the classifier that suggests a new case's category, business category and reason from
    its matter (issue 13 item 5). The newest row is the one in use; older rows stay as the record of what was
    suggested when.

    The weights are plain arrays (numpy's .npz, read with pickles refused): nothing executable is ever loaded
    from the database. The vocabulary keeps only words seen in at least two cases, so a customer's name or an
    account number typed once never becomes part of the model.
    """

    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    cases = models.PositiveIntegerField(_("closed cases learned from"))
    held_out = models.PositiveIntegerField(_("cases held out to evaluate"))
    # {target: {"cases", "top1", "top3"}} measured on the held-out cases before the final fit.
    evaluation = models.JSONField(_("evaluation"), default=dict)
    # {target: [class value, …]} in the order of the weights' rows.
    classes = models.JSONField(_("classes"), default=dict)
    vocabulary = models.JSONField(_("vocabulary"), default=list)
    weights = models.BinaryField(_("weights"))

    class Meta:
        verbose_name = _("suggestion model")
        verbose_name_plural = _("suggestion models")
        ordering = ["-trained_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} · {self.cases}"
