"""The public's pages, no login (issue 14 item 7; P3 第十六条): report wrongdoing and get a receipt, shown
once; come back with it to read the bank's questions and answers and add material. The receipt travels only
in form bodies, never in an address, so it appears in no log or browser history. Thin: the rules are in
redress.lifecycle.public_reports; every request is counted by the shared rate limiter per client address,
which is not stored (decision 0030)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _L
from django.views.decorators.http import require_http_methods

from redress.access.lockout import client_address
from redress.cases.attachments import StoreFailed
from redress.cases.choices import State
from redress.common import ratelimit
from redress.common.errors import FieldErrors
from redress.lifecycle.public_reports import DeskMissing, add_material, public_status, report_wrongdoing
from redress.receipts import services as receipts
from redress.receipts.models import PublicReport

from .forms import MultipleFileField


class PublicReportForm(forms.Form):
    matter = forms.CharField(
        label=_L("What happened"),
        help_text=_L(
            "Who, where, when, and what you saw. Leave out your name if you wish to stay anonymous."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    contact = forms.CharField(
        label=_L("How we may reach you (optional)"),
        help_text=_L("A phone number, an e-mail address or a time to call. Leave empty to stay unreachable."),
        required=False,
        max_length=receipts.CONTACT_MAX,
    )
    attachments = MultipleFileField(label=_L("Attachments"), required=False)


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_L("Receipt code"),
        help_text=_L("The digits you were given when you sent the report."),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class MaterialForm(forms.Form):
    text = forms.CharField(label=_L("What you add"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_L("Attachments"), required=False)


def _limited(request: HttpRequest, scope: str, *everyone: str) -> ratelimit.RateLimited | None:
    try:
        ratelimit.check(scope, client_address(request) or "unknown", *everyone)
    except ratelimit.RateLimited as refused:
        return refused
    return None


def _refused(
    request: HttpRequest, template: str, context: dict, refused: ratelimit.RateLimited
) -> HttpResponse:
    response = render(request, template, {**context, "refusal": refused.detail}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


def _files_not_kept(form: forms.Form, request: HttpRequest) -> None:
    if request.FILES and "attachments" not in form.errors:
        names = "、".join(f.name for f in request.FILES.getlist("attachments"))
        form.add_error(
            "attachments",
            _("Nothing was sent, so these files were not kept: choose them again (%(names)s).")
            % {"names": names},
        )


def _add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The form to report wrongdoing; sent, the page shows the receipt once."""
    form = PublicReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        refused = _limited(request, "public-submit", ratelimit.EVERYONE)
        if refused is not None:
            return _refused(request, "web/public/report.html", {"form": PublicReportForm()}, refused)
        if form.is_valid():
            try:
                _case, receipt = report_wrongdoing(
                    form.cleaned_data["matter"],
                    form.cleaned_data["contact"],
                    form.cleaned_data["attachments"],
                )
            except (FieldErrors, StoreFailed) as exc:
                _add_errors(form, exc.errors)
            except DeskMissing:
                form.add_error(None, _("Reports cannot be taken at the moment. Please try again later."))
            else:
                return render(request, "web/public/receipt.html", {"receipt": receipts.grouped(receipt)})
        _files_not_kept(form, request)
    return render(request, "web/public/report.html", {"form": form})


def _report_context(report: PublicReport, receipt: str, material: MaterialForm | None = None) -> dict:
    return {
        "report": report,
        "state": State(report.case.state).label,
        "messages_with_bank": receipts.messages(report),
        "receipt": receipt,
        "material": material or MaterialForm(),
    }


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """Come back with the receipt: the report's state, the bank's messages, and a form to add material."""
    lookup = ReceiptForm(request.POST or None)
    if request.method != "POST":
        return render(request, "web/public/follow.html", {"lookup": lookup})
    refused = _limited(request, "public-lookup")
    if refused is not None:
        return _refused(request, "web/public/follow.html", {"lookup": ReceiptForm()}, refused)
    found = receipts.find_report(lookup.data.get("receipt", "")) if lookup.is_valid() else None
    if found is None:
        if lookup.is_valid():
            lookup.add_error("receipt", _("No report has this receipt code. Check the digits and try again."))
        return render(request, "web/public/follow.html", {"lookup": lookup}, status=404)
    receipt = receipts.normalised(lookup.cleaned_data["receipt"]) or ""
    material = None
    if "add" in request.POST:
        material = MaterialForm(request.POST, request.FILES)
        if material.is_valid():
            try:
                add_material(found, material.cleaned_data["text"], material.cleaned_data["attachments"])
            except (FieldErrors, StoreFailed) as exc:
                _add_errors(material, exc.errors)
            else:
                material = None
        if material is not None:
            _files_not_kept(material, request)
    context = _report_context(found, receipt, material)
    context["added"] = "add" in request.POST and material is None
    return render(request, "web/public/follow.html", {"lookup": None, **context})


# ---- the complainant's look-up of their case (issue 15 item 4) ------------------------------------------


class StatusForm(forms.Form):
    number = forms.CharField(label=_L("Case number"), max_length=32)
    phone = forms.CharField(
        label=_L("Phone number"),
        help_text=_L("The phone number you gave when the complaint was registered."),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = forms.CharField(
        label=_L("Status code"),
        help_text=_L("Or the code you were given with the case number when the complaint was registered."),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("code")):
            self.add_error("phone", _("Give the phone number given at registration, or the status code."))
        return data


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """The state of a complaint and the date its reply is due, for its case number and status code (sent in
    the form's body, never in the address)."""
    form = StatusForm(request.POST or None)
    if request.method != "POST":
        return render(request, "web/public/status.html", {"form": form})
    refused = _limited(request, "public-status")
    if refused is not None:
        return _refused(request, "web/public/status.html", {"form": StatusForm()}, refused)
    valid = form.is_valid()
    found = (
        public_status(
            **{k: form.cleaned_data.get(k) or None for k in ("phone", "code")},
            number=form.cleaned_data["number"],
        )
        if valid
        else None
    )
    if found is None:
        if valid:
            form.add_error(
                None,
                _("No case matches this number with this phone number or status code: check them."),
            )
        return render(request, "web/public/status.html", {"form": form}, status=404)
    return render(request, "web/public/status.html", {"form": StatusForm(), "found": found})
