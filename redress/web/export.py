"""The register as an Excel workbook: the rows of the screen plus matter and demand, personal data masked."""

from __future__ import annotations

import tempfile
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from redress.cases.models import Case
from redress.common.text import kept_safely
from redress.common.validators import mask_id_number, mask_phone

# Rows are streamed from the database in chunks of this size; the workbook is spooled to disk.
CHUNK_SIZE = 2000


def _headers() -> list[str]:
    return [
        _("case number"),
        _("received at"),
        _("kind"),
        _("channel"),
        _("category"),
        _("complainant"),
        _("contact phone"),
        _("ID number"),
        _("unit complained about"),
        _("state"),
        _("first responder"),
        _("matter"),
        _("demand"),
    ]


_WIDTHS = [16, 18, 10, 16, 14, 12, 15, 21, 24, 10, 14, 60, 40]


def write_register(cases: QuerySet[Case]) -> IO[bytes]:
    """Write the cases (already scoped and filtered) to a workbook; returns the file, rewound."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Register"))
    for index, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(_headers())

    def text(value: str) -> WriteOnlyCell | str:
        # Rows stored before input was cleaned may hold control characters, which a sheet cannot: replaced.
        value = kept_safely(value)
        # A complainant's text starting with "=" must stay text, never become a formula in the reader's Excel.
        if value.startswith("="):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"
            return cell
        return value

    rows = cases.select_related("subject_unit", "first_responder").iterator(chunk_size=CHUNK_SIZE)
    for case in rows:
        received = WriteOnlyCell(ws, timezone.localtime(case.received_at).replace(tzinfo=None))
        received.number_format = "yyyy-mm-dd hh:mm"
        ws.append(
            [
                case.number,
                received,
                str(case.get_kind_display()),
                str(case.get_channel_display()),
                str(case.get_category_display()) if case.category else "",
                text(case.complainant_name),
                mask_phone(case.complainant_phone),
                mask_id_number(case.complainant_id_number),
                text(str(case.subject_unit)) if case.subject_unit else "",
                str(case.get_state_display()),
                text(case.first_responder.name or case.first_responder.username),
                text(case.matter),
                text(case.demand),
            ]
        )
    # The caller streams and closes it (FileResponse); on disk, so a big export does not sit in memory.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    wb.save(out)
    out.seek(0)
    return out
