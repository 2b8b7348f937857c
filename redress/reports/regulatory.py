"""The regulatory return as a workbook (REGULATION.md; issue 11 item 5): the quarter's complaints by the
JR/T 0169-2018 channel, business category and reason, one sheet per dimension and one of the combinations,
each with its total, and every total checked against the others before the file is made."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from redress.cases.models import ClassificationItem

from .services import Return


class TotalsDisagree(Exception):
    """A sheet's total is not the return's: the file would contradict itself, so it is not made."""


def _class(item: ClassificationItem | None) -> list[str]:
    return [item.code, item.label] if item else ["", _("not classified")]


def workbook(ret: Return) -> bytes:
    book = Workbook()
    bold = Font(bold=True)
    sheets = [
        (_("regulatory channel"), ret.by["regulatory_channel"]),
        (_("business category"), ret.by["business_category"]),
        (_("reason"), ret.by["reason"]),
    ]
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(
            [_("Complaints of %(quarter)s by %(dimension)s") % {"quarter": ret.quarter, "dimension": title}]
        )
        sheet["A1"].font = bold
        sheet.append([_("official code"), title, _("complaints")])
        for item, count in rows:
            sheet.append([*_class(item), count])
        total = sum(count for _item, count in rows)
        sheet.append(["", _("total"), total])
        _check(total, ret.total, title)
        sheet.column_dimensions["B"].width = 40
    detail = book.create_sheet(_("combinations")[:31])
    detail.append(
        [
            _("official code"),
            _("regulatory channel"),
            _("official code"),
            _("business category"),
            _("official code"),
            _("reason"),
            _("complaints"),
        ]
    )
    for cell in detail[1]:
        cell.font = bold
    for cell in ret.cells:
        detail.append(
            [*_class(cell.channel), *_class(cell.business_category), *_class(cell.reason), cell.count]
        )
    total = sum(cell.count for cell in ret.cells)
    detail.append(["", "", "", "", "", _("total"), total])
    _check(total, ret.total, "combinations")
    for column in "BDF":
        detail.column_dimensions[column].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(total: int, expected: int, sheet: str) -> None:
    if total != expected:
        raise TotalsDisagree(f"{sheet}: {total} against the return's {expected}")


def filename(ret: Return) -> str:
    return f"regulatory-return-{ret.quarter}.xlsx"
