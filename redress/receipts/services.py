"""Receipt codes for people outside the bank, and the records they open.

A receipt is RECEIPT_DIGITS random digits from `secrets` (about 66 bits), shown to the reporter once and
stored only as its HMAC-SHA256 under the secret key. A keyed hash rather than a slow one (decision 0030):
the code is looked up by equality on every request, which a per-row salt would make a scan, and its 66 random
bits cannot be guessed by anyone who lacks the key; whoever holds the key still faces 10^20 codes. The keys
of SECRET_KEY_FALLBACKS are tried too, so a rotated secret key does not lose the reporters' way back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from redress.cases.models import Attachment, Case
from redress.organisation.models import Staff

from .models import PublicReport, ReporterMessage

RECEIPT_DIGITS = 20
CONTACT_MAX = 200
_SALT = "redress.receipts"


def new_receipt() -> str:
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def grouped(receipt: str) -> str:
    """The receipt as shown: groups of four digits, easier to copy down by hand."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalised(typed: str) -> str | None:
    """The receipt as typed (spaces or dashes between the groups allowed), or None if it cannot be one."""
    digits = "".join(ch for ch in str(typed) if ch not in " -")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def digests(receipt: str) -> list[str]:
    """The receipt's digest under the secret key, then under each fallback key (a rotated secret)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(_SALT, receipt, secret=key, algorithm="sha256").hexdigest() for key in keys]


def find_report(typed: str) -> PublicReport | None:
    """The report this receipt opens, or None (a wrong, malformed or unknown receipt alike)."""
    receipt = normalised(typed)
    if receipt is None:
        return None
    return PublicReport.objects.select_related("case").filter(receipt_digest__in=digests(receipt)).first()


def open_report(case: Case, receipt: str, contact: str = "") -> PublicReport:
    return PublicReport.objects.create(case=case, receipt_digest=digests(receipt)[0], contact=contact)


def report_of(case: Case) -> PublicReport | None:
    return PublicReport.objects.filter(case=case).first()


def record_message(
    report: PublicReport,
    text: str,
    *,
    author: Staff | None,
    at: dt.datetime,
    attachments: Sequence[Attachment] = (),
) -> ReporterMessage:
    """A message of the bank (`author` its staff member) or of the reporter (`author` None)."""
    message = ReporterMessage.objects.create(
        report=report, from_bank=author is not None, text=text, author=author, at=at
    )
    if attachments:
        message.attachments.set(attachments)
    return message


def messages(report: PublicReport) -> list[ReporterMessage]:
    return list(report.messages.prefetch_related("attachments"))


# ---- the complainant's status code (issue 15 item 4) ----------------------------------------------------

STATUS_CODE_DIGITS = 12
_STATUS_SALT = "redress.receipts.status"


def status_code(number: str, key: str | None = None) -> str:
    """The code a complainant looks up their case's state with: a keyed hash of the case number. Nothing is
    stored, the bank can tell it again from the case page, and without the secret key no one can make it."""
    digest = salted_hmac(_STATUS_SALT, number, secret=key or settings.SECRET_KEY, algorithm="sha256")
    return f"{int(digest.hexdigest(), 16) % 10**STATUS_CODE_DIGITS:0{STATUS_CODE_DIGITS}d}"


def status_code_matches(number: str, typed: str) -> bool:
    """Whether `typed` (spaces or dashes allowed) is the status code of case `number`, under the secret key or
    a fallback key."""
    digits = "".join(ch for ch in str(typed) if ch not in " -")
    if len(digits) != STATUS_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return False
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(status_code(number, key), digits) for key in keys)
