"""Forms of the web UI. They parse and render only: every rule is checked by the cases services."""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from redress.cases.choices import Category, Channel, Dimension, Kind, Responsibility, StatClass, State
from redress.cases.customer_groups import CUSTOMER_GROUPS
from redress.cases.models import ClassificationItem
from redress.cases.register_query import CLASS_FILTERS, FIGURES, Q_MAX, SORTS, UNCLASSIFIED
from redress.cases.services import RegistrationData
from redress.organisation.choices import Level
from redress.organisation.models import Staff, Unit
from redress.plans.choices import PlanType

# register_case names nested fields as the API does; the form keeps them flat.
_SERVICE_TO_FORM = {
    "complainant.name": "complainant_name",
    "complainant.phone": "complainant_phone",
    "complainant.id_number": "complainant_id_number",
    "complainant.accounts": "complainant_accounts",
    "complainant.address": "complainant_address",
    "complainant.vip": "complainant_vip",
    "complainant.anonymous": "complainant_anonymous",
    "complainant.confidential": "complainant_confidential",
}

_BLANK = [("", "—")]


def _indent(depth: int) -> str:
    return "\u00a0\u00a0" * depth


def unit_choices(units: QuerySet[Unit]) -> list[tuple[str, str]]:
    """Units as select options by name, indented by their depth in the tree (the code is the value sent, never
    shown: people know their units by name)."""
    rows = units.order_by("path").values_list("code", "name", "depth")
    top = min((depth for _code, _name, depth in rows), default=0)
    return [(code, f"{_indent(depth - top)}{name}") for code, name, depth in rows]


def classification_choices(dimension: str) -> list[tuple[str, str]]:
    """The active classification's items of one dimension; values are the label paths register_case takes."""
    english = (get_language() or "").startswith("en")
    items = ClassificationItem.objects.filter(version__active=True, dimension=dimension).order_by("label")
    choices = []
    for label, label_en in items.values_list("label", "label_en"):
        depth = label.count("/")
        shown = label_en if english and label_en else label.rsplit("/", 1)[-1]
        choices.append((label, f"{_indent(depth)}{shown}"))
    return choices


