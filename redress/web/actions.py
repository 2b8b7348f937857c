"""The case page's actions: one small form per lifecycle action, declared in one table.

The forms only parse and render. Every rule (who may, in which state, what is valid) is the lifecycle's:
a form hands its values to `lifecycle.perform` as the action's params, and the lifecycle's field errors are
put back beside the fields. Choice lists (units, staff, methods…) are offered for convenience; the lifecycle
still judges whatever arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redress.cases.choices import ContactMethod, Responsibility, SafetyIncident, Satisfaction
from redress.cases.models import Case
from redress.deadlines.choices import ClockName, PauseReason
from redress.organisation.choices import LEVEL_ORDER, Level
from redress.organisation.models import Staff, Unit

from .forms import unit_choices

_BLANK = [("", "—")]
_YES_NO = [("true", _("yes")), ("false", _("no"))]


class PathSelect(forms.Select):
    """Options carrying a unit path: on the transfer form the page narrows the handlers to the chosen unit."""

    def __init__(self, *args, paths: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.paths = paths or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.paths:
            option["attrs"]["data-unit-path"] = self.paths[value]
        return option


def staff_choices(staff: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    rows = (
        staff.filter(is_active=True)
        .order_by("unit__path", "name")
        .values_list("username", "name", "unit__name", "unit__path")
    )
    choices = [(username, f"{name} · {unit or '—'}") for username, name, unit, _path in rows]
    return choices, {username: path or "" for username, _n, _u, path in rows}


def _mark(field: forms.Field, required: bool) -> forms.Field:
    # Fields stay optional for Django: the lifecycle judges every value at once and says what is missing.
    field.lifecycle_required = required
    return field


def _text(label, *, required: bool = False, rows: int = 3, **kwargs) -> forms.CharField:
    field = forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )
    return _mark(field, required)


def _line(label, *, required: bool = False, **kwargs) -> forms.CharField:
    return _mark(forms.CharField(label=label, required=False, **kwargs), required)


def _choice(label, choices, *, required: bool = False, radio: bool = False) -> forms.CharField:
    widget = (
        forms.RadioSelect(choices=list(choices)) if radio else forms.Select(choices=_BLANK + list(choices))
    )
    return _mark(forms.CharField(label=label, required=False, widget=widget), required)


def _moment(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=_("Beijing time. Leave empty for now."),
        # Typed at the desk in Beijing time (TIME_ZONE); sent to the lifecycle as an aware datetime.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _flag(label) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class ActionForm(forms.Form):
    """Base of every action form: the case version the user saw, for the lifecycle's no-lost-update check."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user: Staff, case: Case, **kwargs):
        self.user, self.case = user, case
        super().__init__(*args, **kwargs)
        self.setup()

    def setup(self) -> None:
        """Fill choices that depend on the user and the case."""

    def params(self) -> dict[str, Any]:
        """The lifecycle's params: every field but the version; empty optional values are left out."""
        params = {}
        for name, value in self.cleaned_data.items():
            if name == "version" or value is None or value == "":
                continue
            params[name] = value
        return params

    def add_action_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = name if name in self.fields and name != "version" else None
            for message in messages:
                self.add_error(field, message)


def _subform(name: str, fields: dict[str, forms.Field], setup=None) -> type[ActionForm]:
    attrs: dict[str, Any] = dict(fields)
    if setup is not None:
        attrs["setup"] = setup
    return type(f"{name.title().replace('_', '')}Form", (ActionForm,), attrs)


def _setup_transfer(form: ActionForm) -> None:
    units = Unit.objects.filter(active=True).exclude(pk=form.case.holder_unit_id)
    form.fields["to_unit"].widget = PathSelect(
        choices=[("", _("— the default route for its category —")), *unit_choices(units)],
        attrs={"data-narrows": "id_handler"},
        paths=dict(units.values_list("code", "path")),
    )
    staff = (
        Staff.objects.exclude(pk=form.case.subject_staff_id) if form.case.subject_staff_id else Staff.objects
    )
    choices, paths = staff_choices(staff.exclude(unit__isnull=True))
    form.fields["handler"].widget = PathSelect(
        choices=[("", _("— the receiving unit assigns one —")), *choices], paths=paths
    )


def _setup_acknowledge(form: ActionForm) -> None:
    case = form.case
    staff = Staff.objects.filter(Q(unit__path__startswith=case.holder_unit_path) | Q(pk=case.handler_id))
    if case.subject_staff_id:
        staff = staff.exclude(pk=case.subject_staff_id)
    choices, _paths = staff_choices(staff)
    form.fields["handler"].widget = forms.Select(choices=choices)
    default = case.handler.username if case.handler_id else form.user.username
    form.fields["handler"].initial = default


def _setup_escalate(form: ActionForm) -> None:
    above = [(v, label) for v, label in Level.choices if LEVEL_ORDER[v] > LEVEL_ORDER[form.case.level]]
    form.fields["to_level"].widget = forms.Select(choices=[("", _("— the next level up —")), *above])


