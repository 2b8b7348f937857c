from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import SuggestionModel


@admin.register(SuggestionModel)
class SuggestionModelAdmin(admin.ModelAdmin):
    """The record of each training, read only: a model is made by `redress train-suggestions`, not by hand."""

    list_display = ("trained_at", "cases", "held_out", "accuracy")
    fields = ("trained_at", "cases", "held_out", "accuracy")
    readonly_fields = fields

    @admin.display(description=_("top-3 accuracy on the held-out cases"))
    def accuracy(self, obj: SuggestionModel) -> str:
        names = {
            "category": _("category"),
            "business_category": _("business category"),
            "reason": _("reason"),
        }
        return "; ".join(
            f"{names.get(target, target)} {figures['top3']:.0%}" for target, figures in obj.evaluation.items()
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
