"""Rules for the facts a first responder records: phone numbers, resident ID numbers, amounts.

Each function returns the normalised value or raises `InvalidValue` with a message in the active language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.utils.translation import gettext as _


class InvalidValue(ValueError):
    pass


# The days a filter or a report may name: beyond them a day's bounds in Beijing time cannot even be computed
# (year 1, year 9999), and no case lies there.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def day_out_of_range(day: dt.date) -> str | None:
    """Why a register filter or a report may not name this day, None when it may."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LANDLINE_TYPES = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def ascii_digits(raw: str) -> str:
    """Every decimal digit as its ASCII one (full-width `１３８`, Arabic-Indic `١٣٨` → `138`) and full-width
    letters and signs as their ASCII forms (NFKC), so a number typed on any keyboard is stored, matched and
    searched as one value."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def normalise_phone(raw: str) -> str:
    """A mainland mobile or landline number, stored as dialled at home: `13812345678`, `01062345678`.

    Accepts separators, a `+86`/`0086` prefix and an extension-free landline with its area code.
    """
    text = re.sub(r"[\s\-()（）]", "", ascii_digits(raw))
    if text.startswith("0086"):
        text = "+86" + text[4:]
    if not text:
        raise InvalidValue(_("Enter a phone number."))
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(
            _("Not a phone number: enter a mainland mobile or a landline with its area code.")
        ) from exc
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise InvalidValue(_("Not a valid mainland China mobile or landline number."))
    kind = phonenumbers.number_type(parsed)
    if kind not in _MOBILE_TYPES | _LANDLINE_TYPES:
        raise InvalidValue(_("Not a valid mainland China mobile or landline number."))
    national = str(parsed.national_number)
    return national if national.startswith("1") else "0" + national


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits: the province-level division (GB/T 2260): 11 Beijing … 65 Xinjiang, 71, 81, 82.
_ID_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91",
}  # fmt: skip


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """An 18-character resident ID number: region, valid birth date, sequence and correct check character."""
    text = ascii_digits(raw).strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        raise InvalidValue(_("A resident ID number has 17 digits followed by a digit or X."))
    if text[:2] not in _ID_PROVINCES:
        raise InvalidValue(_("The ID number's first two digits are not a province code."))
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise InvalidValue(_("The ID number's birth date (digits 7 to 14) is not a real date.")) from exc
    if born.year < 1900 or born > (today or dt.date.today()):
        raise InvalidValue(_("The ID number's birth date (digits 7 to 14) is not a real date."))
    if id_check_digit(text[:17]) != text[17]:
        raise InvalidValue(_("The ID number's check character does not match: please check every digit."))
    return text


def parse_amount(raw: object) -> Decimal | None:
    """Amount involved in yuan: empty, or a number ≥ 0 with at most 2 decimals."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue(_("Enter an amount in yuan, e.g. 1200.50.")) from exc
    if not value.is_finite():
        raise InvalidValue(_("Enter an amount in yuan, e.g. 1200.50."))
    if value < 0:
        raise InvalidValue(_("The amount cannot be negative."))
    if -value.as_tuple().exponent > 2 and value != value.quantize(Decimal("0.01")):
        raise InvalidValue(_("The amount has at most 2 decimal places (fen)."))
    if value >= Decimal("1e14"):
        raise InvalidValue(_("The amount is too large."))
    return value.quantize(Decimal("0.01"))


# A complaint names at most a few accounts or cards; each is a bank card (16–19 digits) or an account number.
ACCOUNTS_MAX = 5
_ACCOUNT_SPLIT = re.compile(r"[,，、;；/\n]+")


def normalise_accounts(raw: str) -> str:
    """Account or card numbers, as typed (in groups with spaces or hyphens, full-width digits, separated by
    commas, 、 or ；) → `6222021234567890123, 6217001234567890` (each 8–32 digits, at most ACCOUNTS_MAX)."""
    text = ascii_digits(raw).strip()
    if not text:
        return ""
    # "6222 0212 3456 7890 123" is one card number written in groups.
    numbers = [re.sub(r"[\s-]", "", n) for n in _ACCOUNT_SPLIT.split(text)]
    numbers = [n for n in numbers if n]
    if any(not n.isdigit() or not 8 <= len(n) <= 32 for n in numbers):
        raise InvalidValue(_("Enter account or card numbers of 8 to 32 digits, separated by commas."))
    if len(numbers) > ACCOUNTS_MAX:
        raise InvalidValue(_("At most %(n)d account or card numbers.") % {"n": ACCOUNTS_MAX})
    return ", ".join(numbers)


def mask_accounts(accounts: str) -> str:
    """`6222021234567890123, 6217001234567890` → `****0123, ****7890`."""
    return ", ".join("****" + n[-4:] for n in accounts.split(", ") if n) if accounts else ""


def mask_address(address: str) -> str:
    """The first six characters (province and city, as a rule), the rest starred: `湖北省武汉市****`."""
    if not address:
        return ""
    return address[:6] + "****" if len(address) > 6 else address[:1] + "****"


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`; a landline keeps its area code and last four digits."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "****" + phone[-4:]


def mask_id_number(id_number: str) -> str:
    """`110101199003071234` → `110101********1234`."""
    if not id_number:
        return ""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