def _setup_report(form: ActionForm) -> None:
    form.fields["handler_name"].initial = form.user.name
    form.fields["handler_phone"].initial = form.user.phone


def _setup_compensation(form: ActionForm) -> None:
    form.fields["business_line"].widget = forms.Select(
        choices=_BLANK + unit_choices(Unit.objects.filter(active=True, kind="department"))
    )


def _setup_extension(form: ActionForm) -> None:
    names = set(
        form.case.clocks.filter(state__in=["running", "warning", "breached"]).values_list("name", flat=True)
    )
    form.fields["clock"].widget = forms.Select(
        choices=[
            ("", _("— the earliest answer clock —")),
            *[(v, label) for v, label in ClockName.choices if v in names],
        ]
    )


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: Any
    group: str
    form: type[ActionForm]
    style: str = ""  # "primary" for the step the procedure expects next, "danger" for ends
    hint: Any = ""


GROUPS = (
    ("review", _("Review")),
    ("routing", _("Routing")),
    ("customer", _("Customer")),
    ("handling", _("Handling")),
    ("clocks", _("Clocks")),
    ("close", _("Close")),
)

_SPECS = (
    ActionSpec("accept", _("Accept"), "review", _subform("accept", {}), "primary"),
    ActionSpec(
        "reject",
        _("Do not accept"),
        "review",
        _subform("reject", {"reason": _text(_("reason, as told to the complainant"), required=True)}),
        "danger",
    ),
    ActionSpec(
        "answer_on_spot",
        _("Answer on the spot"),
        "review",
        _subform("answer_on_spot", {"answer": _text(_("answer given"), required=True)}),
    ),
    ActionSpec(
        "instruct",
        _("Write instruction"),
        "review",
        _subform("instruct", {"text": _text(_("instruction"), required=True, rows=4)}),
    ),
    ActionSpec(
        "transfer",
        _("Transfer"),
        "routing",
        _subform(
            "transfer",
            {
                "to_unit": _line(_("to unit")),
                "handler": _line(
                    _("handler"), help_text=_("Optional. Never the staff member complained about.")
                ),
                "note": _text(_("note")),
            },
            _setup_transfer,
        ),
        "primary",
        _("Sends the case with a transfer order to the unit that must fix it."),
    ),
    ActionSpec(
        "acknowledge",
        _("Acknowledge transfer"),
        "routing",
        _subform("acknowledge", {"handler": _line(_("handler"))}, _setup_acknowledge),
        "primary",
    ),
    ActionSpec(
        "bounce",
        _("Send back"),
        "routing",
        _subform("bounce", {"reason": _text(_("reason sent back"), required=True)}),
        "danger",
    ),
    ActionSpec("chase", _("Chase the handler"), "routing", _subform("chase", {"note": _text(_("note"))})),
    ActionSpec(
        "report_to_head",
        _("Report to the handler's head"),
        "routing",
        _subform("report_to_head", {"note": _text(_("note"))}),
    ),
    ActionSpec(
        "escalate",
        _("Escalate"),
        "routing",
        _subform(
            "escalate",
            {"to_level": _line(_("to level")), "reason": _text(_("reason"), required=True)},
            _setup_escalate,
        ),
    ),
    ActionSpec(
        "contact",
        _("Record contact"),
        "customer",
        _subform(
            "contact",
            {
                "at": _moment(_("at")),
                "method": _choice(_("method"), ContactMethod.choices, required=True),
                "note": _text(_("note")),
            },
        ),
        "",
        _("Meets the first-contact clock."),
    ),
    ActionSpec(
        "reply",
        _("Reply to the customer"),
        "customer",
        _subform(
            "reply",
            {
                "at": _moment(_("at")),
                "method": _choice(_("method"), ContactMethod.choices, required=True),
                "content": _text(_("decision notice"), required=True, rows=5),
                "promises_compensation": _flag(_("the reply promises compensation")),
            },
        ),
        "primary",
        _("The notice states the remedies open to the customer (review, mediation, arbitration, court)."),
    ),
    ActionSpec(
        "explain",
        _("Explain: not the bank's fault"),
        "customer",
        _subform(
            "explain",
            {
                "rule": _text(_("rule explained"), required=True),
                "at": _moment(_("at")),
                "method": _choice(_("method"), ContactMethod.choices, required=True),
            },
        ),
    ),
    ActionSpec(
        "follow_up",
        _("Follow-up call"),
        "customer",
        _subform(
            "follow_up",
            {
                "satisfaction": _choice(_("satisfaction"), Satisfaction.choices, required=True, radio=True),
                "note": _text(_("note")),
            },
        ),
        "primary",
    ),
    ActionSpec(
        "report",
        _("File result report"),
        "handling",
        _subform(
            "report",
            {
                "findings": _text(_("matter and findings"), required=True, rows=4),
                "staff_handling": _text(_("handling of the responsible persons"), required=True),
                "lessons": _text(_("lessons learned"), required=True),
                "rectification": _text(_("rectification"), required=True),
                "customer_satisfaction": _choice(
                    _("customer's satisfaction"), Satisfaction.choices, required=True, radio=True
                ),
                "handled_at": _moment(_("handled at")),
                "handler_name": _line(_("handler"), required=True, max_length=64),
                "handler_phone": _line(_("handler's phone"), required=True, max_length=32),
            },
            _setup_report,
        ),
        "primary",
    ),
    ActionSpec(
        "approve_compensation",
        _("Record compensation approval"),
        "handling",
        _subform(
            "approve_compensation",
            {
                "amount": _line(_("amount (yuan)"), required=True),
                "business_line": _line(_("business line")),
                "approver_name": _line(_("approved by"), required=True, max_length=64),
                "note": _text(_("note")),
            },
            _setup_compensation,
        ),
    ),
    ActionSpec(
        "refer_legal",
        _("Refer to legal counsel"),
        "handling",
        _subform("refer_legal", {"note": _text(_("note"), required=True)}),
    ),
    ActionSpec(
        "assess_anonymous",
        _("Assess anonymous report"),
        "handling",
        _subform(
            "assess_anonymous",
            {
                "good_faith": _choice(_("made in good faith?"), _YES_NO, required=True, radio=True),
                "note": _text(_("what was verified, or the analysis"), required=True),
            },
        ),
    ),
    ActionSpec(
        "record_safety",
        _("Record safety incident"),
        "handling",
        _subform(
            "record_safety",
            {
                "incident": _choice(_("incident"), SafetyIncident.choices, required=True),
                "note": _text(_("what happened and what was done"), required=True),
                "security_called": _flag(_("security department called")),
                "police_called": _flag(_("police called")),
                "video_covered": _flag(_("covered by video")),
            },
        ),
    ),
    ActionSpec(
        "link_repeat",
        _("Link to earlier case"),
        "handling",
        _subform("link_repeat", {"previous_case": _line(_("earlier case number"), required=True)}),
    ),
    ActionSpec(
        "reverify",
        _("Re-verify"),
        "handling",
        _subform("reverify", {"note": _text(_("note"), required=True)}),
    ),
    ActionSpec(
        "add_facts",
        _("New facts received"),
        "handling",
        _subform("add_facts", {"note": _text(_("note"), required=True)}),
        "",
        _("Restarts the statutory decision clock from today."),
    ),
    ActionSpec(
        "pause_clocks",
        _("Pause clocks"),
        "clocks",
        _subform(
            "pause_clocks",
            {"reason": _choice(_("reason"), PauseReason.choices, required=True), "note": _text(_("note"))},
        ),
        "",
        _("Only for an external appraisal or a mediation, as the law allows."),
    ),
    ActionSpec("resume_clocks", _("Resume clocks"), "clocks", _subform("resume_clocks", {})),
    ActionSpec(
        "request_extension",
        _("Request extension"),
        "clocks",
        _subform(
            "request_extension",
            {"clock": _line(_("clock")), "reason": _text(_("reason"), required=True)},
            _setup_extension,
        ),
    ),
    ActionSpec(
        "decide_extension",
        _("Decide extension"),
        "clocks",
        _subform(
            "decide_extension",
            {
                "approve": _choice(
                    _("decision"), [("true", _("approve")), ("false", _("refuse"))], radio=True
                ),
                "customer_told_method": _choice(_("customer told by"), ContactMethod.choices),
                "note": _text(_("note")),
            },
        ),
    ),
    ActionSpec(
        "close",
        _("Close"),
        "close",
        _subform(
            "close",
            {
                "responsibility": _choice(
                    _("responsibility"), Responsibility.choices, required=True, radio=True
                )
            },
        ),
        "primary",
        _("Closing decides the statistics class from the case's facts."),
    ),
    ActionSpec(
        "reopen", _("Reopen"), "close", _subform("reopen", {"reason": _text(_("reason"), required=True)})
    ),
    ActionSpec(
        "withdraw",
        _("Withdrawal"),
        "close",
        _subform(
            "withdraw",
            {
                "voluntary": _choice(_("withdrawn voluntarily?"), _YES_NO, required=True, radio=True),
                "reason": _text(_("reason"), required=True),
            },
        ),
        "danger",
        _("Not voluntary: the case stays open, goes to the supervision office and an investigation opens."),
    ),
)

ACTIONS: dict[str, ActionSpec] = {spec.name: spec for spec in _SPECS}
# Run by the system actor (escalation triggers, the sweeper), never offered on a page.
SYSTEM_ACTIONS = frozenset({"set_flags", "auto_escalate"})


def grouped(actions: list[str]) -> list[tuple[str, list[ActionSpec]]]:
    """The allowed actions as (group label, specs) in the table's order, empty groups left out."""
    allowed = set(actions)
    groups = []
    for key, label in GROUPS:
        specs = [spec for spec in _SPECS if spec.group == key and spec.name in allowed]
        if specs:
            groups.append((label, specs))
    return groups


def has_fields(spec: ActionSpec) -> bool:
    return any(name != "version" for name in spec.form.base_fields)
