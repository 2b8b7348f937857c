"""The complainant's personal data revealed with a reason (R10.3, decision 0031).

Phone and ID number are masked everywhere. The people who need them in full — the case's handler, its first
responder and the supervision office — take the `reveal` action with a purpose chosen from a list: the
event records who, when and why (never the numbers), and for `SHOWN_FOR` after it the case page and the
API's answers show that person the numbers in full. A person may reveal at most `PER_HOUR` times an hour,
counted from their own reveal events.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from redress.cases.choices import EventKind, RevealPurpose, State
from redress.cases.models import Case, CaseEvent
from redress.organisation.choices import Role
from redress.organisation.models import Staff

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Guard, can_act

# How long the numbers stay shown after a reveal: long enough to dial them, not a working day.
SHOWN_FOR = dt.timedelta(minutes=5)
# Reveals per person per hour: a handler calls a few customers back an hour; more is someone harvesting.
PER_HOUR = 20


def may_reveal(user: Staff, case: Case) -> bool:
    """The case's handler, its first responder, or the supervision office (not the auditor, not the person
    complained about: `can_act` comes first)."""
    return can_act(user, case) and (
        case.handler_id == user.pk
        or who.first_responder(user, case)
        or user.has_role(Role.SUPERVISION_OFFICE)
    )


def reveals_in_last_hour(user: Staff, now: dt.datetime) -> int:
    return CaseEvent.objects.filter(
        actor=user, kind=EventKind.REVEALED, at__gt=now - dt.timedelta(hours=1)
    ).count()


def revealed_until(user: Staff, case: Case, now: dt.datetime) -> dt.datetime | None:
    """Until when `user` sees this case's numbers in full (their last reveal within SHOWN_FOR), or None."""
    last = (
        CaseEvent.objects.filter(case=case, actor=user, kind=EventKind.REVEALED, at__gt=now - SHOWN_FOR)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last + SHOWN_FOR if last is not None else None


def may_export_in_full(user: Staff) -> bool:
    """Who may ask for an export with the numbers in full: anyone who may reveal some case (the read-only
    roles may not). Each row is then shown in full only where `may_reveal` holds."""
    return user.is_active and not user.is_read_only


def record_export_reveals(user: Staff, case_pks: list[int], purpose: str, now: dt.datetime) -> None:
    """The export's reveals in the cases' histories: one event per case shown in full, with the purpose.
    Written directly (a read of many cases at once, not an action on one); the rows say they came from an
    export."""
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=pk,
                kind=EventKind.REVEALED,
                actor=user,
                data={"purpose": purpose, "fields": ["phone", "id_number"], "via": "export"},
            )
            for pk in case_pks
        ],
        batch_size=1000,
    )


class Reveal(p.Params):
    """Why the complainant's phone and ID number are needed in full."""

    purpose: p.choice(
        _("purpose"), RevealPurpose, "Why the numbers are needed (recorded)", example=RevealPurpose.CALL_BACK
    )


def _reveal(ctx: Context) -> Change:
    shown = [
        name
        for name, value in (
            ("phone", ctx.case.complainant_phone),
            ("id_number", ctx.case.complainant_id_number),
            ("accounts", ctx.case.complainant_accounts),
            ("address", ctx.case.complainant_address),
        )
        if value
    ]
    # What was shown and why; never the numbers themselves (events are read by more people than may see them).
    return Change(
        {}, {"purpose": ctx.params.purpose, "fields": shown, "until": (ctx.now + SHOWN_FOR).isoformat()}
    )


ACTIONS = (
    Action(
        "reveal",
        sources=frozenset(State.values),
        target=STAYS,
        permission=lambda user, case: may_reveal(user, case),
        event=EventKind.REVEALED,
        rule=_reveal,
        params=Reveal,
        guards=(
            Guard(
                "purpose",
                _("You have revealed personal data too often in the last hour. Try again later."),
                lambda ctx: reveals_in_last_hour(ctx.actor, ctx.now) >= PER_HOUR,
                uses_params=False,
            ),
        ),
        # By the blind indexes first: mostly known without decrypting the numbers.
        applies=lambda case: bool(
            case.complainant_phone_index
            or case.complainant_id_index
            or case.complainant_accounts
            or case.complainant_address
        ),
        records_only=True,
        reveals=True,
        label=_("Show the phone and ID number"),
        group="customer",
        hint=_("Shown to you in full for five minutes; the purpose is recorded in the case's history."),
        summary="Reveal the complainant's phone and ID number",
        description="The handler, the first responder or the supervision office sees the complainant's phone "
        "and ID number in full: the answer carries them, and the case's answers show them to the caller for "
        "five minutes. The purpose is recorded in the case's history; at most 20 reveals an hour per person "
        "(422 on `purpose` beyond).",
    ),
)
