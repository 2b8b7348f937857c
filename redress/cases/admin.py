"""Reference data is edited here. The cases themselves are shown read-only by redress.access.admin, through
the visibility rule; they change only through the lifecycle."""

from __future__ import annotations

from django.contrib import admin

from .models import ClassificationItem, ClassificationVersion


@admin.register(ClassificationVersion)
class ClassificationVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "effective_from", "active", "loaded_at")


@admin.register(ClassificationItem)
class ClassificationItemAdmin(admin.ModelAdmin):
    list_display = ("label", "dimension", "code", "label_en", "version")
    list_filter = ("version", "dimension")
    search_fields = ("label", "label_en", "code")
    list_editable = ("code", "label_en")
