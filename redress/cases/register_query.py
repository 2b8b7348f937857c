"""The register (登记簿, R2.5): filtering, sorting and counting a user's visible cases.

Web page, API list and Excel export share this one definition of the filters, so the three always agree.
The queryset passed in must already be scoped by `redress.access.visibility.visible_to`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.common.errors import FieldErrors
from redress.common.text import clean_text
from redress.common.validators import InvalidValue, day_out_of_range, normalise_id_number, normalise_phone
from redress.organisation.choices import Level
from redress.organisation.models import Staff, Unit
from redress.text import fulltext
from redress.text.segment import tokens

from .choices import Category, Channel, Dimension, Kind, Responsibility, StatClass, State
from .customer_groups import CUSTOMER_GROUPS, customer_group_q
from .models import Case, ClassificationItem
from .numbering import PREFIX

# Sort keys a user may choose. Unchosen, a search (`q`) shows the best match first and the rest of the
# register newest first. Each is backed by an index or the primary key.
SORTS: dict[str, tuple[str, ...]] = {
    "-received_at": ("-received_at", "-id"),
    "received_at": ("received_at", "id"),
    "-number": ("-number",),
    "number": ("number",),
}
DEFAULT_SORT = "-received_at"
# Counting every match costs a full scan at millions of rows; past this many the register says "more than".
COUNT_CAP = 10_000
# A page of the register counts its matches this many pages beyond itself and no further: enough to link the
# pages ahead exactly, and the cost stays that of a few pages whether 10,000 or 1,000,000 cases match.
COUNT_PAGES_AHEAD = 3
# The furthest row a page may start at (API `offset`, the page's number): past the databases' integers a
# query fails, and no register is that long.
MAX_OFFSET = 1_000_000_000
# A case number typed into the search box (TS2026000123, any case): matched as the number, not as words.
CASE_NUMBER = re.compile(rf"^{PREFIX}\d{{10,11}}$", re.IGNORECASE)
# A search box takes words, not a document: each word is a term of the full-text query.
Q_MAX = 200
# A regulatory class filter's value for the cases not (yet) classified in that dimension.
UNCLASSIFIED = "none"
# The regulatory classes a filter may name, by the dimension they belong to.
CLASS_FILTERS = {
    "business_category": Dimension.BUSINESS_CATEGORY,
    "reason": Dimension.REASON,
    "regulatory_channel": Dimension.CHANNEL,
}


@dataclass(frozen=True)
class Figure:
    """A measure of the reports a register filter may name (`figure=`): its words and how it narrows cases."""

    label: object  # a (lazy) translated string
    narrow: Callable[[QuerySet[Case]], QuerySet[Case]]


# Filled by the reports app at start-up (ReportsConfig.ready): the cases sit below the reports in the
# layers and may not import them, yet a figure on a report links to the register of exactly its cases.
FIGURES: dict[str, Figure] = {}


def register_figure(name: str, label: object, narrow: Callable[[QuerySet[Case]], QuerySet[Case]]) -> None:
    """Make `figure=<name>` a filter of the register: the cases `narrow` keeps."""
    FIGURES[name] = Figure(label, narrow)


@dataclass
class RegisterFilter:
    unit: str = ""  # unit code: cases accepted by, held by or about a unit in its subtree
    channel: str = ""
    kind: str = ""
    category: str = ""
    state: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""  # words in the matter, demand, result reports and replies, or a case number
    # The complainant's phone or ID number, whole: stored encrypted, found by their blind indexes (decision
    # 0031), so a fragment cannot be searched for.
    phone: str = ""
    id_number: str = ""
    # The filters the reports' figures link to (decision 0033): each figure's cases, exactly as counted.
    registered_in: str = ""  # unit code: cases registered (accepted) by a unit in its subtree
    registering_unit: str = ""  # unit code: cases registered by that unit itself (a report's "itself" line)
    subject_unit: str = ""  # unit code: cases about a unit in its subtree
    subject_staff: str = ""  # username of the staff member complained about
    business_category: str = ""  # official code or label path; UNCLASSIFIED: none given
    reason: str = ""
    regulatory_channel: str = ""
    product: str = ""  # the business line / product, exactly
    customer_group: str = ""  # one of CUSTOMER_GROUPS
    stat_class: str = ""
    responsibility: str = ""
    level: str = ""
    figure: str = ""  # one of FIGURES: the cases counted in that measure of the reports
    sort: str = ""  # one of SORTS; empty: best match first with `q`, else DEFAULT_SORT

    @classmethod
    def from_params(cls, params) -> RegisterFilter:
        """Build from query parameters (a QueryDict or dict of strings), validating each one."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            try:
                raw = clean_text(str(raw))
            except InvalidValue as exc:
                errors.setdefault(f.name, []).append(str(exc))
                continue
            if f.name in {"received_from", "received_to"}:
                try:
                    values[f.name] = dt.date.fromisoformat(raw)
                except ValueError:
                    errors.setdefault(f.name, []).append(_("Enter a date as YYYY-MM-DD."))
                    continue
                if (refused := day_out_of_range(values[f.name])) is not None:
                    errors.setdefault(f.name, []).append(refused)
                    del values[f.name]
            else:
                values[f.name] = raw
        result = cls(**values)
        errors.update(result.validate())
        if errors:
            raise FieldErrors(errors)
        return result

    def validate(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name, choices in (
            ("channel", Channel.values),
            ("kind", Kind.values),
            ("category", [*Category.values, UNCLASSIFIED]),
            ("state", State.values),
            ("stat_class", StatClass.values),
            ("responsibility", Responsibility.values),
            ("level", Level.values),
            ("customer_group", list(CUSTOMER_GROUPS)),
            ("figure", list(FIGURES)),
        ):
            value = getattr(self, name)
            if value and value not in choices:
                errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]
        if self.sort and self.sort not in SORTS:
            errors["sort"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(SORTS)}]
        if self.received_from and self.received_to and self.received_from > self.received_to:
            errors["received_to"] = [_("The end date is before the start date.")]
        if len(self.q) > Q_MAX:
            errors["q"] = [_("At most %(max)s characters.") % {"max": Q_MAX}]
        elif self.q and not self.numbers() and self.query().empty:
            common = tokens(self.q)
            errors["q"] = [
                _("%(words)s: too common to search by. Add a word the cases you look for hold.")
                % {"words": "、".join(common)}
                if common
                else _("Enter words or a case number to search for.")
            ]
        for name, normalise in (("phone", normalise_phone), ("id_number", normalise_id_number)):
            if getattr(self, name):
                try:
                    normalise(getattr(self, name))
                except InvalidValue as exc:
                    errors[name] = [
                        str(exc),
                        _("Enter the whole number: personal data is stored encrypted and found only whole."),
                    ]
        for name in ("unit", "registered_in", "registering_unit", "subject_unit"):
            code = getattr(self, name)
            if code and not Unit.objects.filter(code=code).exists():
                errors[name] = [_("No unit has the code “%(code)s”.") % {"code": code}]
        if self.subject_staff and not Staff.objects.filter(username=self.subject_staff).exists():
            errors["subject_staff"] = [
                _("No staff member has the username “%(u)s”.") % {"u": self.subject_staff}
            ]
        for name, dimension in CLASS_FILTERS.items():
            value = getattr(self, name)
            if value and value != UNCLASSIFIED and not _classes(dimension, value).exists():
                errors[name] = [_("Unknown class “%(label)s” in the classification.") % {"label": value}]
        return errors

    def is_empty(self) -> bool:
        return self == RegisterFilter(sort=self.sort)

    def numbers(self) -> list[str]:
        """The case numbers in `q`."""
        return [chunk.upper() for chunk in self.q.split() if CASE_NUMBER.match(chunk)]

    def query(self) -> fulltext.Query:
        """The words `q` searches for besides its case numbers (redress.text.fulltext)."""
        return fulltext.parse(" ".join(chunk for chunk in self.q.split() if not CASE_NUMBER.match(chunk)))

    def apply(self, cases: QuerySet[Case], *, unsearchable: Q | None = None) -> QuerySet[Case]:
        """The filtered cases. `unsearchable`: cases whose texts the reader may not read (confidential,
        access/confidential.py): a search's words never match them, its case numbers still do."""
        if self.unit:
            path = Unit.objects.values_list("path", flat=True).get(code=self.unit)
            cases = cases.filter(
                Q(unit_path__startswith=path)
                | Q(holder_unit_path__startswith=path)
                | Q(subject_unit_path__startswith=path)
            )
        for name, column in (("registered_in", "unit_path"), ("subject_unit", "subject_unit_path")):
            if code := getattr(self, name):
                path = Unit.objects.values_list("path", flat=True).get(code=code)
                cases = cases.filter(**{f"{column}__startswith": path})
        if self.registering_unit:
            cases = cases.filter(unit__code=self.registering_unit)
        if self.subject_staff:
            cases = cases.filter(subject_staff__username=self.subject_staff)
        for name in ("channel", "kind", "category", "state", "stat_class", "responsibility", "level"):
            value = getattr(self, name)
            if value:
                cases = cases.filter(**{name: "" if value == UNCLASSIFIED and name == "category" else value})
        for name, dimension in CLASS_FILTERS.items():
            value = getattr(self, name)
            if value == UNCLASSIFIED:
                cases = cases.filter(**{f"{name}__isnull": True})
            elif value:
                cases = cases.filter(**{f"{name}__in": _classes(dimension, value).values("pk")})
        if self.product:
            cases = cases.filter(product=self.product)
        if self.customer_group:
            cases = cases.filter(customer_group_q(self.customer_group))
        if self.figure:
            cases = FIGURES[self.figure].narrow(cases)
        if self.received_from:
            cases = cases.filter(received_at__gte=_start_of(self.received_from))
        if self.received_to:
            cases = cases.filter(received_at__lt=_start_of(self.received_to + dt.timedelta(days=1)))
        query = self.query() if self.q else None
        if self.q:
            if numbers := self.numbers():
                cases = cases.filter(number__in=numbers)
            if unsearchable is not None and not query.empty:
                cases = cases.exclude(unsearchable)
            cases = fulltext.matching(cases, query)
        # Checked whole by `validate`; one HMAC each, then the index's equality lookup.
        if self.phone:
            cases = cases.filter(complainant_phone_index=Case.phone_index(normalise_phone(self.phone)))
        if self.id_number:
            cases = cases.filter(complainant_id_index=Case.id_index(normalise_id_number(self.id_number)))
        if query is not None and not query.empty and not self.sort:
            return fulltext.by_relevance(cases, query)
        return cases.order_by(*SORTS[self.sort or DEFAULT_SORT])


def _classes(dimension: str, value: str) -> QuerySet[ClassificationItem]:
    """The classes a filter's value names in a dimension, in every edition: by official code, else by label
    path (the reports key a class so: its code where it has one)."""
    return ClassificationItem.objects.filter(Q(code=value) | Q(label=value), dimension=dimension)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the bank's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def capped_count(cases: QuerySet[Case], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many cases match, counting at most `cap + 1`: returns (count, more_than_cap)."""
    n = cases.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def estimated_count(cases: QuerySet[Case]) -> int | None:
    """PostgreSQL's planner estimate of how many cases match, without counting them (None elsewhere).

    Shown as "about N" once the exact count is past what the page needs: counting a million rows exactly
    would cost a scan of them on every page view.
    """
    if connection.vendor != "postgresql":
        return None
    sql, params = cases.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
