"""Which policies apply to a case, and the policies Redress ships (R4.1, REGULATION.md).

Matching and the validation of criteria and targets are plain functions; the shipped policies are data loaded
by a migration and owned by the database from then on (administrators add versions in the admin).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from redress.calendar.choices import LimitUnit
from redress.cases.choices import Category, Channel, Kind
from redress.plans.services import membership

from .choices import DEFAULT_WARN_PERCENT, ClockName, Complexity, PolicySource, StartEvent

# P3§10: product, channel and rule-violation complaints are complex; the rest are ordinary.
COMPLEX_CATEGORIES = frozenset({Category.SERVICE_PRODUCT, Category.SERVICE_CHANNEL, Category.RULE_VIOLATION})
# Clocks met by the same event; within a group the earliest due date binds. An emergency plan's clocks join
# the ordinary ones they stand beside: the earliest binds (R9.1).
CLOCK_GROUPS = {
    ClockName.REPLY: "answer",
    ClockName.DECISION: "answer",
    ClockName.ANSWER_CUSTOMER: "answer",
    ClockName.ARRIVE: ClockName.FIRST_CONTACT,
    ClockName.REPORT_TO_GROUP: ClockName.RESULT_REPORT,
}
# Each plan clock's length is the plan's own limit of this name (plans.models.Plan), not the policy's amount.
PLAN_LIMITS = {
    ClockName.ARRIVE: "arrive_hours",
    ClockName.ANSWER_CUSTOMER: "answer_hours",
    ClockName.REPORT_TO_GROUP: "report_hours",
}


def complexity_of(case) -> str:
    return Complexity.COMPLEX if case.category in COMPLEX_CATEGORIES else Complexity.ORDINARY


def group_of(clock: str) -> str:
    return CLOCK_GROUPS.get(clock, clock)


def in_emergency_plan(case) -> bool:
    """Whether the case was received under an emergency plan (R9, P1): it joined one at registration
    (`plans.services.join`, before its clocks start). Read from the plan's record of the case, once per case
    object; `bank.emergency` once read a field Case did not have and applied to nothing (decision 0035)."""
    return membership(case) is not None


def _list_of(choices: type[TextChoices]) -> Callable[[str, Any], list[str]]:
    """A check for a non-empty list of values of `choices`: an empty list used to match every case, and a
    string would be searched as text ("petition" in "complaint, petition")."""

    def check(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            return [
                _("“%(key)s” takes a non-empty list of values; leave it out to match any value.")
                % {"key": key}
            ]
        allowed = ", ".join(choices.values)
        return [
            _("“%(key)s”: “%(value)s” is not one of: %(allowed)s.")
            % {"key": key, "value": v, "allowed": allowed}
            for v in value
            if not isinstance(v, str) or v not in choices.values
        ]

    return check


def _one_of(choices: type[TextChoices]) -> Callable[[str, Any], list[str]]:
    def check(key: str, value: Any) -> list[str]:
        if isinstance(value, str) and value in choices.values:
            return []
        return [
            _("“%(key)s” takes one of: %(allowed)s.") % {"key": key, "allowed": ", ".join(choices.values)}
        ]

    return check


def _boolean(key: str, value: Any) -> list[str]:
    # Only a JSON true/false: "false" and 0 would otherwise be read by truthiness.
    if isinstance(value, bool):
        return []
    return [_("“%(key)s” takes true or false.") % {"key": key}]


@dataclass(frozen=True)
class Criterion:
    """One condition a policy's criteria may name: the values it accepts and whether a case meets it."""

    check: Callable[[str, Any], list[str]]
    holds: Callable[[Any, Any], bool]  # (the policy's value, the case)


# Every key a policy's criteria may name. `matches` and `validate_criteria` both read this table, so a key is
# either known to both or refused by both: an unknown key can no longer be skipped and match every case.
CRITERIA: dict[str, Criterion] = {
    "kinds": Criterion(_list_of(Kind), lambda kinds, case: case.kind in kinds),
    "categories": Criterion(_list_of(Category), lambda categories, case: case.category in categories),
    "channels": Criterion(_list_of(Channel), lambda channels, case: case.channel in channels),
    "complexity": Criterion(_one_of(Complexity), lambda complexity, case: complexity_of(case) == complexity),
    # A case received under an active emergency plan (see `in_emergency_plan`).
    "emergency": Criterion(_boolean, lambda emergency, case: in_emergency_plan(case) == emergency),
}


