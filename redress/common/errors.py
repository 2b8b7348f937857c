"""The one refusal of bad input: `FieldErrors`, every bad field at once, each with its messages in the
user's language. Registration, the case's actions, the register's filters, the organisation's import and
the API all raise it; nothing was changed when it is raised. `pydantic_message` turns a pydantic error into
the same translated wording, so a field checked by a schema reads like one checked by a rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _


class FieldErrors(ValueError):
    """Refused input: `errors` maps a field name to its messages. Nothing has been stored."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: list(messages) for name, messages in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in self.errors.items()))


class ApiError(Exception):
    """Raise from an API endpoint (any app's router) to refuse with a status, a summary and optional
    field errors."""

    def __init__(self, status: int, detail: str, errors: Mapping[str, list[str]] | None = None):
        self.status = status
        self.detail = detail
        self.errors = dict(errors or {})
        super().__init__(detail)


def forbidden() -> ApiError:
    return ApiError(403, _("You are not allowed to do this."))


def pydantic_message(error: Mapping[str, Any]) -> str:
    """A translated message for one pydantic error, chosen by its type (pydantic's own text is English)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "value_error" and ctx.get("error") is not None:
        # Raised by our own validators (phone, amount…) with a message already in the user's language.
        return str(ctx["error"])
    if kind.startswith("datetime"):
        return _("Enter a valid date/time.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind.startswith(("decimal", "float")):
        return _("Enter a number.")
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice. %(value)s is not one of the available choices.") % {
            "value": error.get("input")
        }
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list of values.")
    if kind == "json_invalid":
        return _("Enter a valid JSON.")
    # `too_long`/`too_short`: the same limits, checked after a validator of ours (e.g. clean_text) ran.
    if kind in {"string_too_long", "too_long"}:
        return _("At most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind in {"string_too_short", "too_short"}:
        return _("This field is required.")
    if kind == "bool_parsing" or kind == "bool_type":
        return _("Enter true or false.")
    return _("Enter a valid value.")


def add_pydantic_errors(
    fields: dict[str, list[str]], errors: Iterable[Mapping[str, Any]], name_of=None
) -> dict[str, list[str]]:
    """Merge pydantic's errors into `fields` (name → messages), each message once per field."""
    for error in errors:
        loc = error.get("loc", ())
        name = name_of(loc) if name_of else ".".join(str(p) for p in loc) or "body"
        messages = fields.setdefault(name, [])
        message = pydantic_message(error)
        if message not in messages:
            messages.append(message)
    return fields
