"""Confidential content (R10.1; P2 第九条(一)4; P3 第六条): the one rule of who reads what a confidential
case says.

A case is confidential when the complainant asked for it (`complainant_confidential`) or it is a report of
wrongdoing (kind `whistleblow`). Its content — the matter, the demand, the complainant's identity, the texts
of its handling and its attachments — is shown only to those handling it: its first responder, its handler
(or, while none is named, the holding unit's handlers), the supervision office and the leaders in charge who
instruct on it. Everyone else who sees the case (`visible_to`: their subtree, a work group, the auditor, an
administrator) sees that it exists and its state, nothing of what it says: every reader applies
`may_see_content` (one case) or `with_content_flag` + `withhold` (a list), and the texts searched or
compared for them leave these cases out (`content_withheld_q`).
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils.translation import gettext as _

from redress.cases.choices import Kind
from redress.cases.models import Case
from redress.organisation.choices import Role
from redress.organisation.models import Staff

# Roles that read every confidential case they can see: the office and the leader who instructs.
READ_ALL = (Role.SUPERVISION_OFFICE, Role.LEADER_IN_CHARGE)

CONFIDENTIAL = Q(complainant_confidential=True) | Q(kind=Kind.WHISTLEBLOW)
# The case's own fields that hold its content (emptied in memory by `withhold`).
CONTENT_FIELDS = (
    "matter",
    "demand",
    "complainant_name",
    "complainant_phone",
    "complainant_id_number",
    "complainant_accounts",
    "complainant_address",
    "rejection_reason",
    "product",
)


def is_confidential(case: Case) -> bool:
    return bool(case.complainant_confidential or case.kind == Kind.WHISTLEBLOW)


def _handles(user: Staff) -> Q:
    handling = Q(first_responder=user) | Q(handler=user)
    if user.unit_id is not None and user.has_role(Role.HANDLER):
        handling |= Q(handler__isnull=True, holder_unit_id=user.unit_id)
    return handling


def content_withheld_q(user: Staff) -> Q:
    """The cases whose content `user` may not see (a filter on any queryset of cases)."""
    if not getattr(user, "is_authenticated", False):
        return CONFIDENTIAL
    if user.has_role(*READ_ALL):
        return Q(pk__in=[])
    return CONFIDENTIAL & ~_handles(user)


def may_see_content(user: Staff, case: Case) -> bool:
    """Whether `user` (who sees the case) may read what it says."""
    if not is_confidential(case):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(*READ_ALL) or user.pk in (case.first_responder_id, case.handler_id):
        return True
    return bool(
        case.handler_id is None
        and user.unit_id is not None
        and case.holder_unit_id == user.unit_id
        and user.has_role(Role.HANDLER)
    )


def with_content_flag(cases: QuerySet[Case], user: Staff) -> QuerySet[Case]:
    """`cases` with `content_withheld` computed by the database for each row (no query per row)."""
    return cases.annotate(
        content_withheld=ExpressionWrapper(content_withheld_q(user), output_field=BooleanField())
    )


def searchable_by(cases: QuerySet[Case], user: Staff) -> QuerySet[Case]:
    """`cases` less those whose texts `user` may not read: what a search or a comparison of matters runs on,
    so that a match does not tell what a confidential case says."""
    return cases.exclude(content_withheld_q(user))


def placeholder() -> str:
    return _("Confidential: shown only to those handling the case")


def withhold(case: Case) -> Case:
    """The case (in memory, never saved) with its content replaced: its number, kind, state, units and
    moments stay. Marks it `content_withheld`."""
    words = placeholder()
    for name in CONTENT_FIELDS:  # deferred ones too: set, they are never loaded behind the redaction
        setattr(case, name, words if name in ("matter", "complainant_name") else "")
    case.content_withheld = True
    case.withheld_in_memory = True  # Case.save refuses it
    return case


def withhold_rows(rows: list[Case], user: Staff) -> list[Case]:
    """Rows of a list: each whose content `user` may not see withheld (by the `content_withheld` annotation
    when the query carried it, else by `may_see_content`)."""
    for row in rows:
        flag = getattr(row, "content_withheld", None)
        if flag is None:
            flag = not may_see_content(user, row)
        if flag:
            withhold(row)
    return rows
