"""The parameters of an action: one pydantic schema per action, read by the API (request body and its
OpenAPI documentation), by the case page (its form) and by the machine (validation), so they are declared
once and checked one way.

Each field is made with one of the helpers below. Besides its type and its English description (for the
API's documentation) it carries a `Widget` with the label the case page shows in the user's language; fields
that name a unit, a staff member or a case carry a `Reference` the machine resolves to the object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from redress.access.visibility import visible_to
from redress.cases.models import Case
from redress.cases.services import classification_item
from redress.common.text import CLEAN
from redress.common.validators import InvalidValue, normalise_phone, parse_amount
from redress.organisation.models import Staff, Unit

# Free text from the desk is bounded: a matter longer than this comes as an attachment.
TEXT_MAX = 10_000
# The example of a moment when a field names none: a working morning in Beijing time, in the past.
MOMENT_EXAMPLE = "2026-11-30T10:30:00+08:00"


@dataclass(frozen=True)
class Upcoming:
    """The example of a deadline, made when it is asked for: 17:00 Beijing time `days` ahead. A fixed date
    would be refused once it passed (a deadline is still to come, and within a year), and the request the
    API documents would stop being a valid one. Also pydantic's `json_schema_extra` of the field."""

    days: int

    def example(self) -> str:
        day = timezone.localdate() + dt.timedelta(days=self.days)
        return dt.datetime.combine(day, dt.time(17), tzinfo=timezone.get_current_timezone()).isoformat()

    def __call__(self, schema: dict[str, Any]) -> None:
        schema["examples"] = [self.example()]


def examples_of(info) -> list[Any]:
    """A field's examples: those it declares, or the one its `Upcoming` makes now."""
    if info.examples:
        return list(info.examples)
    upcoming = next((m for m in info.metadata if isinstance(m, Upcoming)), None)
    return [upcoming.example()] if upcoming else []


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """One realistic request of `model`, made of the examples its fields declare (the first of each)."""
    return {name: found[0] for name, info in model.model_fields.items() if (found := examples_of(info))}


