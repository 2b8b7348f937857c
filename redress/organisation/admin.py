"""Administrators keep the tree and its people here; writes go through the services so paths stay right."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Staff, StaffRole, Unit, WorkGroup, WorkGroupMember
from .services import create_unit, unit_level


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "level", "parent", "head_phone", "enquiry_phone", "active")
    list_filter = ("kind", "level", "active")
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth", "level", "province_code")
    autocomplete_fields = ("parent",)

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit re-roots a subtree and every case path under it: not an in-place edit.
        return (*self.readonly_fields, "parent") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.level = unit_level(obj.kind, obj.parent)
            obj.save()
            return
        created = create_unit(
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            function=obj.function,
            head_name=obj.head_name,
            head_phone=obj.head_phone,
            enquiry_name=obj.enquiry_name,
            enquiry_phone=obj.enquiry_phone,
        )
        obj.pk, obj.path = created.pk, created.path


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "name", "unit", "is_active", "is_demo")
    list_filter = ("is_active", "is_demo", "role_grants__role")
    search_fields = ("username", "name", "phone")
    autocomplete_fields = ("unit",)
    inlines = [StaffRoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("name", "unit", "phone", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "unit", "password1", "password2")}),
    )


class WorkGroupMemberInline(admin.TabularInline):
    model = WorkGroupMember
    extra = 1
    autocomplete_fields = ("staff",)


@admin.register(WorkGroup)
class WorkGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "unit")
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)
    inlines = [WorkGroupMemberInline]
