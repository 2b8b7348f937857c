"""The API's error shape, shared by every router, also those of the apps below the API (the calendar's)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every refusal: `{"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}`."""

    detail: str
    errors: dict[str, list[str]]
