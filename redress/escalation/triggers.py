"""Automatic escalation triggers (R5.2, R5.4, REGULATION.md), evaluated when a case is registered.

Each trigger is a function that looks at the case (and, where the rule needs it, at earlier cases) and
returns what fired with its evidence. `apply_triggers` sets the flags and escalates through the lifecycle's
system transitions, so every change is an audited event attributed to the system actor.

- media_threat: a listed phrase said in matter or demand (in words, not denied), or set by staff → the
  work group (branch), level by level; the spokesperson is told.
- major: amount above the threshold, N or more joint complainants, national or provincial media, or set by
  staff → head office.
- group: N or more distinct complainants about the same subject unit or product and category within the
  window → the provincial work group; all linked.
- repeat: the same phone or ID number on an earlier case → linked, one level up.
- skip_level: arrived above the level of the unit complained about, or from outside, with no earlier case
  below → handled at the arrival level; the lower level is told.
- cross_province: accepting and complained-about units in different provinces → head office.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from redress.cases.choices import EXTERNAL_CHANNELS, OPEN_STATES, Flag
from redress.cases.models import Case, CaseFlag
from redress.common.reference import VersionedCache
from redress.matching.phrases import phrase_hits
from redress.organisation.choices import LEVEL_ORDER, Level, level_above

from .models import DEFAULT_MEDIA_PHRASES, DEFAULT_TOP_MEDIA_PHRASES, TriggerSettings

# Settings change rarely: each process keeps the version in force while the triggers' reference token is
# unchanged (redress.common.reference), so an edit applies on every node at its next registration.
_settings: VersionedCache[None, TriggerSettings] = VersionedCache("triggers")


def _load_settings(_: None) -> TriggerSettings:
    found = TriggerSettings.objects.filter(active=True).order_by("-version").first()
    if found is None:
        found = TriggerSettings(
            version=0,
            effective_from=dt.date(2020, 3, 1),
            media_phrases=DEFAULT_MEDIA_PHRASES,
            top_media_phrases=DEFAULT_TOP_MEDIA_PHRASES,
        )
    return found


def current_settings() -> TriggerSettings:
    return _settings.get(None, _load_settings)


def forget_settings() -> None:
    """Drop the cached settings (a process that must not wait for the next token, e.g. between tests)."""
    _settings.clear()


@dataclass
class Fired:
    flag: str
    to_level: str | None
    reason: str
    evidence: dict = field(default_factory=dict)
    step_by_step: bool = False
    linked: list[int] = field(default_factory=list)  # repeat: the earlier case
    # Open linked cases that do not carry this flag yet (the earlier members of a group just formed).
    unflagged: list[int] = field(default_factory=list)
    # group: the earliest case of every group the matched cases already belong to, and those in none.
    groups: list[int] = field(default_factory=list)
    ungrouped: list[int] = field(default_factory=list)


def phrases_in(text: str, phrases: list[str]) -> list[str]:
    """The listed phrases the text says, read as words with simple negation (`matching.phrases`)."""
    return phrase_hits(text, phrases)


def _text(case: Case) -> str:
    return f"{case.matter}\n{case.demand}"


def media_threat(case: Case, rules: TriggerSettings, staff_flags: frozenset[str]) -> Fired | None:
    found = phrases_in(_text(case), list(rules.media_phrases))
    staff_set = Flag.MEDIA_THREAT in staff_flags
    if not found and not staff_set:
        return None
    return Fired(
        Flag.MEDIA_THREAT,
        Level.BRANCH,
        _("The customer threatened to go to the media: escalated level by level to the work group."),
        {"phrases": found, "set_by_staff": staff_set},
        step_by_step=True,
    )


def major(case: Case, rules: TriggerSettings, staff_flags: frozenset[str]) -> Fired | None:
    reasons: dict = {}
    if case.amount is not None and case.amount > Decimal(rules.major_amount):
        reasons["amount"] = {"amount": str(case.amount), "above": str(rules.major_amount)}
    if case.joint_complainants >= rules.major_joint_complainants:
        reasons["joint_complainants"] = {
            "count": case.joint_complainants,
            "at_least": rules.major_joint_complainants,
        }
    top = phrases_in(_text(case), list(rules.top_media_phrases))
    if top:
        reasons["national_or_provincial_media"] = top
    if Flag.MAJOR in staff_flags:
        reasons["set_by_staff"] = True
    if not reasons:
        return None
    return Fired(
        Flag.MAJOR, Level.HEAD_OFFICE, _("Major complaint: reported straight to the top level."), reasons
    )


def _identity_q(case: Case) -> Q | None:
    q = Q()
    if case.complainant_phone:
        q |= Q(complainant_phone=case.complainant_phone)
    if case.complainant_id_number:
        q |= Q(complainant_id_number=case.complainant_id_number)
    return q or None


def _identity(phone: str, id_number: str, name: str, pk: int) -> str:
    return id_number or phone or f"{name}#{pk}"


_GROUP_COLUMNS = (
    "pk", "complainant_phone", "complainant_id_number", "complainant_name", "state", "grouped", "group_first",
)  # fmt: skip


def same_issue_cases(case: Case, rules: TriggerSettings):
    """The (at most 500, newest first) cases about the same issue as `case` in the group window, as the rows
    the group rule reads; None when the case names no issue the rule can compare."""
    if not case.category or not (case.subject_unit_id or case.product):
        return None
    same_issue = Q(subject_unit_id=case.subject_unit_id) if case.subject_unit_id else Q()
    if case.product:
        same_issue = same_issue | Q(product=case.product) if case.subject_unit_id else Q(product=case.product)
    window_start = case.received_at - dt.timedelta(days=rules.group_window_days)
    # A system rule, not a user's read: it must see every case, whoever can see them.
    grouped = CaseFlag.objects.filter(case=OuterRef("pk"), flag=Flag.GROUP)
    return (
        Case.objects.filter(same_issue, category=case.category, received_at__gte=window_start)
        .filter(received_at__lte=case.received_at + dt.timedelta(days=1))
        .annotate(grouped=Exists(grouped), group_first=F("group_memberships__first"))
        .values_list(*_GROUP_COLUMNS)[:500]
    )


def group(case: Case, rules: TriggerSettings) -> Fired | None:
    matching = same_issue_cases(case, rules)
    if matching is None:
        return None
    if connection.vendor == "postgresql":
        found = summarise_in_sql(matching, case.pk)
    else:
        found = summarise(list(matching), case.pk)
    if found.people < rules.group_min_complainants:
        return None
    return Fired(
        Flag.GROUP,
        Level.PROVINCE,
        _("The same issue from %(n)d or more people: escalated to the provincial work group.")
        % {"n": rules.group_min_complainants},
        # Counts, not the matched cases: who is in the group is kept once, in its members (`group_of`), and
        # the evidence travels in the flag event to people who may not see every member.
        {
            "complainants": found.people,
            "at_least": rules.group_min_complainants,
            "window_days": rules.group_window_days,
            "matched_cases": found.cases,
        },
        unflagged=found.unflagged,
        groups=found.groups,
        ungrouped=found.ungrouped,
    )


@dataclass
class _Matched:
    """What the group rule needs of the (at most 500) cases about the same issue."""

    people: int
    cases: int
    unflagged: list[int]  # open, not yet flagged as a group, the new case apart
    groups: list[int]  # the groups they are in, by their first case
    ungrouped: list[int]  # in no group yet, the new case apart


def summarise(rows: list[tuple], me: int) -> _Matched:
    people = {_identity(phone, idn, name, pk) for pk, phone, idn, name, *_ in rows}
    # Each case once (a case in two groups, joined by a racing registration, comes once per group).
    status = {pk: (state, grouped) for pk, *_, state, grouped, _first in rows}
    cases = len(status)
    status.pop(me, None)
    return _Matched(
        len(people),
        cases,
        sorted(pk for pk, (state, flagged) in status.items() if state in OPEN_STATES and not flagged),
        sorted({first for *_, first in rows if first is not None}),
        sorted({pk for pk, *_, first in rows if pk != me and first is None}),
    )


def summarise_in_sql(matching, me: int) -> _Matched:
    """`summarise` done by PostgreSQL over the same rows: one row comes back instead of up to 500 (in a
    burst of complaints about one product, most registrations match hundreds of cases)."""
    inner, params = matching.query.sql_with_params()
    open_states = list(OPEN_STATES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(DISTINCT COALESCE(NULLIF(t.id_number, ''), NULLIF(t.phone, ''),
                                              t.name || '#' || t.pk::text)),
                       count(DISTINCT t.pk),
                       array_agg(DISTINCT t.pk)
                           FILTER (WHERE t.pk <> %s AND t.state = ANY(%s) AND NOT t.grouped),
                       array_agg(DISTINCT t.first) FILTER (WHERE t.first IS NOT NULL),
                       array_agg(DISTINCT t.pk) FILTER (WHERE t.pk <> %s AND t.first IS NULL)
                  FROM ({inner}) AS t(pk, phone, id_number, name, state, grouped, first)""",
            [me, open_states, me, *params],
        )
        people, cases, unflagged, groups, ungrouped = cursor.fetchone()
    return _Matched(people, cases, sorted(unflagged or []), sorted(groups or []), sorted(ungrouped or []))


