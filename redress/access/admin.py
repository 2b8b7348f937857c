"""The cases in the admin site: read-only, and only those the administrator may see (visible_to applies
here as everywhere, so the subject-staff exclusion holds in the admin too). Registered by the access app,
which owns that rule; they change only through the lifecycle."""

from __future__ import annotations

from django.contrib import admin

from redress.cases.models import Case, CaseEvent

from .visibility import visible_to


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "at", "data")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only view for administrators; the subject-staff exclusion of visible_to applies here too."""

    list_display = ("number", "kind", "channel", "received_at", "state", "unit", "subject_unit")
    list_filter = ("kind", "channel", "state")
    search_fields = ("number",)
    show_full_result_count = False
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        return visible_to(request.user).select_related("unit", "subject_unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
