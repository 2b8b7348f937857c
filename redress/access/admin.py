"""The cases in the admin site: read-only, and only those the administrator may see (visible_to applies
here as everywhere, so the subject-staff exclusion holds in the admin too). Registered by the access app,
which owns that rule; they change only through the lifecycle."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from redress.cases.models import Case, CaseEvent
from redress.common.validators import mask_id_number, mask_phone
from redress.organisation.admin import StaffAdmin
from redress.organisation.models import Staff

from .confidential import may_see_content, withhold
from .lockout import unlock
from .models import ApiToken
from .tokens import revoke_token
from .visibility import visible_to


class CaseRecordAdmin(admin.ModelAdmin):
    """A record of a case's handling in the admin site (a notice, an extension, a notification): only those of
    cases the administrator may see (`visible_to`, so not those about themselves), and none added, changed or
    deleted there: the history needs them, and they change only through the lifecycle (issue 14)."""

    # The path from the record to its case; `case_optional`: records about no case (a notification) are shown.
    case_field = "case"
    case_optional = False

    def get_queryset(self, request):
        scoped = Q(**{f"{self.case_field}__in": visible_to(request.user)})
        if self.case_optional:
            scoped |= Q(**{f"{self.case_field}__isnull": True})
        return super().get_queryset(request).filter(scoped)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    # The numbers masked here as everywhere: the reveal (with its purpose, on the case page) is the only way
    # to see them in full (R10.3, decision 0031).
    exclude = (
        "complainant_phone",
        "complainant_id_number",
        "complainant_phone_index",
        "complainant_id_index",
    )
    readonly_fields = ("masked_phone", "masked_id_number")

    @admin.display(description=_("contact phone"))
    def masked_phone(self, obj: Case) -> str:
        return mask_phone(obj.complainant_phone)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Case) -> str:
        return mask_id_number(obj.complainant_id_number)

    def get_queryset(self, request):
        return visible_to(request.user).select_related("unit", "subject_unit")

    def get_object(self, request, object_id, from_field=None):
        # A confidential case for an administrator who does not handle it: its number and state (R10.1).
        case = super().get_object(request, object_id, from_field)
        if case is not None and not may_see_content(request.user, case):
            withhold(case)
        return case

    def get_inlines(self, request, obj):
        if obj is not None and getattr(obj, "withheld_in_memory", False):
            return []  # nor its history's texts
        return super().get_inlines(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every staff member's API tokens, for administrators: when issued, expiring, last used, and revoked
    (never deleted, so the record of who had access stays). Owners list and revoke theirs in the API."""

    list_display = ("pk", "staff", "created_at", "expires_at", "last_used_at", "revoked", "revoked_because")
    list_filter = ("revoked", "revoked_because")
    search_fields = ("staff__username", "staff__name")
    list_select_related = ("staff",)
    readonly_fields = (
        "staff",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked",
        "revoked_at",
        "revoked_because",
    )
    exclude = ("digest",)
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request, queryset):
        done = [revoke_token(request.user, token.pk) for token in queryset.filter(revoked=False)]
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", len(done)) % {"n": len(done)},
        )


# The staff pages belong to the organisation, which knows nothing of logins: the access app adds the unlock.
admin.site.unregister(Staff)


@admin.register(Staff)
class StaffWithLockoutAdmin(StaffAdmin):
    actions = [*StaffAdmin.actions, "unlock_logins"]

    @admin.action(description=_("Unlock logins (clear failed attempts)"))
    def unlock_logins(self, request, queryset):
        n = unlock(queryset, by=request.user)
        self.message_user(
            request, ngettext("%(n)d account unlocked.", "%(n)d accounts unlocked.", n) % {"n": n}
        )