def validate_criteria(criteria: Any) -> list[str]:
    """Messages for every unknown key and malformed value (each naming its key); empty when usable.

    Every write of a policy calls this: the model's validation (so the admin), and the loader of the
    shipped policies.
    """
    if not isinstance(criteria, dict):
        return [_("The criteria are an object of named conditions; leave it empty to apply to every case.")]
    errors = []
    for key, value in criteria.items():
        criterion = CRITERIA.get(key)
        if criterion is None:
            errors.append(
                _("“%(key)s” is not a known criterion; the known ones are: %(known)s.")
                % {"key": key, "known": ", ".join(CRITERIA)}
            )
        else:
            errors.extend(criterion.check(key, value))
    return errors


class InvalidPolicy(ValueError):
    """A policy whose criteria or targets are refused, with the messages saying why."""


def matches(criteria: dict[str, Any], case) -> bool:
    """Whether the case meets every criterion; empty criteria match every case."""
    # Refuse rather than skip what is not understood: skipping an unknown key is how a typo made a policy
    # apply to every case, and reading "false" or "complaint" by truthiness or substring is no better.
    # Only a row written before criteria were checked (or behind the model's back) can fail here.
    errors = validate_criteria(criteria)
    if errors:
        raise InvalidPolicy(" ".join(errors))
    return meets(criteria, case)


def meets(criteria: dict[str, Any], case) -> bool:
    """`matches` for criteria already validated (`validate_criteria` found nothing to refuse)."""
    return all(CRITERIA[key].holds(value, case) for key, value in criteria.items())


def effective_on(policy, day: dt.date) -> bool:
    return policy.effective_from <= day and (policy.effective_to is None or day <= policy.effective_to)


def validate_targets(targets: Iterable[dict[str, Any]]) -> list[str]:
    """Messages for every malformed target; empty when the list is usable."""
    errors = []
    for i, target in enumerate(targets, start=1):
        where = f"target {i}"
        if target.get("clock") not in ClockName.values:
            errors.append(f"{where}: clock must be one of {', '.join(ClockName.values)}")
        if target.get("unit") not in LimitUnit.values:
            errors.append(f"{where}: unit must be one of {', '.join(LimitUnit.values)}")
        if target.get("start", StartEvent.RECEIPT) not in StartEvent.values:
            errors.append(f"{where}: start must be one of {', '.join(StartEvent.values)}")
        amount = target.get("amount")
        if not isinstance(amount, int | float) or amount <= 0:
            errors.append(f"{where}: amount must be a positive number")
        if target.get("unit") != LimitUnit.HOURS and isinstance(amount, float) and not amount.is_integer():
            errors.append(f"{where}: day counts are whole numbers")
        percent = target.get("warn_percent")
        if percent is not None and not (isinstance(percent, int) and 0 < percent < 100):
            errors.append(f"{where}: warn_percent must be between 1 and 99")
        after = target.get("warn_after")
        if after is not None and (not isinstance(amount, int | float) or not 0 < after < amount):
            errors.append(f"{where}: warn_after must be positive and below amount")
        steps = target.get("extensions", [])
        if (
            any(not isinstance(s, int | float) for s in steps)
            or steps != sorted(steps)
            or (steps and isinstance(amount, int | float) and steps[0] <= amount)
        ):
            errors.append(f"{where}: extensions are increasing totals above amount")
    return errors


def load_shipped(policy_model: Any, specs: Iterable[dict[str, Any]], effective_from: dt.date) -> None:
    """Create version 1 of every spec whose code is not stored yet; for data migrations, which pass their
    historical model (it has none of the model's validation, so the checks are made here).

    Every spec is checked before any is written: a bad one loads none, and the error names it and the key.
    """
    rows = []
    for spec in specs:
        if policy_model.objects.filter(code=spec["code"]).exists():
            continue
        # Stored as plain JSON: choices become their values.
        criteria = {k: (str(v) if not isinstance(v, list | bool) else v) for k, v in spec["criteria"].items()}
        targets = [{k: (str(v) if hasattr(v, "label") else v) for k, v in t.items()} for t in spec["targets"]]
        errors = validate_criteria(criteria) + validate_targets(targets)
        if errors:
            raise InvalidPolicy(f"policy {spec['code']} ({spec['name']}) refused: {' '.join(errors)}")
        rows.append((spec, criteria, targets))
    for spec, criteria, targets in rows:
        policy_model.objects.create(
            code=spec["code"],
            version=1,
            name=spec["name"],
            source=spec["source"],
            basis=spec["basis"],
            effective_from=effective_from,
            criteria=criteria,
            targets=targets,
        )


SHIPPED_FROM = dt.date(2020, 3, 1)

