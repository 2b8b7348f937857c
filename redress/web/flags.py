"""Why a case carries each flag, in words: the evidence the escalation rules recorded with it
(redress.escalation.triggers), as a sentence for the case page. An evidence the words do not know (written
by an older version of the rules) gives no sentence rather than a structure."""

from __future__ import annotations

from django.utils.translation import gettext as _

from redress.cases.choices import Flag
from redress.common.money import yuan


def _listed(items) -> str:
    # As the language lists words: 媒体、曝光; press, exposure.
    return _(", ").join(str(item) for item in items)


def _repeat(e: dict) -> str:
    return _("Again about the matter of %(case)s (%(likeness)s%% alike), answered within %(days)s days.") % {
        "case": e["earlier_case"],
        "likeness": round(float(e["likeness"]) * 100),
        "days": e["window_days"],
    }


def _group(e: dict) -> str:
    return _(
        "%(people)s people in %(cases)s cases about a similar matter within %(days)s days; "
        "%(least)s make a group."
    ) % {
        "people": e["complainants"],
        "cases": e["matched_cases"],
        "days": e["window_days"],
        "least": e["at_least"],
    }


def _media_threat(e: dict) -> str:
    said = [_("The customer said: %(words)s.") % {"words": _listed(e["phrases"])}] if e.get("phrases") else []
    if e.get("set_by_staff"):
        said.append(_("Set by the staff who registered it."))
    return " ".join(said)


def _major(e: dict) -> str:
    said = []
    if "amount" in e:
        said.append(
            _("the amount, %(amount)s, is above %(above)s")
            % {"amount": yuan(e["amount"]["amount"]), "above": yuan(e["amount"]["above"])}
        )
    if "joint_complainants" in e:
        said.append(_("%(count)s people complain together") % {"count": e["joint_complainants"]["count"]})
    if e.get("national_or_provincial_media"):
        said.append(_("the customer named %(media)s") % {"media": _listed(e["national_or_provincial_media"])})
    if e.get("set_by_staff"):
        said.append(_("set by the staff who registered it"))
    return _("Major: %(why)s.") % {"why": _("; ").join(said)} if said else ""


def _cross_province(e: dict) -> str:
    return _("The accepting unit and the unit complained about are in different provinces.")


def _skip_level(e: dict) -> str:
    if e.get("from_outside"):
        return _("It came from outside the bank, not through the unit complained about.")
    return _("It arrived above the level of the unit complained about.")


_WORDS = {
    Flag.REPEAT: _repeat,
    Flag.GROUP: _group,
    Flag.MEDIA_THREAT: _media_threat,
    Flag.MAJOR: _major,
    Flag.CROSS_PROVINCE: _cross_province,
    Flag.SKIP_LEVEL: _skip_level,
}


def flag_reason(flag: str, evidence: dict | None) -> str:
    """Why the case carries `flag`, from its evidence; "" when there is nothing to say in words."""
    words = _WORDS.get(flag)
    if words is None or not isinstance(evidence, dict):
        return ""
    try:
        return words(evidence)
    except (KeyError, TypeError, ValueError):
        return ""
