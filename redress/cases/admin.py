"""Reference data is edited here. Cases are read-only in the admin: they change only through the lifecycle."""

from __future__ import annotations

from django.contrib import admin

from .models import Case, CaseEvent, ClassificationItem, ClassificationVersion


@admin.register(ClassificationVersion)
class ClassificationVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "effective_from", "active", "loaded_at")


@admin.register(ClassificationItem)
class ClassificationItemAdmin(admin.ModelAdmin):
    list_display = ("label", "dimension", "code", "label_en", "version")
    list_filter = ("version", "dimension")
    search_fields = ("label", "label_en", "code")
    list_editable = ("code", "label_en")


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
        from redress.access.visibility import visible_to

        return visible_to(request.user).select_related("unit", "subject_unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