def class_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The register's class filters' options, per dimension, from the active classification: one query."""
    english = (get_language() or "").startswith("en")
    found: dict[str, list[tuple[str, str]]] = {dimension: [] for dimension in CLASS_FILTERS.values()}
    for item in ClassificationItem.objects.filter(version__active=True).order_by("label"):
        shown = item.label_en if english and item.label_en else item.label.rsplit("/", 1)[-1]
        found[item.dimension].append((item.code or item.label, f"{_indent(item.label.count('/'))}{shown}"))
    return found


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files; their type and size are judged by the attachments rules, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


# A text field that names a person: the page offers the staff found by name as one types (redress.js, the
# people search); the value sent is the username (or, with data-people-fill="name", the name).
PEOPLE_PICKER = {"data-people-search": reverse_lazy("web:people_search"), "autocomplete": "off"}


class RegistrationForm(forms.Form):
    """Every fact of R2.3. Fields are lenient strings: register_case reports what is wrong, field by field."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    kind = forms.CharField(
        label=_("kind"),
        required=False,
        widget=forms.RadioSelect(choices=Kind.choices),
        initial=Kind.COMPLAINT,
    )
    channel = forms.CharField(
        label=_("channel"),
        required=False,
        widget=forms.Select(choices=Channel.choices),
        initial=Channel.COUNTER,
    )
    received_at = forms.DateTimeField(
        label=_("received at"),
        required=False,
        # The browser sends a wall-clock time without offset; Django reads it in Beijing time (TIME_ZONE).
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    complainant_name = forms.CharField(
        label=_("complainant's name"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    complainant_phone = forms.CharField(
        label=_("contact phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    complainant_id_number = forms.CharField(
        label=_("ID number"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    complainant_accounts = forms.CharField(
        label=_("account or card numbers"),
        required=False,
        help_text=_("Separate several with commas."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    complainant_address = forms.CharField(
        label=_("complainant's address"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    complainant_vip = forms.BooleanField(label=_("VIP customer"), required=False)
    complainant_anonymous = forms.BooleanField(label=_("anonymous"), required=False)
    complainant_confidential = forms.BooleanField(label=_("asks for confidentiality"), required=False)
    subject_unit = forms.CharField(label=_("unit complained about"), required=False)
    subject_staff = forms.CharField(
        label=_("staff complained about"),
        required=False,
        help_text=_("Type part of the name and choose the person, if the complaint names a staff member."),
        widget=forms.TextInput(attrs=PEOPLE_PICKER),
    )
    matter = forms.CharField(label=_("matter"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    demand = forms.CharField(label=_("demand"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.CharField(
        label=_("category"), required=False, widget=forms.Select(choices=_BLANK + list(Category.choices))
    )
    business_category = forms.CharField(label=_("business category"), required=False)
    reason = forms.CharField(label=_("reason"), required=False)
    product = forms.CharField(label=_("business line / product"), required=False)
    joint_complainants = forms.CharField(
        label=_("joint complainants"),
        required=False,
        initial="1",
        help_text=_("How many people make the complaint together: 1 for the complainant alone."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    amount = forms.CharField(
        label=_("amount involved (yuan)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    plan_type = forms.CharField(
        label=_("complaint type under the emergency plan"),
        required=False,
        help_text=_("Kept only when an active emergency plan covers the case."),
        widget=forms.Select(choices=_BLANK + list(PlanType.choices)),
    )
    attachments = MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=_("Letters, photos, call recordings: PDF, image, audio, Word, Excel or plain text."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        self.fields["subject_unit"].widget = forms.Select(
            choices=_BLANK + unit_choices(Unit.objects.filter(active=True))
        )
        for name, dimension in (
            ("business_category", Dimension.BUSINESS_CATEGORY),
            ("reason", Dimension.REASON),
        ):
            self.fields[name].widget = forms.Select(choices=_BLANK + classification_choices(dimension))

    def registration_data(self) -> RegistrationData:
        """What was entered, for register_case; a time that did not parse is passed on as missing."""
        data = getattr(self, "cleaned_data", {})
        return RegistrationData(
            kind=data.get("kind", ""),
            channel=data.get("channel", ""),
            received_at=data.get("received_at"),
            complainant_name=data.get("complainant_name", ""),
            complainant_phone=data.get("complainant_phone", ""),
            complainant_id_number=data.get("complainant_id_number", ""),
            complainant_accounts=data.get("complainant_accounts", ""),
            complainant_address=data.get("complainant_address", ""),
            complainant_vip=data.get("complainant_vip", False),
            complainant_anonymous=data.get("complainant_anonymous", False),
            complainant_confidential=data.get("complainant_confidential", False),
            subject_unit=data.get("subject_unit", ""),
            subject_staff=data.get("subject_staff", ""),
            matter=data.get("matter", ""),
            demand=data.get("demand", ""),
            category=data.get("category", ""),
            business_category=data.get("business_category", ""),
            reason=data.get("reason", ""),
            product=data.get("product", ""),
            joint_complainants=data.get("joint_complainants", "").strip(),
            amount=data.get("amount", ""),
            plan_type=data.get("plan_type", ""),
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each error of register_case beside its field; a field that already has an error keeps it."""
        for name, messages in errors.items():
            field = _SERVICE_TO_FORM.get(name, name)
            if field not in self.fields:
                field = None
            elif field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)


_SORT_LABELS = {
    "-received_at": _("newest first"),
    "received_at": _("oldest first"),
    "-number": _("case number, descending"),
    "number": _("case number, ascending"),
}


def units_for_filter(user: Staff) -> QuerySet[Unit]:
    """Units offered in the register's unit filter: everything for those who see all, else their subtree."""
    if user.sees_all_cases:
        return Unit.objects.all()
    if user.unit_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=user.unit.path)


class RegisterFilterForm(forms.Form):
    """Renders the register's filters; RegisterFilter parses and checks them."""

    unit = forms.CharField(label=_("unit"), required=False)
    kind = forms.CharField(
        label=_("kind"), required=False, widget=forms.Select(choices=[("", _("all")), *list(Kind.choices)])
    )
    channel = forms.CharField(
        label=_("channel"),
        required=False,
        widget=forms.Select(choices=[("", _("all")), *list(Channel.choices)]),
    )
    category = forms.CharField(
        label=_("category"),
        required=False,
        widget=forms.Select(choices=[("", _("all")), *list(Category.choices)]),
    )
    state = forms.CharField(
        label=_("state"), required=False, widget=forms.Select(choices=[("", _("all")), *list(State.choices)])
    )
    received_from = forms.CharField(
        label=_("received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.CharField(
        label=_("received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("text"),
        required=False,
        max_length=Q_MAX,
        help_text=_("Finds the cases holding every word, best match first; or a case number."),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("words in the matter, demand, report or reply")}
        ),
    )
    phone = forms.CharField(
        label=_("complainant's phone"), required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    id_number = forms.CharField(label=_("complainant's ID number"), required=False)
    # The filters the reports' figures link to (decision 0033), shown under "more filters".
    registered_in = forms.CharField(label=_("registered by"), required=False)
    registering_unit = forms.CharField(label=_("registered by the unit itself"), required=False)
    subject_unit = forms.CharField(label=_("unit complained about"), required=False)
    subject_staff = forms.CharField(
        label=_("staff complained about"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("username")}),
    )
    business_category = forms.CharField(label=_("business category"), required=False)
    reason = forms.CharField(label=_("reason"), required=False)
    regulatory_channel = forms.CharField(label=_("regulatory channel"), required=False)
    product = forms.CharField(label=_("business line / product"), required=False)
    customer_group = forms.CharField(
        label=_("customer group"),
        required=False,
        widget=forms.Select(choices=[("", _("all")), *CUSTOMER_GROUPS.items()]),
    )
    stat_class = forms.CharField(
        label=_("statistics class"),
        required=False,
        widget=forms.Select(choices=[("", _("all")), *list(StatClass.choices)]),
    )
    responsibility = forms.CharField(
        label=_("responsibility"),
        required=False,
        widget=forms.Select(choices=[("", _("all")), *list(Responsibility.choices)]),
    )
    level = forms.CharField(
        label=_("level"), required=False, widget=forms.Select(choices=[("", _("all")), *list(Level.choices)])
    )
    figure = forms.CharField(label=_("counted in"), required=False)
    sort = forms.CharField(
        label=_("sort"),
        required=False,
        widget=forms.Select(
            choices=[
                ("", _("best match first when searching, else newest first")),
                *[(key, _SORT_LABELS.get(key, key)) for key in SORTS],
            ]
        ),
    )

    def __init__(self, user: Staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices(units_for_filter(user))
        self.fields["unit"].widget = forms.Select(choices=[("", _("all I can see")), *units])
        for name in ("registered_in", "registering_unit", "subject_unit"):
            self.fields[name].widget = forms.Select(choices=[("", _("all")), *units])
        classes = class_filter_choices()
        for name, dimension in CLASS_FILTERS.items():
            self.fields[name].widget = forms.Select(
                choices=[("", _("all")), (UNCLASSIFIED, _("not classified")), *classes[dimension]]
            )
        self.fields["figure"].widget = forms.Select(
            choices=[("", _("any")), *((name, figure.label) for name, figure in FIGURES.items())]
        )

    def add_filter_errors(self, errors: dict[str, list[str]]) -> None:
        self.is_valid()
        for name, messages in errors.items():
            if name in self.errors:
                continue  # the form's own verdict (e.g. a NUL) already stands beside the field
            if name in _SELECTS:
                # The rules list the API identifiers; on a page the user picks from the labels instead.
                messages = [_("Choose a value from the list.")]
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


_SELECTS = frozenset(
    {
        "kind",
        "channel",
        "category",
        "state",
        "sort",
        "customer_group",
        "stat_class",
        "responsibility",
        "level",
        "figure",
    }
)
# The filters under "more filters": the details open when one of them is set.
MORE_FILTERS = (
    "registered_in",
    "registering_unit",
    "subject_unit",
    "subject_staff",
    "business_category",
    "reason",
    "regulatory_channel",
    "product",
    "customer_group",
    "stat_class",
    "responsibility",
    "level",
    "figure",
)
