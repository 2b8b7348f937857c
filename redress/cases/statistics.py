"""The statistics class decided at close (R7.4, P1§4(二)): a versioned rule over stored facts.

- never above the outlet (or its sub-branch) and solved in time → not_counted (网点化解);
- went up to a branch or province work group (or head office) but solved in time → enquiry_class (咨询类);
- came through head office or an external channel, was a repeat, or breached a binding clock → counted.

The facts are stored with the case beside the class and RULE_VERSION, so a later change of rule never
silently reclassifies history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from redress.organisation.choices import LEVEL_ORDER, Level

from .choices import EXTERNAL_CHANNELS, Flag, StatClass
from .models import Case

RULE_VERSION = "R7.4-2026.1"
# Levels at which solving a case still counts as "solved at the outlet".
_OUTLET_LEVELS = frozenset({Level.OUTLET, Level.SUB_BRANCH})


@dataclass(frozen=True)
class StatFacts:
    channel: str
    external_channel: bool
    highest_level: str
    repeat: bool
    breached_clocks: tuple[str, ...]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["breached_clocks"] = list(self.breached_clocks)
        return data


def decide(facts: StatFacts) -> str:
    if facts.external_channel or facts.repeat or facts.breached_clocks:
        return StatClass.COUNTED
    if facts.highest_level not in _OUTLET_LEVELS:
        return StatClass.ENQUIRY_CLASS
    return StatClass.NOT_COUNTED


def facts_for(case: Case, *, breached: list[str]) -> StatFacts:
    """The facts the class is decided from; `breached`: the binding clocks the case ran past (the clocks'
    own rule, redress.deadlines, says which)."""
    levels = [case.level, *case.escalations.values_list("to_level", flat=True)]
    if case.unit_id:
        levels.append(case.unit.level)
    highest = max(levels, key=LEVEL_ORDER.__getitem__)
    return StatFacts(
        channel=case.channel,
        external_channel=case.channel in EXTERNAL_CHANNELS,
        highest_level=highest,
        repeat=case.previous_case_id is not None or case.flags.filter(flag=Flag.REPEAT).exists(),
        breached_clocks=tuple(sorted(set(breached))),
    )
