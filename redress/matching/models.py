from django.db import models
from django.utils.translation import gettext_lazy as _


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
