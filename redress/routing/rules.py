"""Where a case goes by default (R3.2, R3.3, R6.1): the bank's routing rules, one function each.

- Whose customer, whose responsibility: work errors, service attitude and internal management go to the
  unit complained about.
- Service product, service channel and rule violations go to the business line that owns them: the
  personal-banking (or corporate) department at the nearest level above the unit complained about.
- Financial crime goes to the supervision office, which investigates.
- Anonymous reports go to the supervision office, which verifies good faith and files or analyses them.
A person may always transfer elsewhere; the default is a suggestion with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from redress.cases.choices import Category
from redress.cases.models import Case
from redress.organisation.choices import DepartmentFunction
from redress.organisation.models import Unit

_BUSINESS_LINE_CATEGORIES = {Category.SERVICE_PRODUCT, Category.SERVICE_CHANNEL, Category.RULE_VIOLATION}
_SUPERVISION_CATEGORIES = {Category.FINANCIAL_CRIME, Category.ANONYMOUS}
_CORPORATE_HINTS = ("对公", "企业", "公司", "单位账户", "国际结算", "信用证")


@dataclass(frozen=True)
class Route:
    unit: Unit
    reason: str


def nearest_department(start: Unit, function: str) -> Unit | None:
    """The department with `function` attached to `start` or to the closest unit above it."""
    chain = [start, *reversed(list(start.ancestors()))]
    departments = {
        d.parent_id: d
        for d in Unit.objects.filter(parent__in=chain, function=function, active=True).order_by(
            "-depth", "id"
        )
    }
    for unit in chain:
        if unit.pk in departments:
            return departments[unit.pk]
    return None


def business_line_function(case: Case) -> str:
    text = f"{case.product} {case.matter}"
    if any(hint in text for hint in _CORPORATE_HINTS):
        return DepartmentFunction.CORPORATE
    return DepartmentFunction.PERSONAL_BANKING


def default_route(case: Case) -> Route | None:
    """The unit a new transfer order of `case` should go to, with the rule's reason; None if none applies."""
    subject = case.subject_unit or case.unit
    if case.category in _SUPERVISION_CATEGORIES or case.complainant_anonymous:
        office = nearest_department(subject, DepartmentFunction.SUPERVISION_OFFICE)
        if office is not None:
            return Route(office, _("Financial crime and anonymous reports go to the supervision office."))
    if case.category in _BUSINESS_LINE_CATEGORIES:
        line = nearest_department(subject, business_line_function(case))
        if line is not None:
            return Route(
                line, _("Products, channels and rule violations go to the business line that owns them.")
            )
    if case.subject_unit is not None:
        return Route(case.subject_unit, _("Whose customer, whose responsibility: the unit complained about."))
    return None
