"""The case page's actions: one form per human action of `redress.lifecycle`, derived from the action's
declaration (its parameter schema and labels), never written by hand.

The forms only parse and render. Every rule (who may, in which state, what is valid) is the lifecycle's: a
form hands its values to `lifecycle.perform`, and the field errors come back beside the fields. Pickers for
units, staff, levels and clocks (`PICKERS`) narrow the choices offered; the lifecycle still judges whatever
arrives.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redress import lifecycle
from redress.cases.choices import Kind
from redress.cases.models import Case
from redress.cases.services import active_classification
from redress.deadlines.choices import COUNTING_STATES, ClockName
from redress.lifecycle.machine import Action
from redress.lifecycle.params import Widget, reference_of, widget_of
from redress.organisation.choices import LEVEL_ORDER, Level
from redress.organisation.models import Staff, Unit

from .forms import PEOPLE_PICKER, unit_choices

_BLANK = [("", "—")]


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


def _field(widget: Widget) -> forms.Field:
    """The form field for one parameter. Fields stay optional for Django: the lifecycle judges every value at
    once and says what is missing; `lifecycle_required` marks the field on the page."""
    kind = widget.kind
    if kind == "flag":
        field: forms.Field = forms.BooleanField(label=widget.label, required=False)
    elif kind == "moment":
        field = forms.DateTimeField(
            label=widget.label,
            required=False,
            help_text=_("Beijing time. Leave empty for now."),
            # Typed at the desk in Beijing time (TIME_ZONE); sent to the lifecycle as an aware datetime.
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    elif kind in {"choice", "radio", "yes_no"}:
        choices = list(widget.choices)
        control = (
            forms.Select(choices=_BLANK + choices) if kind == "choice" else forms.RadioSelect(choices=choices)
        )
        field = forms.CharField(label=widget.label, required=False, widget=control)
    elif kind == "line":
        field = forms.CharField(label=widget.label, required=False, help_text=widget.help)
    else:
        field = forms.CharField(
            label=widget.label,
            required=False,
            help_text=widget.help,
            widget=forms.Textarea(attrs={"rows": widget.rows}),
        )
    field.lifecycle_required = widget.required
    return field


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


@cache
def form_class(action_name: str) -> type[ActionForm]:
    """The form of a human action, built from its parameter schema (one field per parameter, in order)."""
    action = lifecycle.HUMAN_ACTIONS[action_name]
    attrs: dict[str, Any] = {
        name: _field(widget_of(info)) for name, info in action.params.model_fields.items()
    }
    for name, info in action.params.model_fields.items():
        reference = reference_of(info)
        if (
            reference is not None
            and reference.model == "staff"
            and isinstance(attrs[name].widget, forms.TextInput)
        ):
            attrs[name].widget.attrs.update(PEOPLE_PICKER)  # a person found by name, sent as the username
    picker = PICKERS.get(action_name)
    if picker is not None:
        attrs["setup"] = picker
    return type(f"{action_name.title().replace('_', '')}Form", (ActionForm,), attrs)


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
    # The approver is written by name: the picker offers the staff found, and fills in the name.
    form.fields["approver_name"].widget.attrs.update({**PEOPLE_PICKER, "data-people-fill": "name"})


def _setup_accountability(form: ActionForm) -> None:
    form.fields["unit"].widget = forms.Select(choices=_BLANK + unit_choices(Unit.objects.filter(active=True)))


def _setup_extension(form: ActionForm) -> None:
    names = set(form.case.clocks.filter(state__in=COUNTING_STATES).values_list("name", flat=True))
    form.fields["clock"].widget = forms.Select(
        choices=[
            ("", _("— the earliest answer clock —")),
            *[(v, label) for v, label in ClockName.choices if v in names],
        ]
    )


def _setup_close(form: ActionForm) -> None:
    # The regulator's classes, chosen from the active classification; the case's own preselected.
    items = active_classification()
    for name in ("business_category", "reason"):
        current = getattr(form.case, name)
        choices = [(i.label, i.label) for i in items if i.dimension == name]
        form.fields[name].widget = forms.Select(choices=_BLANK + choices)
        form.fields[name].initial = current.label if current else ""
        form.fields[name].lifecycle_required = form.case.kind == Kind.COMPLAINT and current is None


# Choices on the case page that depend on the user and the case; keyed by declared action (a test holds the
# keys to the catalogue).
PICKERS = {
    "transfer": _setup_transfer,
    "acknowledge": _setup_acknowledge,
    "escalate": _setup_escalate,
    "report": _setup_report,
    "approve_compensation": _setup_compensation,
    "hold_accountable": _setup_accountability,
    "request_extension": _setup_extension,
    "close": _setup_close,
}

GROUP_LABELS = {
    "review": _("Review"),
    "routing": _("Routing"),
    "customer": _("Customer"),
    "handling": _("Handling"),
    "oversight": _("Oversight"),
    "clocks": _("Clocks"),
    "close": _("Close"),
}


def grouped(actions: list[str]) -> list[tuple[str, list[Action]]]:
    """The allowed human actions as (group label, actions) in the catalogue's order, empty groups left out."""
    allowed = set(actions)
    groups = []
    for key in lifecycle.GROUPS:
        members = [a for a in lifecycle.HUMAN_ACTIONS.values() if a.group == key and a.name in allowed]
        if members:
            groups.append((GROUP_LABELS[key], members))
    return groups


def has_fields(action: Action) -> bool:
    return bool(action.params.model_fields)
