"""The daily checks page (P3 第九条): the signed-in person's checks of the day, ticked with what was found;
and the form by which the supervision office registers a media item found by monitoring (P3 第八条(四))."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from redress.cases.choices import Category
from redress.common.errors import FieldErrors
from redress.lifecycle.media import MediaItemData, may_register_media_items, register_media_item
from redress.watch import services as checks


@login_required
@require_http_methods(["GET", "POST"])
def daily_checks(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = checks.my_duties(user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if user.is_read_only:
            raise PermissionDenied(_("Auditors may read but not record checks."))
        duty = request.POST.get("duty", "")
        try:
            checks.record_check(user, duty, request.POST.get("found", ""))
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Recorded: %(check)s.") % {"check": dict(checks.CheckDuty.choices)[duty]}
            )
            return redirect("web:daily_checks")
    items = (
        [i for i in checks.checklist(user.unit, timezone.localdate()) if i.duty in mine]
        if user.unit_id
        else []
    )
    return render(
        request,
        "web/daily_checks.html",
        {
            "items": items,
            "today": timezone.localdate(),
            "errors": errors,
            "posted": request.POST,
            "may_register_media": may_register_media_items(user),
        },
    )


class MediaItemForm(forms.Form):
    """Lenient strings: register_media_item says what is wrong, field by field."""

    source = forms.CharField(label=gettext_lazy("where it was found"), required=False, max_length=128)
    title = forms.CharField(label=gettext_lazy("title"), required=False, max_length=255)
    summary = forms.CharField(
        label=gettext_lazy("what it says"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    url = forms.CharField(label=gettext_lazy("web address"), required=False, max_length=500)
    published_at = forms.DateTimeField(
        label=gettext_lazy("published"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subject_unit = forms.CharField(
        label=gettext_lazy("unit concerned"),
        required=False,
        help_text=gettext_lazy("Unit code; your own branch when left empty."),
    )
    category = forms.ChoiceField(label=gettext_lazy("category"), choices=Category.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "title", "summary", "category"):
            self.fields[name].marked = True  # shown as required; the rule judges them


@login_required
@require_http_methods(["GET", "POST"])
def new_media_item(request: HttpRequest) -> HttpResponse:
    if not may_register_media_items(request.user):
        raise PermissionDenied(_("Only the supervision office registers media items."))
    form = MediaItemForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            item = register_media_item(request.user, MediaItemData(**form.cleaned_data))
        except FieldErrors as exc:
            for name, found in exc.errors.items():
                if name in form.fields:
                    for message in found:
                        form.add_error(name, message)
                else:
                    problem = " ".join(found)
        else:
            messages.success(
                request,
                _("Registered as case %(number)s and sent to the spokesperson %(name)s.")
                % {"number": item.case.number, "name": item.spokesperson.name},
            )
            return redirect(reverse("web:case", args=[item.case.number]))
    return render(request, "web/media_item_form.html", {"form": form, "problem": problem})
