"""Policies are data: administrators add a new version rather than edit one cases were judged under."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from redress.access.admin import CaseRecordAdmin

from .models import Clock, Extension, Policy
from .policies import validate_targets


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = (
            "code",
            "version",
            "name",
            "source",
            "basis",
            "effective_from",
            "effective_to",
            "criteria",
            "targets",
            "active",
        )

    def clean_targets(self):
        targets = self.cleaned_data["targets"]
        if not isinstance(targets, list):
            raise forms.ValidationError("targets is a list of clock targets")
        errors = validate_targets(targets)
        if errors:
            raise forms.ValidationError(errors)
        return targets


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("code", "version", "name", "source", "effective_from", "effective_to", "active")
    list_filter = ("source", "active")
    search_fields = ("code", "name")
    save_as = True

    def get_readonly_fields(self, request, obj=None):
        # A version that clocks were computed under is frozen; "save as new" makes the next version.
        if obj is not None and obj.clocks.exists():
            return ("code", "version", "criteria", "targets", "effective_from", "source")
        return ()


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    list_display = ("case", "name", "state", "due_at", "binding", "unconfirmed", "policy")
    list_filter = ("state", "name", "unconfirmed")
    search_fields = ("case__number",)
    show_full_result_count = False

    def get_queryset(self, request):
        from redress.access.visibility import visible_to

        return (
            super()
            .get_queryset(request)
            .filter(case__in=visible_to(request.user))
            .select_related("case", "policy")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Extension)
class ExtensionAdmin(CaseRecordAdmin):
    list_display = ("clock", "step", "new_amount", "state", "requested_by", "decided_by")
    list_filter = ("state",)
    case_field = "clock__case"
