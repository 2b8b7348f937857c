"""A media item found by monitoring (P3 第八条(四), 第十五条; R6.5): a report or post about the bank is
registered as a case of channel media, accepted, and transferred to the spokesperson — the bank's one
contact point with the press — in one transaction, each step through the lifecycle like any case's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.cases.choices import Category, Channel, Kind
from redress.cases.services import RegistrationData
from redress.common.errors import FieldErrors
from redress.common.text import clean_text
from redress.common.validators import InvalidValue
from redress.organisation.choices import Role, UnitKind
from redress.organisation.models import Staff, Unit
from redress.watch.models import MediaItem

from .catalogue import perform
from .machine import ActionForbidden
from .registration import register_case

# Those who monitor the media and register what they find.
MONITORS = (Role.SUPERVISION_OFFICE, Role.SPOKESPERSON, Role.ADMIN)
SOURCE_MAX, TITLE_MAX, URL_MAX, SUMMARY_MAX = 128, 255, 500, 10_000


@dataclass
class MediaItemData:
    source: str = ""  # the newspaper, website or account where it was found
    title: str = ""
    summary: str = ""  # what it says about the bank
    url: str = ""
    published_at: dt.datetime | None = None
    subject_unit: str = ""  # the unit it is about (code); the finder's own branch when omitted
    category: str = Category.SERVICE_ATTITUDE  # the procedures' category, as at any registration


def may_register_media_items(user: Staff) -> bool:
    return user.is_active and not user.is_read_only and user.has_role(*MONITORS)


def spokesperson_for(unit) -> Staff | None:
    """The spokesperson nearest above `unit`: of its own branch or province if it has one, else of the head
    office (a spokesperson sits in a department; the department's parent is the unit they speak for)."""
    best, best_depth = None, -1
    for person in Staff.objects.filter(is_active=True, role_grants__role=Role.SPOKESPERSON).select_related(
        "unit__parent"
    ):
        if person.unit is None:
            continue
        owner = (
            person.unit.parent
            if person.unit.kind == UnitKind.DEPARTMENT and person.unit.parent
            else person.unit
        )
        if unit is not None and unit.path.startswith(owner.path) and len(owner.path) > best_depth:
            best, best_depth = person, len(owner.path)
    return best


def _checked(data: MediaItemData) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name, limit, required in (
        ("source", SOURCE_MAX, True),
        ("title", TITLE_MAX, True),
        ("summary", SUMMARY_MAX, True),
        ("url", URL_MAX, False),
    ):
        try:
            cleaned[name] = clean_text(getattr(data, name) or "", max_length=limit)
        except InvalidValue as exc:
            errors[name] = [str(exc)]
            continue
        if required and not cleaned[name].strip():
            errors[name] = [_("This field is required.")]
    url = cleaned.get("url", "")
    if url and not url.startswith(("http://", "https://")):
        errors["url"] = [_("Enter a web address starting with http:// or https://.")]
    if data.published_at is not None and data.published_at > timezone.now() + dt.timedelta(minutes=1):
        errors["published_at"] = [_("This time cannot be in the future.")]
    if errors:
        raise FieldErrors(errors)
    return cleaned


def register_media_item(actor: Staff, data: MediaItemData, *, now: dt.datetime | None = None) -> MediaItem:
    """Register what monitoring found as a case routed to the spokesperson; returns the item (its case
    transferred). ActionForbidden if the actor does not monitor; FieldErrors for bad input or when the bank
    has no spokesperson to route it to. Nothing is written on a refusal."""
    if not may_register_media_items(actor):
        raise ActionForbidden("register_media_item", _("Only the supervision office registers media items."))
    now = now or timezone.now()
    cleaned = _checked(data)
    own = actor.unit
    if own is not None and own.kind == UnitKind.DEPARTMENT and own.parent_id:
        own = own.parent  # a department's item is about the bank at its level, not about the department
    subject_unit = data.subject_unit or (own.code if own is not None else "")
    # The spokesperson who speaks for the unit the item is about (a bad code is refused by the registration).
    about = Unit.objects.filter(code=subject_unit, active=True).first() or actor.unit
    spokesperson = spokesperson_for(about)
    if spokesperson is None:
        raise FieldErrors(
            {"spokesperson": [_("No spokesperson is named in the bank: the item has nobody to go to.")]}
        )
    matter = "\n".join(
        part
        for part in (
            _("Found by monitoring in %(source)s: %(title)s") % cleaned,
            cleaned["summary"],
            cleaned["url"],
        )
        if part
    )
    with transaction.atomic():
        case = register_case(
            actor,
            RegistrationData(
                kind=Kind.COMPLAINT,
                channel=Channel.MEDIA,
                received_at=now,
                complainant_name=cleaned["source"][:64],
                complainant_anonymous=True,
                subject_unit=subject_unit,
                matter=matter,
                demand=_("Respond to the media through the spokesperson; establish the facts."),
                category=data.category,
            ),
            now=now,
        ).case
        case = perform("accept", actor, case, now=now)
        if case.holder_unit_id != spokesperson.unit_id:
            case = perform(
                "transfer",
                actor,
                case,
                {
                    "to_unit": spokesperson.unit.code,
                    "handler": spokesperson.username,
                    "note": _("Media item for the spokesperson: %(title)s") % cleaned,
                },
                now=now,
            )
        return MediaItem.objects.create(
            source=cleaned["source"],
            title=cleaned["title"],
            url=cleaned["url"],
            published_at=data.published_at,
            found_by=actor,
            found_at=now,
            case=case,
            spokesperson=spokesperson,
        )
