"""The records a case's handling leaves behind, worded for the case page's one list layout
(web/_record_list.html, through the `record_list` tag).

Every record is shown alike: a head (a tag, a title, a state, when and by whom, a print link), the record's
own words, and label → value rows. Labels and values are those the page has always shown; times are
written as the templates write them (`|date:"Y-m-d H:i"`, in the active time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.template.defaultfilters import floatformat, linebreaksbr, yesno
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from redress.common.money import yuan
from redress.escalation.models import ACCOUNTABILITY_RULES
from redress.lifecycle.emergency import PLAN_ACCOUNTABILITY


class Row(NamedTuple):
    label: str
    value: Any
    css: str = ""  # the class of the value's <dd>, e.g. "mono"


@dataclass
class Record:
    title: Any = ""
    title_css: str = ""
    code: str = ""  # shown in monospace after the title (a phone number)
    tag: str = ""  # a tag before the title
    tag_css: str = ""
    state: str = ""
    state_css: str = ""
    meta: list = field(default_factory=list)  # when, by whom, and the like: muted, joined by " · "
    print_url: str = ""
    print_label: str = ""
    text: Any = ""  # the record's own words; a safe string where its line breaks are kept
    rows: list[Row] = field(default_factory=list)


def _at(moment) -> str:
    """A moment as the templates write it; "" for none."""
    if moment is None:
        return ""
    return dateformat.format(timezone.localtime(moment), "Y-m-d H:i")


def _who(person) -> str:
    """A person as the page names them: by name, never by username."""
    if person is None:
        return "—"
    return getattr(person, "name", "") or getattr(person, "username", "") or str(person)


def _at_by(moment, who) -> str:
    return f"{_at(moment)} · {_who(who)}"


def _transfer_order(order, case) -> Record:
    rows = [
        Row(_("issued"), _at_by(order.created_at, order.by)),
        Row(_("due"), _at(order.due_at) or "—", "mono"),
        Row(_("handler"), _who(order.handler)),
        Row(_("note"), order.note or "—"),
    ]
    if order.acknowledged_at:
        rows.append(Row(_("acknowledged"), _at_by(order.acknowledged_at, order.acknowledged_by)))
    if order.bounced_at:
        rows.append(Row(_("sent back"), f"{_at(order.bounced_at)} · {order.bounce_reason}"))
    return Record(
        title=f"{order.from_unit.name} → {order.to_unit.name}",
        state=order.get_state_display(),
        state_css=f"transfer-{order.state}",
        print_url=reverse("web:print_transfer", args=[case.number, order.id]),
        print_label=_("Print transfer order"),
        rows=rows,
    )


def _supervision_notice(notice, case) -> Record:
    unit = notice.issued_by_unit
    issuer = (unit.name if unit else "") or notice.get_issued_level_display()
    rows = [
        Row(_("issued"), _at(notice.issued_at)),
        Row(_("new deadline"), _at(notice.due_at), "mono"),
        Row(_("reason"), notice.reason),
    ]
    if notice.answered_at:
        rows.append(Row(_("answered"), _at(notice.answered_at)))
    if notice.breached_at:
        rows.append(Row(_("breached"), _at(notice.breached_at)))
    return Record(
        title=f"#{notice.sequence} {issuer} → {notice.to_unit.name}",
        state=notice.get_state_display(),
        state_css=f"notice-{notice.state}",
        print_url=reverse("web:print_notice", args=[case.number, notice.id]),
        print_label=_("Print supervision notice"),
        rows=rows,
    )


def rule_in_words(rule: str) -> str:
    """An accountability record's rule as the bank says it (the key itself only for a rule of no known
    words)."""
    return str({**ACCOUNTABILITY_RULES, **PLAN_ACCOUNTABILITY}.get(rule, rule))


def _accountability(record, case) -> Record:
    return Record(
        title=record.staff or record.unit.name,
        meta=[_at(record.created_at)],
        rows=[
            Row(_("unit"), record.unit.name),
            Row(_("rule"), rule_in_words(record.rule)),
            Row(_("note"), record.note or "—"),
        ],
    )


def _result_report(report, case) -> Record:
    return Record(
        title=report.handler_name,
        code=report.handler_phone,
        meta=[_at(report.handled_at)],
        print_url=reverse("web:print_report", args=[case.number, report.id]),
        print_label=_("Print result report"),
        rows=[
            Row(_("matter and findings"), linebreaksbr(report.findings)),
            Row(_("handling of the responsible persons"), linebreaksbr(report.staff_handling)),
            Row(_("lessons learned"), linebreaksbr(report.lessons)),
            Row(_("rectification"), linebreaksbr(report.rectification)),
            Row(_("customer's satisfaction"), report.get_customer_satisfaction_display()),
            Row(_("filed"), _at_by(report.created_at, report.by)),
        ],
    )


def _contact(contact, case) -> Record:
    return Record(
        tag=_("decision notice") if contact.is_reply else "",
        tag_css="reply",
        title=contact.get_method_display(),
        meta=[_at(contact.at), _who(contact.by)],
        text=linebreaksbr(contact.note),
        rows=[Row(_("remedies stated"), contact.remedies)] if contact.remedies else [],
    )


def _follow_up(item, case) -> Record:
    return Record(
        title=item.get_satisfaction_display(),
        title_css=f"satisfaction-{item.satisfaction}",
        meta=[_at(item.created_at), _who(item.by)],
        text=item.note,
    )


def trigger_label(trigger: str) -> str:
    """What set an escalation off, in words: a flag's name, or the sweeper's reason."""
    from redress.cases.choices import Flag

    words = {
        "manual": _("by hand"),
        "breached_clock": _("a time limit ran out"),
        "notice_breached": _("a supervision notice was not answered in time"),
        "stuck_transfer": _("a transfer order was not signed for in time"),
        "overdue": _("overdue"),
    }
    if trigger in words:
        return str(words[trigger])
    if trigger.startswith("plan_"):
        return _plan_trigger(trigger.removeprefix("plan_"))
    return str(Flag(trigger).label) if trigger in Flag.values else trigger


def _plan_trigger(rule: str) -> str:
    """An emergency plan's own reason to go up (redress/lifecycle/emergency.py): its type, or the anger
    reported at any step."""
    from redress.plans.choices import PlanType

    if rule in PlanType.values:
        what = PlanType(rule).label
    elif rule == "anger":
        what = _("the customer's anger reported")
    else:
        what = rule
    return str(_("emergency plan: %(what)s") % {"what": what})


def _escalation(item, case) -> Record:
    title = f"{item.get_from_level_display()} → {item.get_to_level_display()}"
    if item.to_unit:
        title += f" ({item.to_unit.name})"
    meta = [_at(item.created_at), _who(item.by)]
    if item.trigger != "manual":
        meta.append(trigger_label(item.trigger))
    return Record(title=title, meta=meta, text=item.reason)


def _instruction(item, case) -> Record:
    return Record(meta=[_at(item.created_at), _who(item.by)], text=linebreaksbr(item.text))


def _chase(item, case) -> Record:
    return Record(
        tag=_("reported to the head") if item.to_head else "",
        meta=[_at(item.created_at), _who(item.by)],
        text=item.note or "—",
    )


def _withdrawal(item, case) -> Record:
    rows = []
    investigation = getattr(item, "investigation", None)  # only one under pressure has one
    if investigation is not None:
        value = format_html('<span class="state">{}</span>', investigation.get_state_display())
        if investigation.findings:
            value = format_html("{} {}", value, investigation.findings)
        rows.append(Row(_("Investigation"), value))
    return Record(
        title=_("voluntary") if item.voluntary else _("under pressure"),
        meta=[_at(item.created_at), _who(item.by)],
        text=item.reason,
        rows=rows,
    )


def _approval(item, case) -> Record:
    rows = [Row(_("approved by"), item.approver_name)]
    if item.note:
        rows.append(Row(_("note"), item.note))
    return Record(
        title=f"{yuan(item.amount)} · {item.business_line.name}",
        meta=[_at(item.created_at), _who(item.by)],
        rows=rows,
    )


def _referral(item, case) -> Record:
    meta = [_at(item.created_at), _who(item.by)]
    if item.leadership_informed:
        meta.append(_("leadership informed"))
    return Record(meta=meta, text=item.note)


def _referring_body(item, case) -> Record:
    """The body that referred the complaint (P3 第十条): its deadline, and the reply sent back once given."""
    rows = [Row(_("their deadline"), _at(item.due_at))]
    if item.reference:
        rows.insert(0, Row(_("their reference"), item.reference, "mono"))
    if item.answered:
        rows.append(Row(_("replied on"), _at_by(item.replied_at, item.replied_by)))
    return Record(
        title=item.body,
        state=_("answered") if item.answered else _("awaiting our reply"),
        state_css="state-closed" if item.answered else "",
        meta=[_at(item.referred_at), _who(item.recorded_by)],
        text=linebreaksbr(item.reply) if item.answered else "",
        rows=rows,
    )


def _safety_record(item, case) -> Record:
    return Record(
        title=item.get_incident_display(),
        meta=[_at(item.created_at), _who(item.by)],
        text=item.note,
        rows=[
            Row(_("security department called"), yesno(item.security_called)),
            Row(_("police called"), yesno(item.police_called)),
            Row(_("covered by video"), yesno(item.video_covered)),
        ],
    )


def _extension(ext, case) -> Record:
    rows = []
    if ext.decided_by:
        rows.append(Row(_("decided by"), _at_by(ext.decided_at, ext.decided_by)))
    return Record(
        title=f"{ext.clock.get_name_display()} → {floatformat(ext.new_amount)}",
        state=ext.get_state_display(),
        state_css=f"extension-{ext.state}",
        meta=[_at(ext.requested_at), _who(ext.requested_by)],
        text=ext.reason,
        rows=rows,
    )


KINDS: dict[str, Callable[[Any, Any], Record]] = {
    "transfer_orders": _transfer_order,
    "supervision_notices": _supervision_notice,
    "accountabilities": _accountability,
    "result_reports": _result_report,
    "contacts": _contact,
    "follow_ups": _follow_up,
    "escalations": _escalation,
    "instructions": _instruction,
    "chases": _chase,
    "withdrawals": _withdrawal,
    "approvals": _approval,
    "referrals": _referral,
    "referring_bodies": _referring_body,
    "safety_records": _safety_record,
    "extensions": _extension,
}

# Kinds whose rows hold long text: one label and value a line.
SINGLE_COLUMN = frozenset({"result_reports"})


def listing(kind: str, items: Iterable, case) -> dict:
    """The context of web/_record_list.html for `items` of one kind of `case`'s records."""
    word = KINDS[kind]
    return {"records": [word(item, case) for item in items], "single": kind in SINGLE_COLUMN}