def _body_example(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # The body's example is assembled from its fields' examples, so it is declared once, beside each
    # field's description, and documents every action's body (the API's `<Action>In`) without a second copy.
    schema.setdefault("examples", [example_of(model)])


class Params(BaseModel):
    """Base of every action's parameters. A misspelt field is refused (it would otherwise be dropped
    without a word and the fact lost); text is trimmed, so a blank required field is a missing one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_body_example)


class NoParams(Params):
    pass


@dataclass(frozen=True)
class Widget:
    """How the case page shows a field: its label, and the control (text area rows, a one-line input, a
    radio list instead of a drop-down). `required` marks the field on the form; the schema judges it."""

    label: Any
    kind: str = "text"  # text | line | choice | radio | flag | moment | yes_no
    rows: int = 3
    required: bool = False
    help: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Reference:
    """A field naming a unit (by code), a staff member (by username) or a case (by number, among the cases
    the actor may see); the machine resolves it to the object, or refuses with the field's name."""

    model: str  # "unit" | "staff" | "case" | "class"
    dimension: str = ""  # for a class: the classification's dimension (business_category, reason, channel)


def widget_of(info) -> Widget | None:
    return next((m for m in info.metadata if isinstance(m, Widget)), None)


def reference_of(info) -> Reference | None:
    return next((m for m in info.metadata if isinstance(m, Reference)), None)


def choices_of(choices: type[models.TextChoices]) -> Any:
    """A Literal of the identifiers of a TextChoices: the schema lists them and refuses others."""
    return Literal[tuple(choices.values)]


# ---- field helpers -------------------------------------------------------------------------------------


# Each helper takes the field's example (what a clerk at the demo bank would send: its units, its users,
# Chinese text); the fields that name a unit, a person, a case or a number must be given one, the others
# have a plain default. The body's example is assembled from them (`example_of`).


def text(
    label, description: str, *, example: str, required: bool = True, rows: int = 3, help: Any = ""
) -> Any:
    """Free text; required means it may not be blank."""
    widget = Widget(label, "text", rows=rows, required=required, help=help)
    bounds = {"min_length": 1} if required else {}
    field = Field(max_length=TEXT_MAX, description=description, examples=[example], **bounds)
    return Annotated[str, widget, field, CLEAN]


def line(
    label, description: str, *, example: str, required: bool = True, max_length: int = 64, help: Any = ""
) -> Any:
    widget = Widget(label, "line", required=required, help=help)
    bounds = {"min_length": 1} if required else {}
    field = Field(max_length=max_length, description=description, examples=[example], **bounds)
    return Annotated[str, widget, field, CLEAN]


def choice(
    label, choices: type[models.TextChoices], description: str, *, radio: bool = False, example: str = ""
) -> Any:
    widget = Widget(label, "radio" if radio else "choice", required=True, choices=tuple(choices.choices))
    return Annotated[
        choices_of(choices),
        widget,
        Field(description=description, examples=[str(example or choices.values[0])]),
    ]


def optional_choice(label, choices: type[models.TextChoices], description: str, *, example: str = "") -> Any:
    widget = Widget(label, "choice", choices=tuple(choices.choices))
    return Annotated[
        choices_of(choices) | None,
        widget,
        Field(description=description, examples=[str(example or choices.values[0])]),
    ]


def flag(label, description: str, *, example: bool = False) -> Any:
    return Annotated[bool, Widget(label, "flag"), Field(description=description, examples=[example])]


def yes_no(label, description: str, *, yes=None, no=None, example: bool = True) -> Any:
    """A required true/false the clerk must answer (no default)."""
    widget = Widget(
        label, "yes_no", required=True, choices=(("true", yes or _lazy_yes), ("false", no or _lazy_no))
    )
    return Annotated[bool, widget, Field(description=description, examples=[example])]


def moment(label, description: str, *, example: str = MOMENT_EXAMPLE) -> Any:
    """When something happened: ISO 8601 with its offset, not in the future; now when omitted."""
    return Annotated[
        dt.datetime | None,
        Widget(label, "moment"),
        BeforeValidator(_aware),
        AfterValidator(_not_future),
        Field(description=description, examples=[example]),
    ]


def deadline(label, description: str, *, days_ahead: int = 2) -> Any:
    """A moment still to come (a new due time): ISO 8601 with its offset, after now; required. Its example
    is `days_ahead` from the day the schema is read (`Upcoming`)."""
    upcoming = Upcoming(days_ahead)
    return Annotated[
        dt.datetime,
        Widget(label, "moment", required=True),
        upcoming,
        BeforeValidator(_aware),
        AfterValidator(_future),
        Field(description=description, json_schema_extra=upcoming),
    ]


def unit_ref(label, description: str, *, example: str, required: bool = True) -> Any:
    widget = Widget(label, "line", required=required)
    if required:
        field = Field(min_length=1, description=description, examples=[example])
        return Annotated[str, widget, Reference("unit"), field, CLEAN]
    field = Field(description=description, examples=[example])
    return Annotated[Annotated[str, CLEAN] | None, widget, Reference("unit"), field]


def staff_ref(label, description: str, *, example: str, help: Any = "") -> Any:
    widget = Widget(label, "line", help=help)
    field = Field(description=description, examples=[example])
    return Annotated[Annotated[str, CLEAN] | None, widget, Reference("staff"), field]


def class_ref(label, dimension: str, description: str, *, example: str) -> Any:
    """A class of the active regulatory classification (JR/T 0169-2018), by its label path or official code;
    optional: left out, the case keeps the class it has."""
    widget = Widget(label, "line")
    field = Field(max_length=128, description=description, examples=[example])
    return Annotated[Annotated[str, CLEAN] | None, widget, Reference("class", dimension), field]


def case_ref(label, description: str, *, example: str) -> Any:
    widget = Widget(label, "line", required=True)
    field = Field(min_length=1, max_length=16, description=description, examples=[example])
    return Annotated[str, widget, Reference("case"), field, CLEAN]


def phone(label, description: str, *, example: str) -> Any:
    return Annotated[
        str,
        Widget(label, "line", required=True),
        BeforeValidator(_phone),
        Field(description=description, examples=[example]),
    ]


def amount(label, description: str, *, example: str) -> Any:
    # `Decimal | str` in the schema: clients send "1234.50" or a number; both are read exactly.
    return Annotated[
        Decimal | str,
        Widget(label, "line", required=True),
        BeforeValidator(_amount),
        Field(description=description, examples=[example]),
    ]


_lazy_yes = gettext_lazy("yes")
_lazy_no = gettext_lazy("no")


def _aware(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValue(_("Enter a date and time, e.g. 2026-03-02T09:30:00+08:00.")) from None
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    if isinstance(value, dt.datetime):
        # The same moment in UTC: an offset Python accepts (up to ±23:59) but PostgreSQL does not (±15:59)
        # is not a 500 (found by the fuzz run: "+22:02"). A moment at the edge of the calendar (year 1) has
        # no UTC form; it is kept as given and refused by the range checks that follow.
        with contextlib.suppress(OverflowError):
            value = value.astimezone(dt.UTC)
    return value


def _not_future(value: dt.datetime | None) -> dt.datetime | None:
    # Checked here, against the clock, so it is reported with the other fields' errors.
    if value is not None and value > timezone.now() + dt.timedelta(minutes=1):
        raise InvalidValue(_("This time cannot be in the future."))
    return value


# A deadline further ahead than this is a typing error, not a plan.
DEADLINE_WITHIN = dt.timedelta(days=366)


def _future(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        raise InvalidValue(_("This field is required."))
    if value <= timezone.now():
        raise InvalidValue(_("This time must be in the future."))
    if value > timezone.now() + DEADLINE_WITHIN:
        raise InvalidValue(_("This time must be within a year from now."))
    return value


def _phone(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return value
    return normalise_phone(str(value))


def _amount(value: Any) -> Any:
    amount = parse_amount(value)
    if amount is None:
        raise InvalidValue(_("This field is required."))
    return amount


# ---- what the machine does with them -------------------------------------------------------------------


def resolve_references(
    params: Params, actor: Staff, case: Case, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """Each field carrying a Reference, looked up: units and staff must be active; a case must be one the
    actor may see and not this one."""
    refs: dict[str, Any] = {}
    for name, info in type(params).model_fields.items():
        reference = reference_of(info)
        value = getattr(params, name)
        if reference is None or value in (None, ""):
            continue
        if reference.model == "unit":
            found = Unit.objects.filter(code=value, active=True).first()
            message = _("No active unit has the code “%(code)s”.") % {"code": value}
        elif reference.model == "class":
            found = classification_item(reference.dimension, value)
            message = _("Unknown class “%(label)s” in the current classification.") % {"label": value}
        elif reference.model == "staff":
            found = Staff.objects.filter(username=value, is_active=True).select_related("unit").first()
            message = _("No active staff member has the username “%(u)s”.") % {"u": value}
        else:
            found = visible_to(actor).filter(number=value).exclude(pk=case.pk).first()
            message = _("No case you can see has the number “%(n)s”.") % {"n": value}
        if found is None:
            errors.setdefault(name, []).append(message)
        refs[name] = found
    return refs


def check_moments(params: Params, case: Case, errors: dict[str, list[str]]) -> None:
    """A moment of the case's life (a contact, a reply, a report's handling) lies after the case was
    received: one before it is a slip of the keyboard (year 277 met the case's clocks and was shown with
    Beijing's local mean time, +08:05:43; year 1 overflowed the database's dates: a 500)."""
    for name, info in type(params).model_fields.items():
        widget, value = widget_of(info), getattr(params, name)
        if widget is not None and widget.kind == "moment" and value is not None and value < case.received_at:
            received = timezone.localtime(case.received_at)
            errors.setdefault(name, []).append(
                _("This time is before the case was received (%(received)s).")
                % {"received": f"{received:%Y-%m-%d %H:%M}"}
            )


def amount_of(value: Decimal | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


__all__ = [
    "NoParams",
    "Params",
    "Reference",
    "Upcoming",
    "Widget",
    "amount",
    "case_ref",
    "check_moments",
    "choice",
    "example_of",
    "examples_of",
    "flag",
    "line",
    "moment",
    "optional_choice",
    "phone",
    "staff_ref",
    "text",
    "unit_ref",
    "yes_no",
]
