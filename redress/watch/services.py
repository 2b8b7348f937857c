"""The daily checks (P3 第九条(二)(三), 第八条(四); R13.5): each unit's duties for the day, ticked by the
people on duty, and a reminder to them when a duty is still not done at the configured time of day
(`settings.DAILY_CHECK_TIME`, 10:00 by default), sent once per unit and day by the sweeper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from redress.common.errors import FieldErrors
from redress.common.text import clean_text
from redress.common.validators import InvalidValue
from redress.notifications.models import Notification
from redress.notifications.services import notify
from redress.organisation.choices import DepartmentFunction, Role, UnitKind
from redress.organisation.models import Staff, Unit

from .choices import CheckDuty
from .models import DailyCheck

FOUND_MAX = 2000
# Who does each check: the outlet's head (or the lobby manager standing in), the supervision office's staff.
DUTY_ROLES: dict[str, tuple[str, ...]] = {
    CheckDuty.COMMENT_BOOK: (Role.OUTLET_HEAD, Role.LOBBY_MANAGER),
    CheckDuty.ONLINE: (Role.SUPERVISION_OFFICE,),
    CheckDuty.NEWS_SITES: (Role.SUPERVISION_OFFICE,),
}
REMINDER_EVENT = "daily_check_reminder"


def duties_of(unit: Unit | None) -> tuple[str, ...]:
    """The checks a unit owes every day: an outlet its comment book, a supervision office the online
    channels and the government and news websites."""
    if unit is None or not unit.active:
        return ()
    if unit.kind == UnitKind.OUTLET:
        return (CheckDuty.COMMENT_BOOK,)
    if unit.function == DepartmentFunction.SUPERVISION_OFFICE:
        return (CheckDuty.ONLINE, CheckDuty.NEWS_SITES)
    return ()


def my_duties(user: Staff) -> tuple[str, ...]:
    """The checks this person does for their own unit."""
    return tuple(d for d in duties_of(user.unit) if user.has_role(*DUTY_ROLES[d]))


@dataclass(frozen=True)
class Item:
    duty: str
    label: str
    check: DailyCheck | None


def checklist(unit: Unit, day: dt.date) -> list[Item]:
    """The unit's duties of the day, each with its check if done."""
    done = {c.duty: c for c in DailyCheck.objects.filter(unit=unit, day=day).select_related("checked_by")}
    return [Item(d, str(CheckDuty(d).label), done.get(d)) for d in duties_of(unit)]


def record_check(actor: Staff, duty: str, found: str = "", now: dt.datetime | None = None) -> DailyCheck:
    """Tick one of the actor's duties for today; FieldErrors naming the field when it is not theirs, is
    done already, or the text is bad. Nothing is written on a refusal."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if duty not in CheckDuty.values:
        errors["duty"] = [_("Choose one of the checks of your unit.")]
    elif duty not in my_duties(actor):
        errors["duty"] = [_("This check is not one of your duties.")]
    try:
        found = clean_text(found or "", max_length=FOUND_MAX)
    except InvalidValue as exc:
        errors["found"] = [str(exc)]
    if errors:
        raise FieldErrors(errors)
    day = timezone.localdate(now)
    try:
        with transaction.atomic():
            return DailyCheck.objects.create(
                unit=actor.unit, day=day, duty=duty, checked_by=actor, checked_at=now, found=found
            )
    except IntegrityError:
        done = DailyCheck.objects.select_related("checked_by").get(unit=actor.unit, day=day, duty=duty)
        raise FieldErrors(
            {
                "duty": [
                    _("Already checked today by %(name)s at %(at)s.")
                    % {"name": done.checked_by.name, "at": f"{timezone.localtime(done.checked_at):%H:%M}"}
                ]
            }
        ) from None


def reminder_key(unit_id: int, day: dt.date) -> str:
    return f"{REMINDER_EVENT}:{unit_id}:{day.isoformat()}"


def _units_with_duties():
    return Unit.objects.filter(active=True).filter(
        Q(kind=UnitKind.OUTLET) | Q(function=DepartmentFunction.SUPERVISION_OFFICE)
    )


def remind(now: dt.datetime | None = None) -> int:
    """From the reminder time on, the people on duty in each unit with a check still not done today are told
    once that day, in the bank's language. Returns how many units were reminded."""
    with translation.override(settings.LANGUAGE_CODE):
        return _remind(now or timezone.now())


def _remind(now: dt.datetime) -> int:
    local = timezone.localtime(now)
    if local.time() < settings.DAILY_CHECK_TIME:
        return 0
    day = local.date()
    done: dict[int, set[str]] = {}
    for unit_id, duty in DailyCheck.objects.filter(day=day).values_list("unit_id", "duty"):
        done.setdefault(unit_id, set()).add(duty)
    units = [u for u in _units_with_duties() if set(duties_of(u)) - done.get(u.pk, set())]
    told_already = set(
        Notification.objects.filter(
            event=REMINDER_EVENT, dedupe_key__in=[reminder_key(u.pk, day) for u in units]
        ).values_list("dedupe_key", flat=True)
    )
    reminded = 0
    for unit in units:
        key = reminder_key(unit.pk, day)
        if key in told_already:
            continue
        missing = [d for d in duties_of(unit) if d not in done.get(unit.pk, set())]
        roles = {role for d in missing for role in DUTY_ROLES[d]}
        people = Staff.objects.filter(unit=unit, is_active=True, role_grants__role__in=roles).distinct()
        if not people:
            continue
        labels = "、".join(str(CheckDuty(d).label) for d in missing)
        with transaction.atomic():
            notify(
                REMINDER_EVENT,
                recipients=people,
                subject=_("Today's checks are not done yet: %(checks)s") % {"checks": labels},
                body=_(
                    "The procedures require them every day (P3 第九条). Tick them on the daily checks page."
                ),
                dedupe_key=key,
                data={"unit": unit.code, "checks": missing},
            )
        reminded += 1
    return reminded
