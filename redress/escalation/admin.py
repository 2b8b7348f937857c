"""Administrators edit the escalation thresholds and phrase lists as a new version (save as new)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from redress.access.admin import CaseRecordAdmin
from redress.common.text import clean_text
from redress.common.validators import InvalidValue

from .models import Accountability, SupervisionNotice, TriggerSettings
from .triggers import current_settings, forget_settings

# A phrase is a word or a few: a line longer than this is a paste gone wrong.
PHRASE_MAX = 50


class PhraseList(forms.CharField):
    """A list of phrases edited one per line (stored as a list): an administrator reads and writes words,
    not JSON. Blank lines and repeats drop out; each phrase is checked as every text is."""

    widget = forms.Textarea(attrs={"rows": 8, "cols": 30})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        phrases: list[str] = []
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            try:
                phrase = clean_text(line, max_length=PHRASE_MAX)
            except InvalidValue as exc:
                raise forms.ValidationError(
                    gettext("Line %(n)d: %(why)s") % {"n": number, "why": exc}
                ) from exc
            if phrase and phrase not in phrases:
                phrases.append(phrase)
        return phrases


class TriggerSettingsForm(forms.ModelForm):
    media_phrases = PhraseList(
        label=_("media-threat phrases"), required=False, help_text=_("One phrase per line.")
    )
    top_media_phrases = PhraseList(
        label=_("national / provincial media phrases"), required=False, help_text=_("One phrase per line.")
    )

    class Meta:
        model = TriggerSettings
        # The admin's fieldsets name the rest.
        fields = ("media_phrases", "top_media_phrases")


@admin.register(TriggerSettings)
class TriggerSettingsAdmin(admin.ModelAdmin):
    form = TriggerSettingsForm
    list_display = (
        "version",
        "effective_from",
        "active",
        "similarity_threshold",
        "repeat_window_days",
        "group_min_complainants",
        "group_scope",
        "major_amount",
    )
    save_as = True
    fieldsets = (
        (None, {"fields": ("version", "effective_from", "active")}),
        (
            _("Similar matters, repeats and group complaints"),
            {
                "fields": (
                    "similarity_threshold",
                    "repeat_window_days",
                    "group_min_complainants",
                    "group_window_days",
                    "group_scope",
                    "group_product_bank_wide",
                )
            },
        ),
        (
            _("Major complaints and media"),
            {"fields": ("major_joint_complainants", "major_amount", "media_phrases", "top_media_phrases")},
        ),
        (_("Supervision"), {"fields": ("notice_working_days", "transfer_ack_working_days")}),
    )

    def save_model(self, request, obj, form, change):
        forget_settings()
        before = current_settings().similarity_threshold
        super().save_model(request, obj, form, change)
        forget_settings()
        now = current_settings().similarity_threshold
        if now != before:
            # The topics of complaints were formed at the old threshold (redress.matching): new complaints
            # join them at the new one, but what each topic holds changes only when they are formed again.
            messages.warning(
                request,
                gettext(
                    "The likeness of similar matters is now %(now)s (it was %(before)s). The topics of "
                    "complaints already formed stay as they are until they are formed again: run "
                    '"redress remember-matters" at a quiet hour (it places every case once more).'
                )
                % {"now": now, "before": before},
            )


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(CaseRecordAdmin):
    list_display = ("case", "sequence", "issued_level", "to_unit", "due_at", "state")
    list_filter = ("state", "issued_level")
    search_fields = ("case__number",)


@admin.register(Accountability)
class AccountabilityAdmin(CaseRecordAdmin):
    list_display = ("case", "rule", "staff", "unit", "created_at")
    list_filter = ("rule",)
    search_fields = ("case__number", "staff__username")
