"""Retention in the admin site: the periods by kind (at least three years), and the runs with the cases each
anonymised, read-only, for inspectors (decision 0037)."""

from __future__ import annotations

from django.contrib import admin

from .models import AnonymisedCase, RetentionPolicy, RetentionRun


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("kind", "years")


class AnonymisedCaseInline(admin.TabularInline):
    model = AnonymisedCase
    fields = ("number", "kind", "closed_at", "kept_until", "events_erased", "files_deleted")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "dry_run", "started_by", "cases")
    readonly_fields = ("started_at", "finished_at", "dry_run", "started_by", "cases")
    inlines = [AnonymisedCaseInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