# Version 2 of `bank.emergency` (migration deadlines/0006): version 1 named the ordinary clocks and could
# never apply; the plan's clocks count continuous hours from receipt.
EMERGENCY_TARGETS: list[dict[str, Any]] = [
    {"clock": ClockName.ARRIVE, "amount": 1, "unit": LimitUnit.HOURS, "start": StartEvent.RECEIPT,
     "warn_percent": DEFAULT_WARN_PERCENT},
    {"clock": ClockName.ANSWER_CUSTOMER, "amount": 4, "unit": LimitUnit.HOURS, "start": StartEvent.RECEIPT,
     "warn_percent": DEFAULT_WARN_PERCENT},
    {"clock": ClockName.REPORT_TO_GROUP, "amount": 8, "unit": LimitUnit.HOURS, "start": StartEvent.RECEIPT,
     "warn_percent": DEFAULT_WARN_PERCENT},
]  # fmt: skip

# The source's and the regulators' limits, as shipped. `basis` names where each number comes from.
SHIPPED: list[dict[str, Any]] = [
    {
        "code": "bank.ordinary",
        "name": "普通投诉：3个工作日内答复",
        "source": PolicySource.BANK,
        "basis": "P3§10 (work error, service attitude, internal management)",
        "criteria": {"complexity": Complexity.ORDINARY, "emergency": False},
        "targets": [
            {"clock": ClockName.REPLY, "amount": 3, "unit": LimitUnit.WORKING_DAYS,
             "start": StartEvent.RECEIPT, "warn_after": 2},
        ],
    },
    {
        "code": "bank.complex",
        "name": "复杂投诉：7个工作日目标、10个工作日时限",
        "source": PolicySource.BANK,
        "basis": "P3§10 (service product, service channel, rule violation)",
        "criteria": {"complexity": Complexity.COMPLEX, "emergency": False},
        "targets": [
            {"clock": ClockName.REPLY, "amount": 10, "unit": LimitUnit.WORKING_DAYS,
             "start": StartEvent.RECEIPT, "warn_after": 7},
        ],
    },
    {
        "code": "bank.online_transfer",
        "name": "网络投诉：2个工作日内转办",
        "source": PolicySource.BANK,
        "basis": "P3§9(3)",
        "criteria": {"channels": ["online"], "emergency": False},
        "targets": [
            {"clock": ClockName.TRANSFER_OUT, "amount": 2, "unit": LimitUnit.WORKING_DAYS,
             "start": StartEvent.RECEIPT, "warn_after": 1},
        ],
    },
    {
        # The plan's clocks: their lengths are each plan's limits (PLAN_LIMITS); the amounts here are P1's.
        "code": "bank.emergency",
        "name": "应急预案期间：1小时到场、4小时答复客户、8小时向工作小组报告（连续小时）",
        "source": PolicySource.BANK,
        "basis": "P1§5",
        "criteria": {"emergency": True},
        "targets": EMERGENCY_TARGETS,
    },
    {
        "code": "statute.cbirc_complaint",
        "name": "银行业保险业消费投诉：15日内作出决定，可延至30日、60日",
        "source": PolicySource.STATUTE,
        "basis": "CBIRC Order 2020 No. 3",
        "criteria": {"kinds": ["complaint"]},
        "targets": [
            {"clock": ClockName.DECISION, "amount": 15, "unit": LimitUnit.CALENDAR_DAYS,
             "start": StartEvent.RECEIPT, "warn_percent": DEFAULT_WARN_PERCENT, "extensions": [30, 60]},
        ],
    },
    {
        "code": "statute.regulator_forwarded",
        "name": "监管转办投诉：15日内答复，经批准可延至60日",
        "source": PolicySource.STATUTE,
        "basis": "PBOC Order 2020 No. 5",
        "criteria": {"channels": ["regulator"]},
        "targets": [
            {"clock": ClockName.DECISION, "amount": 15, "unit": LimitUnit.CALENDAR_DAYS,
             "start": StartEvent.RECEIPT, "warn_percent": DEFAULT_WARN_PERCENT, "extensions": [60]},
        ],
    },
    {
        "code": "statute.petition",
        "name": "信访：15日内告知受理，60日内办结，可延长30日",
        "source": PolicySource.STATUTE,
        "basis": "信访工作条例 (2022)",
        "criteria": {"kinds": ["petition"]},
        "targets": [
            {"clock": ClockName.ACKNOWLEDGE_RECEIPT, "amount": 15, "unit": LimitUnit.CALENDAR_DAYS,
             "start": StartEvent.RECEIPT, "warn_percent": DEFAULT_WARN_PERCENT},
            {"clock": ClockName.DECISION, "amount": 60, "unit": LimitUnit.CALENDAR_DAYS,
             "start": StartEvent.ACCEPTANCE, "warn_percent": DEFAULT_WARN_PERCENT, "extensions": [90]},
        ],
    },
]  # fmt: skip
