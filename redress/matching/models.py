"""What the matching app keeps: the search index of the cases' texts (one row per case, in segmented words,
redress.matching.search), the topics the cases' matters raised and joined, found by their LSH band keys
(redress.matching.similarity: an indexed equality lookup, not a scan) and the trainings of the registration
suggestions (redress.matching.suggest)."""

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


class Topic(models.Model):
    """What several complaints are about (同类问题): the matter that first raised it, against which
    each new matter is weighed (`redress.matching.similarity`). A new case joins the topic most alike to its
    matter, at or above the similarity threshold, or raises a new one; the group rule then counts the people
    of the topics alike to the new matter, and a registration reads a few topics instead of scoring a
    hundred cases (decision 0027)."""

    # The concepts of the matter that raised it (`similarity.stored`); after that case's texts are erased
    # (retention), those of its newest member.
    concepts = models.TextField()
    raised_by = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return f"topic {self.pk}"


class TopicKey(models.Model):
    """One LSH band of a topic's matter: a new matter sharing a key with a topic is weighed against it (an
    indexed equality lookup, however many topics there are)."""

    key = models.BigIntegerField()
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        verbose_name = _("topic key")
        verbose_name_plural = _("topic keys")
        indexes = [models.Index(fields=["key"], include=["topic"], name="topic_key_idx")]

    def __str__(self) -> str:
        return f"{self.key} → {self.topic_id}"


class TopicMember(models.Model):
    """A case's place in the topic its matter joined. `received_at`, the scope path (of the unit complained
    about, else of the registering unit), the product, who complained (`person`) and how many people they
    are (`people`) are the case's, copied (none changes after registration; retention takes an erased case
    out of its topic): the group rule reads a topic's newest members in its window and scope, and counts
    their people, from the index's own entries, without reading a case for each."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="members")
    received_at = models.DateTimeField()
    scope_path = models.CharField(max_length=255, default="")
    product = models.CharField(max_length=128, default="")
    # The blind index of the complainant's ID number, else of their phone; "" when neither was given (then
    # the case is one person of its own).
    person = models.CharField(max_length=32, blank=True, default="")
    # The complainant and the joint complainants of the case (R5: twenty people on one case are twenty).
    people = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("topic member")
        verbose_name_plural = _("topic members")
        indexes = [
            models.Index(
                fields=["topic", "received_at"],
                include=["case", "scope_path", "product", "person", "people"],
                name="topic_member_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.topic_id}"


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