def earlier_cases_of_complainant(case: Case) -> list[tuple[int, str, str]]:
    q = _identity_q(case)
    if q is None:
        return []
    return list(
        Case.objects.filter(q, received_at__lte=case.received_at)
        .exclude(pk=case.pk)
        .order_by("-received_at")
        .values_list("pk", "number", "level")[:20]
    )


def repeat(case: Case, rules: TriggerSettings, earlier: list[tuple[int, str, str]]) -> Fired | None:
    if not earlier:
        return None
    up = level_above(case.level)
    return Fired(
        Flag.REPEAT,
        up,
        _("A repeat complaint about an earlier case: linked and escalated one level."),
        {"earlier_cases": [number for _pk, number, _level in earlier]},
        linked=[earlier[0][0]],
    )


def skip_level(case: Case, rules: TriggerSettings, earlier: list[tuple[int, str, str]]) -> Fired | None:
    if case.subject_unit is None:
        return None
    arrived = case.unit.level
    lower = case.subject_unit.level
    from_outside = case.channel in EXTERNAL_CHANNELS
    above = LEVEL_ORDER[arrived] > LEVEL_ORDER[lower]
    if not (above or from_outside) or earlier:
        return None
    return Fired(
        Flag.SKIP_LEVEL,
        arrived if LEVEL_ORDER[arrived] > LEVEL_ORDER[case.level] else None,
        _("A skip-level complaint: handled at the level it arrived at; the lower level is told."),
        {
            "arrived_at": arrived,
            "unit_complained_about": case.subject_unit.code,
            "from_outside": from_outside,
        },
    )


def cross_province(case: Case, rules: TriggerSettings) -> Fired | None:
    here, there = case.unit.province_code, case.subject_unit.province_code if case.subject_unit else ""
    if not here or not there or here == there:
        return None
    return Fired(
        Flag.CROSS_PROVINCE,
        Level.HEAD_OFFICE,
        _("A cross-province case: escalated to the level that can coordinate both provinces."),
        {"provinces": sorted([here, there])},
    )


def evaluate(
    case: Case, staff_flags: frozenset[str] = frozenset(), rules: TriggerSettings | None = None
) -> list[Fired]:
    """Every trigger that fires for a newly registered case (`staff_flags`: flags set at registration)."""
    rules = rules or current_settings()
    earlier = earlier_cases_of_complainant(case)
    fired = [
        media_threat(case, rules, staff_flags),
        group(case, rules),
        repeat(case, rules, earlier),
        skip_level(case, rules, earlier),
        cross_province(case, rules),
        major(case, rules, staff_flags),
    ]
    return [f for f in fired if f is not None]
