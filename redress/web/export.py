"""The register as an Excel workbook a complaint office works from (issue 15 item 7): the rows of the screen
with the handling — instruction, units and people, the binding deadline, replied and closed dates, the answer
given, statistics class, responsibility and flags — plus matter and demand; personal data masked unless the
exporting person may reveal it and asks to, with a purpose (each row shown in full is recorded in its
case's history: redress.lifecycle.personal); an autofilter on every column. The cases are those of the
page's filters, through visibility."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from itertools import batched
from typing import IO

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from redress.access.confidential import withhold
from redress.audit.services import described
from redress.cases.choices import Flag
from redress.cases.models import Case, CustomerContact, Instruction
from redress.common.text import kept_safely
from redress.common.validators import mask_id_number, mask_phone
from redress.deadlines.choices import ClockName, ClockState
from redress.deadlines.models import Clock

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
        _("accepting unit"),
        _("holding unit"),
        _("state"),
        _("level"),
        _("first responder"),
        _("handler"),
        _("leader's instruction"),
        _("binding deadline"),
        _("replied at"),
        _("answer given"),
        _("closed at"),
        _("statistics class"),
        _("responsibility"),
        _("flags"),
        _("matter"),
        _("demand"),
    ]


_WIDTHS = [16, 18, 10, 16, 14, 12, 15, 21, 24, 20, 20, 10, 10, 14, 14, 40, 18, 18, 40, 18, 12, 12, 20, 60, 40]


def write_register(
    cases: QuerySet[Case],
    *,
    in_full: Callable[[Case], bool] | None = None,
    withheld: Callable[[Case], bool] | None = None,
) -> tuple[IO[bytes], list[int]]:
    """Write the cases (already scoped and filtered) to a workbook; returns the file, rewound, and the
    cases whose phone and ID number were written in full (`in_full(case)`; masked otherwise). A case whose
    content the reader may not see (`withheld(case)`, R10.1) is a row of its number, units and state."""
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

    def moment(value) -> WriteOnlyCell | str:
        if value is None:
            return ""
        cell = WriteOnlyCell(ws, timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell

    def name(person) -> str:
        return (person.name or person.username) if person is not None else ""

    rows = (
        cases.select_related("subject_unit", "unit", "holder_unit", "first_responder", "handler")
        .prefetch_related(
            Prefetch(
                "instructions", queryset=Instruction.objects.select_related("by").order_by("created_at", "id")
            ),
            Prefetch("contacts", queryset=CustomerContact.objects.filter(is_reply=True).order_by("at", "id")),
            Prefetch("clocks", queryset=Clock.objects.exclude(state=ClockState.STOPPED)),
            "flags",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    count = 0
    revealed: list[int] = []
    for case in rows:
        count += 1
        secret = withheld is not None and withheld(case)
        if secret:
            withhold(case)
        full = (
            not secret
            and in_full is not None
            and bool(case.complainant_phone or case.complainant_id_number)
            and in_full(case)
        )
        if full:
            revealed.append(case.pk)
        clocks = list(case.clocks.all())
        binding = next((c for c in clocks if c.binding), None)
        reply = next((c for c in clocks if c.name == ClockName.REPLY and c.met_at), None)
        answers = list(case.contacts.all())
        ws.append(
            [
                case.number,
                moment(case.received_at),
                str(case.get_kind_display()),
                str(case.get_channel_display()),
                str(case.get_category_display()) if case.category else "",
                text(case.complainant_name),
                *(
                    (case.complainant_phone, case.complainant_id_number)
                    if full
                    else (mask_phone(case.complainant_phone), mask_id_number(case.complainant_id_number))
                ),
                text(case.subject_unit.name) if case.subject_unit else "",
                text(case.unit.name),
                text(case.holder_unit.name),
                str(case.get_state_display()),
                str(case.get_level_display()),
                text(name(case.first_responder)),
                text(name(case.handler)),
                ""
                if secret
                else text("\n".join(f"{i.text}（{name(i.by)}）" for i in case.instructions.all())),
                moment(binding.due_at) if binding else "",
                moment(reply.met_at if reply else (answers[-1].at if answers else None)),
                text(answers[-1].note) if answers and not secret else "",
                moment(case.closed_at),
                str(case.get_stat_class_display()) if case.stat_class else "",
                str(case.get_responsibility_display()) if case.responsibility else "",
                "、".join(str(Flag(f.flag).label) for f in case.flags.all() if f.flag in Flag.values),
                text(case.matter),
                text(case.demand),
            ]
        )
    ws.auto_filter.ref = f"A1:{get_column_letter(len(_WIDTHS))}{count + 1}"
    return _saved(wb), revealed


def _saved(wb: Workbook) -> IO[bytes]:
    # The caller streams and closes it (FileResponse); on disk, so a big export does not sit in memory.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    wb.save(out)
    out.seek(0)
    return out


def _as_text(ws, value: str) -> WriteOnlyCell | str:
    """Stored text kept as text: refused characters replaced, and a leading "=" never made a formula."""
    value = kept_safely(value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    return value


def write_audit_trail(rows: QuerySet) -> IO[bytes]:
    """The audit trail's rows found by an inspector's search (already scoped), as a workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit trail"))
    for index, width in enumerate([18, 14, 14, 24, 30, 16, 50], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(
        [_("at"), _("username"), _("name"), _("unit"), _("what was done"), _("case number"), _("detail")]
    )
    for chunk in batched(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        for row in described(chunk):
            actor = row.actor
            ws.append(
                [
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    actor.username if actor else "",
                    _as_text(ws, actor.name) if actor else "",
                    actor.unit.name if actor and actor.unit_id else "",
                    row.get_action_display(),
                    row.case.number if row.case_id else "",
                    _as_text(ws, row.shown),
                ]
            )
    return _saved(wb)
