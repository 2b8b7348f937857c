"""A document added to a case at any stage (R2; issue 15 item 3): a letter, a proof of notice, the signed
report, a call recording. Not a transition — the case's state, version and clocks stay — but recorded like
one: the files by the attachments store, an event in the case's history with who, when and why.

The files are written before the transaction and deleted again if it fails, as at registration
(`cases.attachments.placed`), so a full or failing store refuses the addition before any row is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from redress.cases import attachments as store
from redress.cases.choices import EventKind
from redress.cases.models import Attachment, Case, CaseEvent
from redress.common.errors import FieldErrors
from redress.common.text import clean_text
from redress.common.validators import InvalidValue
from redress.organisation.models import Staff

from . import permissions as who
from .machine import ActionForbidden, can_act

NOTE_MAX = 2000


def may_add_documents(user: Staff, case: Case) -> bool:
    """Anyone who works on the case (reviewer or holder), at any stage; never the person it is about."""
    return can_act(user, case) and who.any_party(user, case)


def add_documents(
    actor: Staff, case: Case, files: Sequence[UploadedFile], note: str = ""
) -> list[Attachment]:
    """Store the files, record them on the case with the note; FieldErrors for bad input, StoreFailed when
    the store cannot take them, ActionForbidden when the actor may not. Nothing is kept on any failure."""
    if not may_add_documents(actor, case):
        raise ActionForbidden("add_documents", _("You may not add documents to this case."))
    errors: dict[str, list[str]] = {}
    try:
        note = clean_text(note or "", max_length=NOTE_MAX)
    except InvalidValue as exc:
        errors["note"] = [str(exc)]
    if not files:
        errors["attachments"] = [_("Choose at least one file.")]
    else:
        problems = store.check_files(files)
        if problems:
            errors["attachments"] = problems
    if errors:
        raise FieldErrors(errors)
    with store.placed(files) as placed, transaction.atomic():
        rows = store.record(case, placed.files, actor)
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.DOCUMENT_ADDED,
            actor=actor,
            data={"attachments": [f.original_name for f in placed.files], "note": note},
        )
        placed.committing = True
    return rows
