"""Attachments (letters, photos, call recordings): checked by size and content, stored outside the database.

The bytes live in the storage named "attachments" (`settings.STORAGES`): a directory on the local disk by
default, an S3-compatible object store shared by every node in production (`REDRESS_ATTACHMENT_STORAGE`).
Each file gets a random name there; the database keeps that name, the type, size and SHA-256. They are only
ever served through a view that checks the case's visibility first, read back through the storage.

A registration (or a document added later) writes its files before its transaction and records them inside
it (`placed`, around `put_all` and `record`), so a store that is full or down refuses it before any row is
written, and the transaction never waits on the store; if the transaction then fails, the files go again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Case

logger = logging.getLogger(__name__)

# The name of the storage in settings.STORAGES.
STORAGE = "attachments"

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


class StoreFailed(Exception):
    """The attachment store could not write or read a file: a full disk, an object store that refuses or does
    not answer. Raised by a registration before anything of it was kept; `errors` as in FieldErrors."""

    def __init__(self, detail: str, errors: Mapping[str, list[str]] | None = None):
        self.detail = detail
        self.errors = dict(errors or {})
        super().__init__(detail)


@dataclass(frozen=True)
class StoredFile:
    """One file written to the store, not yet recorded in the database."""

    name: str  # its name in the store
    original_name: str
    content_type: str
    size: int
    sha256: str


def storage() -> Storage:
    return storages[STORAGE]


def put_all(files: Sequence[UploadedFile]) -> list[StoredFile]:
    """Write every (checked) file to the store. If one cannot be written, those already written and what
    there is of that one are deleted again and StoreFailed is raised: the registration must not go on."""
    store = storage()
    stored: list[StoredFile] = []
    for upload in files:
        content_type, digest, size = _measure(upload)
        today = timezone.localdate()
        name = f"{today:%Y/%m}/{uuid.uuid4().hex}.{ALLOWED_TYPES.get(content_type, 'bin')}"
        original_name = PurePath(upload.name or "attachment").name[:255]
        # Handed over as a plain File: the store reads it (a temporary upload is copied, not moved away), and
        # an object store labels the object with the type judged from the bytes, not the browser's.
        content = File(upload, name=original_name)
        content.content_type = content_type
        try:
            name = store.save(name, content, max_length=Attachment._meta.get_field("storage_name").max_length)
        # The backend is pluggable (the local disk raises OSError, django-storages' S3 botocore's and boto3's
        # errors): whatever it raises while writing, this file is not stored and the registration stops.
        except Exception as exc:
            logger.exception("attachment store failed writing %s (%s)", name, original_name)
            discard([*(s.name for s in stored), name])
            message = _(
                "%(name)s could not be stored: the attachment store failed. "
                "Nothing was registered; try again later."
            ) % {"name": original_name}
            raise StoreFailed(
                _("The attachments could not be stored; nothing was registered."), {"attachments": [message]}
            ) from exc
        stored.append(StoredFile(name, original_name, content_type, size, digest))
    return stored


def _measure(upload: UploadedFile) -> tuple[str, str, int]:
    """The content type judged from the bytes, the SHA-256 and the size, read before the store gets it."""
    upload.seek(0)
    content_type = sniff_type(upload.read(8192)) or "application/octet-stream"
    upload.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest(), size


def record(case: Case, stored: Iterable[StoredFile], actor) -> list[Attachment]:
    """The rows of files `put_all` wrote, in the registration's transaction."""
    return Attachment.objects.bulk_create(
        [
            Attachment(
                case=case,
                storage_name=f.name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                uploaded_by=actor,
            )
            for f in stored
        ]
    )


@dataclass
class Placed:
    """Files in the store that the caller's transaction is about to record (`placed`)."""

    files: list[StoredFile]
    # Set as the last step inside the transaction: a failure after it came while committing.
    committing: bool = False


@contextmanager
def placed(files: Sequence[UploadedFile]) -> Iterator[Placed]:
    """Put the files in the store for a transaction run inside the block, which records them (`record`) and
    sets `committing` as its last step. If anything in the block fails, the files go again, unless the failure
    came while committing: then the database may have committed all the same, and its rows decide
    (`discard_unrecorded`). StoreFailed, before the block runs, when the store cannot take them."""
    batch = Placed(put_all(files))
    try:
        yield batch
    except BaseException:
        names = [f.name for f in batch.files]
        if batch.committing:
            discard_unrecorded(names)
        else:
            discard(names)
        raise


def discard(names: Iterable[str]) -> None:
    """Delete files no row will name (their registration failed). A file the store will not delete either is
    named in the log: it is an orphan, harmless but for its space."""
    store = storage()
    for name in names:
        try:
            store.delete(name)
        except Exception:  # the same pluggable backends as in put_all
            logger.exception("attachment store failed deleting %s: left behind, named by no case", name)


def discard_unrecorded(names: Sequence[str]) -> None:
    """After a commit that failed, delete the files unless their rows were stored all the same (a connection
    lost just after the database committed). When the database cannot tell, keep them: a stray file is
    better than a case whose attachment is gone."""
    if not names:
        return
    try:
        recorded = set(
            Attachment.objects.filter(storage_name__in=names).values_list("storage_name", flat=True)
        )
    except DatabaseError:
        logger.exception(
            "could not tell whether attachments %s were recorded: left in the store", list(names)
        )
        return
    discard(n for n in names if n not in recorded)


def store_answers() -> bool:
    """Whether the store can take a file now, for the health check: the local directory exists (or can be
    made) and is writable; an object store answers a lookup. Never raises."""
    store = storage()
    try:
        location = getattr(store, "location", None)
        if location is not None and hasattr(store, "path"):
            directory = Path(location)
            directory.mkdir(parents=True, exist_ok=True)
            return os.access(directory, os.W_OK | os.X_OK)
        store.exists(".redress-health")
        return True
    except Exception:  # any backend's failure means "not now", whatever it raises
        logger.warning("attachment store did not answer the health check", exc_info=True)
        return False


def open_stored(attachment: Attachment) -> File:
    """The attachment's bytes, open for reading from the store. FileNotFoundError when the store has no such
    file; StoreFailed when the store does not answer."""
    handle: File | None = None
    try:
        handle = storage().open(attachment.storage_name, "rb")
        # An object store fetches the bytes when they are first read: fetch them now, so that a store that
        # fails answers 503 here rather than a download cut short.
        handle.seek(0)
    except FileNotFoundError:
        raise
    except Exception as exc:  # the same pluggable backends as in put_all
        if handle is not None:
            handle.close()
        logger.exception("attachment store failed reading %s", attachment.storage_name)
        raise StoreFailed(_("The attachment store is not answering; try again later.")) from exc
    return handle
