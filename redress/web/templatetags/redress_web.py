import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.access.visibility import names_hidden, redact_numbers
from redress.audit import services as audit
from redress.common.chain import erased_marker
from redress.common.money import yuan
from redress.common.validators import mask_accounts, mask_address, mask_id_number, mask_phone
from redress.lifecycle import worklists
from redress.organisation.choices import Role
from redress.plans import services as plans
from redress.web.records import listing, trigger_label

register = template.Library()


@register.filter
def masked_phone(phone: str) -> str:
    return mask_phone(phone or "")


@register.filter
def masked_id(id_number: str) -> str:
    return mask_id_number(id_number or "")


@register.filter
def masked_accounts(accounts: str) -> str:
    return mask_accounts(accounts or "")


@register.filter
def masked_address(address: str) -> str:
    return mask_address(address or "")


@register.filter
def role_labels(user) -> str:
    """The user's roles in the active language, in the fixed order of Role."""
    roles = getattr(user, "roles", frozenset())
    return "、".join(str(role.label) for role in Role if role.value in roles)


def _choice(*enums):
    def show(value):
        for enum in enums:
            if value in enum.values:
                return str(enum(value).label)
        return str(value)

    return show


def _yes_no(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _moment(value) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


# Event data keys that only point at a record shown elsewhere on the page.
_HIDDEN = frozenset(
    {
        "transfer_order",
        "contact",
        "escalation",
        "withdrawal",
        "approval",
        "referral",
        "record",
        "result_report",
        "investigation",
        "remedies",
        "stat_facts",
        "changes",
        "notice",
        "accountability",
        "payment",
    }
)


def staff_name(username) -> str:
    """A username as the person's name (the username itself if no one has it any more)."""
    from redress.organisation.lookups import staff_member

    if not username:
        return "—"
    person = staff_member(str(username))
    return (person.name or person.username) if person is not None else str(username)


def unit_name(code) -> str:
    """A unit code as the unit's name (a closed unit's too)."""
    from redress.organisation.lookups import active_unit
    from redress.organisation.models import Unit

    if not code:
        return "—"
    unit = active_unit(str(code)) or Unit.objects.filter(code=str(code)).only("name").first()
    return unit.name if unit is not None else str(code)


def _steps(steps) -> str:
    """An escalation's steps, level by level: 支行 → 分行 → 总行."""
    from redress.organisation.choices import Level

    if not isinstance(steps, list) or not steps:
        return "—"
    levels = [_choice(Level)(steps[0].get("from_level", ""))]
    levels += [
        _choice(Level)(step.get("to_level", ""))
        + (f"（{unit_name(step['to_unit'])}）" if step.get("to_unit") else "")
        for step in steps
        if isinstance(step, dict)
    ]
    return " → ".join(levels)


def _event_labels() -> dict:
    from redress.cases.choices import (
        Channel,
        ContactMethod,
        ExternalBody,
        Flag,
        Kind,
        Responsibility,
        SafetyIncident,
        Sanction,
        Satisfaction,
        StatClass,
    )
    from redress.deadlines.choices import ClockName, PauseReason
    from redress.organisation.choices import Level
    from redress.plans.choices import AngerShown, AtmFeeDecision, CoordinationVia, OutsideHelp, PlanFault

    def flags(values):
        return "、".join(_choice(Flag)(v) for v in values) if values else "—"

    def dissuasion(rows):
        return "；".join(
            f"{staff_name(row.get('by'))} {_moment(row.get('at'))}：{row.get('outcome', '')}"
            for row in rows
            if isinstance(row, dict)
        )

    return {
        "number": (_("case number"), str),
        "kind": (_("kind"), _choice(Kind)),
        "channel": (_("channel"), _choice(Channel)),
        "first_responder": (_("first responder"), staff_name),
        "unit": (_("accepting unit"), unit_name),
        "flags": (_("flags"), flags),
        "attachments": (_("attachments"), lambda names: "、".join(names) if names else "—"),
        "reason": (_("reason"), _choice(PauseReason)),
        "note": (_("note"), str),
        "text": (_("instruction"), str),
        "answer": (_("answer given"), str),
        "to_unit": (_("to unit"), unit_name),
        "back_to": (_("sent back to"), unit_name),
        "handler": (_("handler"), staff_name),
        "head": (_("head"), staff_name),
        "default_route": (_("default route"), str),
        "at": (_("at"), _moment),
        "method": (_("method"), _choice(ContactMethod)),
        "customer_told_method": (_("customer told by"), _choice(ContactMethod)),
        "satisfaction": (_("satisfaction"), _choice(Satisfaction)),
        "customer_satisfaction": (_("customer's satisfaction"), _choice(Satisfaction)),
        "from_level": (_("from level"), _choice(Level)),
        "notice_level": (_("issued by level"), _choice(Level)),
        "to_level": (_("to level"), _choice(Level)),
        "trigger": (_("trigger"), trigger_label),
        "steps": (_("steps"), _steps),
        "voluntary": (_("voluntary"), _yes_no),
        "responsibility": (_("responsibility"), _choice(Responsibility)),
        "stat_class": (_("statistics class"), _choice(StatClass)),
        "amount": (_("amount"), yuan),
        "business_line": (_("business line"), unit_name),
        "approver": (_("approved by"), staff_name),
        "incident": (_("incident"), _choice(SafetyIncident)),
        "security_called": (_("security department called"), _yes_no),
        "police_called": (_("police called"), _yes_no),
        "video_covered": (_("covered by video"), _yes_no),
        "rule": (_("rule explained"), str),
        "previous_case": (_("earlier case"), str),
        "clock": (_("clock"), _choice(ClockName)),
        "clocks": (
            _("clocks"),
            lambda names: (
                "、".join(_choice(ClockName)(n) for n in names)
                if isinstance(names, list)
                else _choice(ClockName)(names)
            ),
        ),
        "step": (_("step"), str),
        "new_limit": (_("new limit"), str),
        "approved": (_("approved"), _yes_no),
        "due_at": (_("due"), _moment),
        "restarted": (_("clocks restarted"), str),
        "sanction": (_("sanction"), _choice(Sanction)),
        "staff": (_("staff member held responsible"), staff_name),
        "authority": (_("authority"), str),
        "reference": (_("their reference"), str),
        "pressure_found": (_("pressure found"), _yes_no),
        "to": (_("reported to"), _choice(ExternalBody)),
        "body": (_("referring body"), str),
        "reply": (_("reply sent back"), str),
        # Under an emergency plan (redress/lifecycle/emergency.py).
        "account_masked": (_("card or account (masked)"), str),
        "reported_at": (_("reported at"), _moment),
        "lapses_at": (_("lapses at"), _moment),
        "formal_report_made": (_("formal report made?"), _yes_no),
        "dissuasion": (_("dissuasion"), dissuasion),
        "approved_by": (_("approved by"), staff_name),
        "risk_checked": (_("risk check done"), _yes_no),
        "statement_version": (_("statement version read"), str),
        "promised_at": (_("promised completion"), _moment),
        "result": (_("result"), str),
        "plan_fault": (_("fault under the emergency plan"), _choice(PlanFault)),
        "where": (_("other bank's ATM"), str),
        "fee_decision": (_("fee decision"), _choice(AtmFeeDecision)),
        "decided_by": (_("decided by"), staff_name),
        "soothed_by": (_("soothed by"), staff_name),
        "agitated": (_("customer agitated?"), _yes_no),
        "guided_by": (_("taken to the VIP room by"), staff_name),
        "business_done": (_("helped to finish the business"), _yes_no),
        "gift": (_("small gift"), str),
        "reasons": (_("customer's reasons"), str),
        "soothing": (_("soothing"), str),
        "agreed_with": (_("agreed with"), str),
        "agreement": (_("agreement"), str),
        "led_to": (_("led to"), str),
        "stormed": (_("bank stormed or a crowd gathered"), _yes_no),
        "called": (_("called"), _choice(OutsideHelp)),
        "called_at": (_("called at"), _moment),
        "via": (_("through"), _choice(CoordinationVia)),
        "with_whom": (_("with whom"), str),
        "outcome": (_("outcome"), str),
        "sister_bank": (_("sister bank in the other province"), str),
        "why": (_("why it cannot be solved here"), str),
        "next_level": (_("to level"), _choice(Level)),
        "shown": (_("what happened"), _choice(AngerShown)),
    }


def _change_value(field: str, value) -> str:
    from redress.cases.choices import Responsibility, StatClass, State
    from redress.organisation.choices import Level

    if value in (None, "", {}):
        return "—"
    if field in {"closed_at"}:
        return _moment(value)
    shown = {
        "amount": yuan,
        "state": _choice(State),
        "level": _choice(Level),
        "responsibility": _choice(Responsibility),
        "stat_class": _choice(StatClass),
        "holder_unit": unit_name,
        "unit": unit_name,
        "subject_unit": unit_name,
        "handler": staff_name,
        "first_responder": staff_name,
        "subject_staff": staff_name,
    }.get(field)
    if shown is not None:
        return shown(value)
    if isinstance(value, dict):
        return "…"
    return str(value)


def _field_label(field: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    from redress.cases.models import Case

    try:
        return str(Case._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _redact(text: str, hidden: frozenset[str] | None) -> str:
    """Case numbers the viewer may not see (`access.visibility.hidden_numbers`) give way to a phrase."""
    if not hidden or not isinstance(text, str):
        return text
    return redact_numbers(text, hidden, str(_("outside your view")))


@register.filter
def event_details(event, hidden: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """An event's recorded data as (label, value) rows, with known identifiers shown by their labels and
    the numbers of cases the viewer may not see left out."""
    if erased_marker(event.data):
        # Retention erased what it said; the entry and its place in the sealed history stay (decision 0037).
        return [(str(_("erased")), str(_("removed when the case's retention period ended")))]
    labels = _event_labels()
    rows = []
    for key, value in (event.data or {}).items():
        if key in _HIDDEN or isinstance(value, dict) or value in ("", None, []):
            continue
        if hidden and names_hidden(value, hidden):
            continue  # a placeholder would still tell that such a case exists
        label, show = labels.get(key, (key, str))
        try:
            shown = show(value)
        except (TypeError, ValueError):
            shown = str(value)
        rows.append((str(label), _redact(shown, hidden)))
    return rows


@register.filter
def event_changes(event, hidden: frozenset[str] | None = None) -> list[tuple[str, str, str]]:
    """The case fields an event changed, as (label, old, new); a change naming a case the viewer may not see
    is left out whole (a placeholder would still tell that the case exists)."""
    changes = (event.data or {}).get("changes") or {}
    return [
        (
            _field_label(field),
            _redact(_change_value(field, old), hidden),
            _redact(_change_value(field, new), hidden),
        )
        for field, (old, new) in changes.items()
        if field not in {"stat_facts", "stat_rule", "holder_unit_path"}
        and old != new
        and not (hidden and names_hidden([old, new], hidden))
    ]


@register.inclusion_tag("web/_calendar_warning.html", takes_context=True)
def calendar_warning(context) -> dict:
    """The banner asking for next year's holiday arrangement (R4.2), from 1 November on."""
    from redress.web.notices import calendar_warning as warning

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"warning": None}
    return {"warning": warning(user)}


@register.inclusion_tag("web/_plan_banner.html", takes_context=True)
def plan_banner(context) -> dict:
    """The emergency plans covering the user's unit, while active: the plan, its hotline, command centre and
    approved statements on every page (R9.1)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"plans": []}
    return {
        "plans": [
            {"plan": plan, "statements": plans.current_statements(plan)} for plan in plans.shown_to(user)
        ]
    }


@register.filter
def may_instruct(user) -> bool:
    """Whether the user gets the "awaiting instruction" list (R2.8)."""
    return bool(getattr(user, "is_authenticated", False)) and worklists.may_instruct(user)


@register.filter(name="yuan")
def yuan_filter(value) -> str:
    """An amount as 1,234,567.80 元 (redress.common.money)."""
    return yuan(value)


@register.filter
def sees_plans(user) -> bool:
    """Whether the nav offers the emergency plans (`plans.sees_plans`)."""
    return bool(getattr(user, "is_authenticated", False)) and plans.sees_plans(user)


@register.filter
def has_daily_checks(user) -> bool:
    """Whether the nav offers the daily checks page: the outlet heads and the supervision office."""
    from redress.lifecycle.media import may_register_media_items
    from redress.watch.services import my_duties

    return bool(my_duties(user)) or may_register_media_items(user)


@register.filter
def may_inspect(user) -> bool:
    """Whether the user gets the audit trail (the supervision office and auditors, R10.4)."""
    return audit.may_inspect(user)


@register.simple_tag
def worklist_counts(user) -> dict[str, int]:
    """The count beside each work list in the navigation."""
    if not getattr(user, "is_authenticated", False) or user.is_read_only:
        return {}
    return worklists.counts(user)


@register.filter
def stat_facts(case) -> list[tuple[str, str]]:
    """The facts the statistics class was decided from (R7.4), worded."""
    from redress.cases.choices import Channel
    from redress.deadlines.choices import ClockName
    from redress.organisation.choices import Level

    facts = case.stat_facts or {}
    labels = {
        "channel": (_("channel"), _choice(Channel)),
        "external_channel": (_("head office or external channel"), _yes_no),
        "highest_level": (_("highest level reached"), _choice(Level)),
        "repeat": (_("repeat complaint"), _yes_no),
        "breached_clocks": (
            _("binding clocks breached"),
            lambda names: "、".join(_choice(ClockName)(n) for n in names) if names else _("none"),
        ),
    }
    rows = []
    for key, value in facts.items():
        label, show = labels.get(key, (key, str))
        rows.append((str(label), show(value)))
    return rows


@register.inclusion_tag("web/_record_list.html")
def record_list(kind: str, items, case) -> dict:
    """A case's records of one kind (`redress.web.records.KINDS`) in the case page's one list layout."""
    return listing(kind, items, case)


@register.filter
def due_by(moment) -> str:
    """A due time as people say it: "12月17日 24:00 前" (a limit that runs to midnight is the end of that day,
    not 00:00 of the next), with the year when it is not this year."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    day, clock = local.date(), f"{local:%H:%M}"
    if clock == "00:00":
        day, clock = day - dt.timedelta(days=1), "24:00"
    if day.year == timezone.localdate().year:
        when = _("%(month)s/%(day)s") % {"month": day.month, "day": day.day}
    else:
        when = _("%(year)s/%(month)s/%(day)s") % {"year": day.year, "month": day.month, "day": day.day}
    return _("by %(when)s %(clock)s") % {"when": when, "clock": clock}


@register.filter
def stat_rule_words(rule: str) -> str:
    """The statistics rule's version in words ("R7.4-2026.1" → 2026.1 版统计规则)."""
    if not rule:
        return "—"
    _requirement, _sep, version = rule.partition("-")
    return _("the statistics rule of %(version)s") % {"version": version or rule}
