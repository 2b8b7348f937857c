"""Registration (R2): the one way a case comes into being.

`create_case` validates every field, reports all errors at once field by field (API names, e.g.
`complainant.phone`) and stores nothing unless all are good; then writes the attachments' files to their
store and the case, its flags, attachment rows and its `registered` event in one transaction. A store that
fails refuses the registration whole (`attachments.StoreFailed`); a transaction that fails takes the files
with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.common import rows
from redress.common.errors import FieldErrors
from redress.common.reference import VersionedCache, pinned
from redress.common.text import clean_text
from redress.common.validators import (
    InvalidValue,
    normalise_accounts,
    normalise_id_number,
    normalise_phone,
    parse_amount,
)
from redress.organisation.choices import Role
from redress.organisation.lookups import active_unit, staff_member
from redress.organisation.models import Staff, Unit

from . import attachments as attachment_store
from .choices import Category, Channel, Dimension, EventKind, Flag, Kind, State
from .models import Case, CaseEvent, CaseFlag, ClassificationItem, RegistrationKey
from .numbering import drawn_in_insert, next_case_number

# Clients' clocks drift; a received time this far ahead of the server's is still accepted as "now".
FUTURE_TOLERANCE = dt.timedelta(seconds=60)
# The complainant's own words: longer ones come as an attachment. The other free texts keep their limits.
MATTER_MAX = 20_000
NAME_MAX = 64
ADDRESS_MAX = 200
PRODUCT_MAX = 128
# People on one case (R5): a petition signed by a whole village is still counted; more is a slip of the keys
# (and past the column's range).
JOINT_COMPLAINANTS_MAX = 99_999
# Kinds for which the unit complained about, the demand and the category must be known at registration.
_KINDS_NEEDING_SUBJECT = {Kind.COMPLAINT, Kind.PETITION}


@dataclass
class RegistrationData:
    """What a first responder records (R2.3), as received from a form or the API, before validation."""

    kind: str = ""
    channel: str = ""
    received_at: dt.datetime | None = None
    complainant_name: str = ""
    complainant_phone: str = ""
    complainant_id_number: str = ""
    complainant_accounts: str = ""
    complainant_address: str = ""
    complainant_vip: bool = False
    complainant_anonymous: bool = False
    complainant_confidential: bool = False
    subject_unit: str = ""  # unit code
    subject_staff: str = ""  # username
    matter: str = ""
    demand: str = ""
    category: str = ""
    business_category: str = ""  # classification label path
    reason: str = ""
    regulatory_channel: str = ""
    product: str = ""
    amount: object = None
    first_responder: str = ""  # username; defaults to the registering staff member
    joint_complainants: int | str = 1  # the web form passes what was typed
    extra_flags: Sequence[str] = field(default_factory=tuple)
    # The emergency plan's complaint type (plans.choices.PlanType); kept only if a plan covers the case.
    plan_type: str = ""


@dataclass
class RegistrationResult:
    case: Case
    created: bool
    # The new case's clocks and flags as the registration's steps left them, so the answer needs no second
    # read (None: registration ran without those steps; read them).
    clocks: list[Any] | None = None
    flags: list[str] | None = None


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


_classification: VersionedCache[None, list[ClassificationItem]] = VersionedCache("classification")


def active_classification() -> list[ClassificationItem]:
    """Every item of the active classification versions (a few hundred), cached while it is unchanged."""
    return _classification.get(None, lambda _: list(ClassificationItem.objects.filter(version__active=True)))


def classification_item(dimension: str, value: str) -> ClassificationItem | None:
    """The active class of `dimension` with `value` as its label path or official code, or None."""
    value = (value or "").strip()
    items = [i for i in active_classification() if i.dimension == dimension]
    return next((i for i in items if i.label == value), None) or next(
        (i for i in items if i.code and i.code == value), None
    )


def _classifications(
    wanted: dict[str, tuple[str, str]], errors: _Errors
) -> dict[str, ClassificationItem | None]:
    """Look up every classification field in one query; `wanted` maps a field name to (dimension, label or
    official code)."""
    asked = {
        name: (dim, (value or "").strip()) for name, (dim, value) in wanted.items() if (value or "").strip()
    }
    found: dict[str, ClassificationItem | None] = dict.fromkeys(wanted)
    if not asked:
        return found
    for name, (dim, value) in asked.items():
        found[name] = classification_item(dim, value)
        if found[name] is None:
            errors.add(name, _("Unknown class “%(label)s” in the current classification.") % {"label": value})
    return found


# The registration's texts, each with its name in errors (the API's) and its limit (None: an identifier,
# judged by its own rule below).
_TEXTS = {
    "kind": ("kind", None),
    "channel": ("channel", None),
    "complainant_name": ("complainant.name", None),  # its limit is checked below, with its message
    "complainant_phone": ("complainant.phone", None),
    "complainant_id_number": ("complainant.id_number", None),
    "complainant_accounts": ("complainant.accounts", None),
    "complainant_address": ("complainant.address", ADDRESS_MAX),
    "subject_unit": ("subject_unit", None),
    "subject_staff": ("subject_staff", None),
    "matter": ("matter", MATTER_MAX),
    "demand": ("demand", MATTER_MAX),
    "category": ("category", None),
    "business_category": ("business_category", None),
    "reason": ("reason", None),
    "regulatory_channel": ("regulatory_channel", None),
    "product": ("product", None),
    "first_responder": ("first_responder", None),
}


def _clean_texts(data: RegistrationData) -> tuple[RegistrationData, _Errors]:
    """Every text of the registration through `clean_text`; a refused one is reported and left blank, so
    no rule below looks it up (a NUL never reaches the database)."""
    errors = _Errors()
    changes: dict = {}
    for attr, (name, limit) in _TEXTS.items():
        value = getattr(data, attr)
        if not isinstance(value, str):
            continue
        try:
            changes[attr] = clean_text(value, max_length=limit)
        except InvalidValue as exc:
            errors.add(name, str(exc))
            changes[attr] = ""
    flags = []
    for flag in data.extra_flags:
        try:
            flags.append(clean_text(str(flag)))
        except InvalidValue as exc:
            errors.add("flags", str(exc))
    changes["extra_flags"] = tuple(flags)
    return dataclasses.replace(data, **changes), errors


def received_window() -> dt.timedelta:
    """How far back a received time may lie (REDRESS_RECEIVED_WITHIN_DAYS); older history is imported."""
    return dt.timedelta(days=settings.RECEIVED_WITHIN_DAYS)


def validate_registration(actor: Staff, data: RegistrationData, *, now: dt.datetime | None = None) -> dict:
    """Check every field; return the cleaned values or raise FieldErrors with all errors."""
    now = now or timezone.now()
    data, refused = _clean_texts(data)
    errors = _Errors()
    required = _("This field is required.")
    cleaned: dict = {}

    if data.kind not in Kind.values:
        errors.add("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Kind.values)})
    if data.channel not in Channel.values:
        errors.add("channel", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Channel.values)})

    if data.received_at is None:
        errors.add("received_at", required)
    elif timezone.is_naive(data.received_at):
        errors.add("received_at", _("Give the time with its UTC offset, e.g. 2026-03-02T09:30:00+08:00."))
    elif data.received_at > now + FUTURE_TOLERANCE:
        errors.add("received_at", _("The time received cannot be in the future."))
    elif data.received_at < now - received_window():
        errors.add(
            "received_at",
            _(
                "The time received must lie within the last %(days)s days (on or after %(since)s); "
                "older complaints are imported, not registered."
            )
            % {
                "days": settings.RECEIVED_WITHIN_DAYS,
                "since": f"{timezone.localtime(now - received_window()):%Y-%m-%d %H:%M}",
            },
        )
    cleaned["received_at"] = data.received_at

    anonymous = bool(data.complainant_anonymous)
    name = (data.complainant_name or "").strip()
    if not name and not anonymous:
        errors.add("complainant.name", _("Enter the complainant's name, or mark the case anonymous."))
    cleaned["complainant_name"] = name[:NAME_MAX]
    if len(name) > NAME_MAX:
        errors.add("complainant.name", _("At most 64 characters."))

    phone = (data.complainant_phone or "").strip()
    cleaned["complainant_phone"] = ""
    if phone:
        try:
            cleaned["complainant_phone"] = normalise_phone(phone)
        except InvalidValue as exc:
            errors.add("complainant.phone", str(exc))
    elif not anonymous:
        errors.add("complainant.phone", _("Enter a contact phone, or mark the case anonymous."))

    id_number = (data.complainant_id_number or "").strip()
    cleaned["complainant_id_number"] = ""
    if id_number:
        try:
            cleaned["complainant_id_number"] = normalise_id_number(id_number, today=timezone.localdate(now))
        except InvalidValue as exc:
            errors.add("complainant.id_number", str(exc))

    cleaned["complainant_accounts"] = ""
    try:
        cleaned["complainant_accounts"] = normalise_accounts(data.complainant_accounts or "")
    except InvalidValue as exc:
        errors.add("complainant.accounts", str(exc))
    cleaned["complainant_address"] = (data.complainant_address or "").strip()

    matter = (data.matter or "").strip()
    if not matter:
        errors.add("matter", required)
    cleaned["matter"] = matter
    demand = (data.demand or "").strip()
    if not demand and data.kind in _KINDS_NEEDING_SUBJECT:
        errors.add("demand", required)
    cleaned["demand"] = demand

    if data.category:
        if data.category not in Category.values:
            errors.add("category", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Category.values)})
    elif data.kind == Kind.COMPLAINT:
        errors.add("category", required)
    cleaned["category"] = data.category or ""

    cleaned["subject_unit"] = None
    if data.subject_unit:
        cleaned["subject_unit"] = active_unit(data.subject_unit)
        if cleaned["subject_unit"] is None:
            errors.add(
                "subject_unit", _("No active unit has the code “%(code)s”.") % {"code": data.subject_unit}
            )
    elif data.kind in _KINDS_NEEDING_SUBJECT:
        errors.add("subject_unit", required)

    cleaned["subject_staff"] = None
    if data.subject_staff:
        cleaned["subject_staff"] = staff_member(data.subject_staff)
        if cleaned["subject_staff"] is None:
            errors.add(
                "subject_staff", _("No staff member has the username “%(u)s”.") % {"u": data.subject_staff}
            )

    responder = actor
    if data.first_responder and data.first_responder != actor.username:
        responder = staff_member(data.first_responder)
        if responder is not None and not responder.is_active:
            responder = None
        if responder is None:
            errors.add(
                "first_responder",
                _("No active staff member has the username “%(u)s”.") % {"u": data.first_responder},
            )
    if responder is not None and responder.unit_id is None:
        errors.add("first_responder", _("The first responder must belong to a unit."))
    elif responder is not None and responder.pk != actor.pk and not actor.is_system:
        # (The system actor, which belongs to no unit, registers the public's reports for the supervision
        # office's desk: redress.lifecycle.public_reports.)
        # Naming someone of another branch would show this complainant to that branch (R10.2), and the
        # auditor only reads: neither may take a case for the registering unit.
        if responder.has_role(Role.AUDITOR):
            errors.add("first_responder", _("The auditor cannot be a first responder."))
        elif actor.unit_id is None or not actor.unit.contains(responder.unit):
            errors.add(
                "first_responder",
                _("The first responder must work in your own unit or a unit under it."),
            )
    if (
        responder is not None
        and cleaned["subject_staff"] is not None
        and responder.pk == cleaned["subject_staff"].pk
    ):
        errors.add("first_responder", _("The staff member complained about cannot take the complaint."))
    cleaned["first_responder"] = responder

    try:
        cleaned["amount"] = parse_amount(data.amount)
    except InvalidValue as exc:
        errors.add("amount", str(exc))
        cleaned["amount"] = None

    cleaned.update(
        _classifications(
            {
                "business_category": (Dimension.BUSINESS_CATEGORY, data.business_category),
                "reason": (Dimension.REASON, data.reason),
                "regulatory_channel": (Dimension.CHANNEL, data.regulatory_channel),
            },
            errors,
        )
    )
    cleaned["product"] = (data.product or "").strip()[:PRODUCT_MAX]

    try:
        # Left empty is one person; 0 is a mistake to point out, not one person.
        given = data.joint_complainants
        cleaned["joint_complainants"] = 1 if given is None or given == "" else int(given)
        if not 1 <= cleaned["joint_complainants"] <= JOINT_COMPLAINANTS_MAX:
            raise ValueError
    except (TypeError, ValueError):
        errors.add(
            "joint_complainants",
            _("Enter a whole number of people, from 1 to %(most)d.") % {"most": JOINT_COMPLAINANTS_MAX},
        )
        cleaned["joint_complainants"] = 1

    bad_flags = [f for f in data.extra_flags if f not in Flag.values]
    if bad_flags:
        errors.add("flags", _("Unknown flag: %(flags)s.") % {"flags": ", ".join(bad_flags)})

    # A refused text's own message, not what its blank stand-in made the rules above say.
    errors.update(refused)
    if errors:
        raise FieldErrors(dict(errors))
    return cleaned


def create_case(
    actor: Staff,
    data: RegistrationData,
    *,
    files: Sequence[UploadedFile] = (),
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
    then: Callable[[Case, Staff, frozenset[str], list[Any]], tuple[Case, list[Any], frozenset[str]]]
    | None = None,
) -> RegistrationResult:
    """Register a case. With an idempotency key, a retry by the same caller returns the first case.
    `then(case, actor, flags, held)` runs in the same transaction once the case's row is written: the steps
    that follow a registration (redress.lifecycle.registration) — its clocks and triggers; it returns the case
    as they left it, which is what the caller gets, with the case's clocks and flags as they now are. `held`
    are the registration's other new rows (its flags, then its event), not yet written: `then` writes them,
    in that order, before anything reads the case's flags or history (with a statement it sends anyway,
    `redress.common.rows.carried`).

    Raises FieldErrors (bad input) or attachments.StoreFailed (the store could not take the files); either way
    nothing was kept. Called inside a caller's own transaction, the files of a registration that the caller
    then rolls back stay in the store: Django tells no one of a rollback."""
    # One reading of the reference data's tokens for the whole registration (redress.common.reference).
    with pinned(actor):
        return _create_case(actor, data, files, idempotency_key, now, then)


def _create_case(actor, data, files, idempotency_key, now, then) -> RegistrationResult:
    if idempotency_key:
        existing = _case_for_key(actor, idempotency_key)
        if existing is not None:
            return RegistrationResult(existing, created=False)

    cleaned = validate_registration(actor, data, now=now)
    file_errors = attachment_store.check_files(files)
    if file_errors:
        raise FieldErrors({"attachments": file_errors})

    # The files first, outside the transaction: a full or failing store refuses the registration before any
    # row is written (StoreFailed, having deleted what it wrote), and no transaction waits on the store.
    clocks: list[Any] | None = None
    try:
        with attachment_store.placed(files) as placed, transaction.atomic():
            case, flags, held = _create(actor, data, cleaned, placed.files, hold=then is not None)
            if then is not None:
                case, clocks, flags = then(case, actor, flags, held)
            if idempotency_key:
                RegistrationKey.objects.create(staff=actor, key=idempotency_key, case=case)
            placed.committing = True
    except IntegrityError:
        # Two retries of one registration raced: the loser rolled back (its files gone); return the winner's.
        if idempotency_key:
            existing = _case_for_key(actor, idempotency_key)
            if existing is not None:
                return RegistrationResult(existing, created=False)
        raise
    return RegistrationResult(
        case, created=True, clocks=clocks, flags=sorted(flags) if clocks is not None else None
    )


def _case_for_key(actor: Staff, key: str) -> Case | None:
    row = RegistrationKey.objects.filter(staff=actor, key=key).select_related("case").first()
    return row.case if row else None


def _create(
    actor: Staff,
    data: RegistrationData,
    cleaned: dict,
    stored: Sequence[attachment_store.StoredFile],
    *,
    hold: bool = False,
) -> tuple[Case, frozenset[str], list[CaseFlag | CaseEvent]]:
    """Write the case's row, its attachments' rows, its flags and its event; with `hold`, the flags and the
    event are returned unwritten instead (`create_case`'s `then` writes them)."""
    responder: Staff = cleaned["first_responder"]
    unit: Unit = responder.unit
    subject_unit: Unit | None = cleaned["subject_unit"]
    received_at: dt.datetime = cleaned["received_at"]
    year = timezone.localtime(received_at).year
    drawn = drawn_in_insert(year)
    case = Case(
        number="" if drawn else next_case_number(year),
        kind=data.kind,
        channel=data.channel,
        received_at=received_at,
        unit=unit,
        holder_unit=unit,
        subject_unit=subject_unit,
        subject_staff=cleaned["subject_staff"],
        unit_path=unit.path,
        holder_unit_path=unit.path,
        subject_unit_path=subject_unit.path if subject_unit else "",
        complainant_name=cleaned["complainant_name"],
        complainant_phone=cleaned["complainant_phone"],
        complainant_id_number=cleaned["complainant_id_number"],
        complainant_accounts=cleaned["complainant_accounts"],
        complainant_address=cleaned["complainant_address"],
        complainant_vip=bool(data.complainant_vip),
        complainant_anonymous=bool(data.complainant_anonymous),
        complainant_confidential=bool(data.complainant_confidential),
        joint_complainants=cleaned["joint_complainants"],
        matter=cleaned["matter"],
        demand=cleaned["demand"],
        category=cleaned["category"],
        business_category=cleaned["business_category"],
        reason=cleaned["reason"],
        regulatory_channel=cleaned["regulatory_channel"],
        product=cleaned["product"],
        amount=cleaned["amount"],
        first_responder=responder,
        state=State.REGISTERED,
        level=unit.level,
    )
    if drawn:
        rows.insert(case, raw={"number": drawn}, returning=("number",))
    else:
        rows.insert(case)
    flags = set(data.extra_flags)
    if case.complainant_confidential:
        flags.add(Flag.CONFIDENTIAL)
    if case.complainant_anonymous:
        flags.add(Flag.ANONYMOUS)
    attachment_store.record(case, stored, actor)
    held: list[CaseFlag | CaseEvent] = [
        CaseFlag(case=case, flag=f, set_by=actor, evidence={"source": "registration"}) for f in sorted(flags)
    ]
    held.append(
        CaseEvent(
            case=case,
            kind=EventKind.REGISTERED,
            actor=actor,
            data={
                "number": case.number,
                "kind": case.kind,
                "channel": case.channel,
                "first_responder": responder.username,
                "unit": unit.code,
                "flags": sorted(flags),
                "attachments": [f.original_name for f in stored],
            },
        )
    )
    if hold:
        return case, frozenset(flags), held
    rows.insert_many(held[:-1])
    rows.insert(held[-1])
    return case, frozenset(flags), []
