"""Shapes shared by every router."""

from __future__ import annotations

from ninja import Field

from redress.common.schemas import BODY_REFUSALS, ErrorOut

__all__ = ["BODY_REFUSALS", "ConflictOut", "ErrorOut"]


class ConflictOut(ErrorOut):
    """409: the shared error shape, plus where the case stands now."""

    state: str = Field(description="The case's current state")
    allowed_actions: list[str] = Field(description="The actions the caller may take on the case now")
    version: int | None = Field(None, description="The case's current version, when it changed under you")
