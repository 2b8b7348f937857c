"""Shapes shared by every router, also those of the apps below the API (the calendar's): the error shape, and
how a parameter carries its example."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every refusal: `{"detail": "<summary>", "errors": {"<field>": ["<message>", ...]}}`."""

    detail: str
    errors: dict[str, list[str]]


def param_example(value: Any) -> dict[str, Any]:
    """A query or path parameter's example, as a field's `json_schema_extra`: ninja copies `example` onto the
    OpenAPI parameter, where `examples` would have to be a map of Example Objects rather than pydantic's
    list (and an OpenAPI reader such as schemathesis would misread it)."""
    return {"example": value}


# What any operation that reads a request body may answer before its own code runs, in the error shape: 400
# for a body that is not JSON at all (or a form Django cannot parse), 413 for one over the size limit
# (`redress.api.guard`). Merged into the `response=` of every operation with a body.
BODY_REFUSALS: dict[int, type[ErrorOut]] = {400: ErrorOut, 413: ErrorOut}
