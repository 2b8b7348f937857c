"""The calendar in the admin: load a year from its file, correct a day, read the audit trail.

Days and years change only through `redress.calendar.services`, so every admin write is validated, audited
and signalled like one from the command or the API.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from redress.calendar.choices import DayKind
from redress.calendar.models import CalendarChange, CalendarDay, CalendarYear, Jurisdiction
from redress.calendar.services import CalendarError, load_year, read_arrangement, set_day
from redress.calendar.workdays import default_kind
from redress.organisation.choices import Role


def _is_calendar_admin(user) -> bool:
    return user.is_superuser or (hasattr(user, "has_role") and user.has_role(Role.ADMIN))


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "timezone")


class LoadYearForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        Jurisdiction.objects.all(), label=_("jurisdiction"), to_field_name="code"
    )
    year = forms.IntegerField(label=_("year"), min_value=1949, max_value=2200)
    file = forms.FileField(label=_("arrangement file (YAML)"))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "jurisdiction", "source", "loaded_at", "loaded_by")
    list_filter = ("jurisdiction",)
    readonly_fields = ("jurisdiction", "year", "source", "loaded_at", "loaded_by")

    def has_add_permission(self, request):
        # A year is confirmed by loading its arrangement, never by adding a bare row.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        load = self.admin_site.admin_view(self.load_view)
        return [path("load/", load, name="calendar_calendaryear_load"), *super().get_urls()]

    def load_view(self, request):
        if not _is_calendar_admin(request.user):
            raise PermissionDenied
        form = LoadYearForm(request.POST or None, request.FILES or None, initial=self._initial())
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                arrangement = read_arrangement(text, form.cleaned_data["year"])
                load_year(
                    arrangement, jurisdiction=form.cleaned_data["jurisdiction"].code, actor=request.user
                )
            except UnicodeDecodeError:
                form.add_error("file", gettext("The file is not UTF-8 text."))
            except CalendarError as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(None, f"{field}: {problem}")
            else:
                self.message_user(
                    request,
                    gettext("%(year)s loaded: %(days)s days, the year is confirmed.")
                    % {"year": arrangement.year, "days": len(arrangement.days())},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:calendar_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Load a year's holiday arrangement"),
            "form": form,
        }
        return TemplateResponse(request, "admin/calendar/calendaryear/load.html", context)

    def _initial(self) -> dict:
        return {"jurisdiction": "CN", "year": dt.date.today().year + 1}


class CalendarDayForm(forms.ModelForm):
    note = forms.CharField(
        label=_("reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = CalendarDay
        fields = ("jurisdiction", "date", "kind", "name")

    def validate_unique(self):
        # Correcting a day that has a row updates that row: the service handles it.
        pass


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "kind", "name", "jurisdiction", "arrangement_year")
    list_filter = ("jurisdiction", "kind", "arrangement_year")
    search_fields = ("name",)
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        return ("jurisdiction", "date") if obj else ()

    def has_add_permission(self, request):
        return _is_calendar_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_calendar_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_calendar_admin(request.user)

    def save_model(self, request, obj, form, change):
        try:
            set_day(
                obj.date,
                obj.kind,
                obj.name,
                jurisdiction=obj.jurisdiction.code,
                actor=request.user,
                note=form.cleaned_data.get("note", ""),
            )
        except CalendarError as exc:
            raise PermissionDenied(str(exc)) from exc
        stored = CalendarDay.objects.filter(jurisdiction=obj.jurisdiction, date=obj.date).first()
        if stored:
            obj.pk = stored.pk

    def delete_model(self, request, obj):
        # Deleting a day's row returns it to the weekend rule; that is a change like any other.
        set_day(obj.date, default_kind(obj.date), "", jurisdiction=obj.jurisdiction.code, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("jurisdiction"):
            self.delete_model(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        original_clean = form.clean

        def clean(this):
            cleaned = original_clean(this)
            date = cleaned.get("date") or (obj.date if obj else None)
            if cleaned.get("kind") == DayKind.MAKEUP_WORKDAY and date and date.weekday() < 5:
                this.add_error("kind", gettext("A make-up working day is a Saturday or Sunday."))
            if (
                obj is None
                and date
                and (cleaned.get("kind"), cleaned.get("name") or "") == (default_kind(date), "")
            ):
                this.add_error(
                    "kind", gettext("That is already the day's type; there is nothing to correct.")
                )
            return cleaned

        form.clean = clean
        return form


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "action",
        "jurisdiction",
        "year",
        "date",
        "old_kind",
        "new_kind",
        "new_name",
        "actor",
    )
    list_filter = ("jurisdiction", "action", "year")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
