"""Attachments (letters, photos, call recordings): checked by size and content, stored outside the database.

Files are written under ATTACHMENT_ROOT with a random name; the database keeps the name, type, size and
SHA-256. They are only ever served through a view that checks the case's visibility first.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Case

# Content types a complaint office receives: scanned letters, photos, call recordings, office documents.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/amr": "amr",
    "audio/ogg": "ogg",
    "video/mp4": "mp4",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "text/plain": "txt",
}
MAX_FILES = 20


def sniff_type(head: bytes) -> str | None:
    """The content type judged from the bytes, not from the name the browser sent."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character at the end of the sample is still text.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return "text/plain" if b"\x00" not in head else None


def check_files(files: Sequence[UploadedFile]) -> list[str]:
    """Messages for every file that may not be attached; empty when all are acceptable."""
    errors: list[str] = []
    if len(files) > MAX_FILES:
        errors.append(_("At most %(n)d attachments per registration.") % {"n": MAX_FILES})
    limit = settings.ATTACHMENT_MAX_BYTES
    for f in files:
        if f.size > limit:
            errors.append(
                _("%(name)s is larger than %(limit)s.") % {"name": f.name, "limit": filesizeformat(limit)}
            )
            continue
        if f.size == 0:
            errors.append(_("%(name)s is empty.") % {"name": f.name})
            continue
        f.seek(0)
        head = f.read(8192)
        f.seek(0)
        if sniff_type(head) not in ALLOWED_TYPES:
            errors.append(
                _("%(name)s is not an accepted type (PDF, image, audio, Word, Excel or plain text).")
                % {"name": f.name}
            )
    return errors


def store(case: Case, upload: UploadedFile, actor, written: list[Path]) -> Attachment:
    """Write one checked file to disk and record it; the caller removes `written` files on rollback."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = sniff_type(head) or "application/octet-stream"
    today = timezone.localdate()
    storage_name = f"{today:%Y/%m}/{uuid.uuid4().hex}.{ALLOWED_TYPES.get(content_type, 'bin')}"
    target = Path(settings.ATTACHMENT_ROOT) / storage_name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(target, "xb") as out:
        written.append(target)
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Attachment.objects.create(
        case=case,
        storage_name=storage_name,
        original_name=Path(upload.name or "attachment").name[:255],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )


def path_of(attachment: Attachment) -> Path:
    return Path(settings.ATTACHMENT_ROOT) / attachment.storage_name
