"""Text as it arrives from a person or a system, made one thing before any rule reads it.

`clean_text` is the one normalisation of free text and identifiers: Windows and old-Mac line ends become
`\\n`, the text is trimmed and NFC-normalised (the same words typed on two machines compare equal), and a
character no reader can keep is refused with a message naming it: a control character other than newline
and tab (a NUL cannot even be stored by PostgreSQL, and any of them breaks the Excel export), or half of a
surrogate pair. Registration, the case's action parameters and the API's schemas call it; the API also
refuses a NUL anywhere in a request before it is read (`fields_with_nul`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator

from .validators import InvalidValue

# C0 and C1 controls but tab and newline; DEL; lone surrogates (JSON's "\ud800" reads as one).
_REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
NUL = "\x00"
# Stands for a character that cannot be shown (a NUL in a field's name, a control character in old text).
REPLACEMENT = "\ufffd"


def refused_character_message(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return _("This text contains an invalid character (%(code)s): remove it.") % {"code": code}
    return _("This text contains a control character (%(code)s): remove it.") % {"code": code}


def clean_text(value: str, *, max_length: int | None = None, strip: bool = True) -> str:
    """The text trimmed, with `\\n` line ends, NFC; raises InvalidValue (in the active language) when it
    holds a character that may not be kept or is longer than `max_length` characters."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    bad = _REFUSED.search(text)
    if bad:
        raise InvalidValue(refused_character_message(bad.group()))
    text = unicodedata.normalize("NFC", text)
    if strip:
        text = text.strip()
    if max_length is not None and len(text) > max_length:
        raise InvalidValue(_("At most %(max)s characters.") % {"max": max_length})
    return text


# For a pydantic schema's text fields (API bodies, the case's action parameters): `Annotated[str, CLEAN]`;
# a refusal is a field error with clean_text's message.
CLEAN = AfterValidator(clean_text)
Text = Annotated[str, CLEAN]


def fields_with_nul(data: Any, prefix: str = "") -> list[str]:
    """Dotted names of every string in `data` (decoded JSON: dicts, lists, strings) holding a NUL; a NUL in
    a key names that key, with the NUL shown as U+FFFD."""
    found: list[str] = []
    if isinstance(data, str):
        if NUL in data:
            found.append(prefix or "body")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if NUL in str(key):
                found.append(name.replace(NUL, REPLACEMENT))
            else:
                found.extend(fields_with_nul(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(fields_with_nul(value, f"{prefix}.{index}" if prefix else str(index)))
    return found


def kept_safely(value: str) -> str:
    """Stored text as a sheet or a document may hold it: each refused character (rows written before the
    input was cleaned may have them) replaced by U+FFFD, line ends made `\\n`."""
    return _REFUSED.sub(REPLACEMENT, value.replace("\r\n", "\n"))
