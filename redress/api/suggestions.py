"""Suggestions for a matter before it is registered (issue 13 item 5): its likely classes and the visible
cases about a similar matter. The rules are the matching app's; this is their HTTP face."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from redress.cases.services import MATTER_MAX
from redress.common.schemas import BODY_REFUSALS, ErrorOut
from redress.common.text import Text
from redress.escalation.triggers import current_settings
from redress.matching import suggest

router = Router(tags=["matching"])

_EXAMPLE = {
    "matter": "客户称其信用卡开卡时被告知首年免年费，但本月账单仍被扣收年费300元。",
    "demand": "要求退还年费。",
}


class SuggestIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    matter: Text = Field(max_length=MATTER_MAX, description="The complaint in the complainant's words")
    demand: Text = Field("", max_length=MATTER_MAX, description="What the complainant asks for")


class SuggestionOut(Schema):
    value: str = Field(description="What registration takes for the field (a category or a label path)")
    label: str = Field(description="The class in the caller's language")
    score: float = Field(description="How likely, 0 to 1")


class AlikeOut(Schema):
    number: str
    state: str = Field(description="The case's state (an open one may be the same matter going on)")
    received_at: dt.datetime
    score: float = Field(description="How alike the matters are, 0 to 1")


class SuggestionsOut(Schema):
    category: list[SuggestionOut]
    business_category: list[SuggestionOut]
    reason: list[SuggestionOut]
    trained_at: dt.datetime | None = Field(
        description="When the suggestions were learned from the closed cases; null before the first training"
    )
    alike: list[AlikeOut] = Field(
        description="Cases the caller may see about a similar matter (at most three, best first): link a "
        "repeat or a group before registering"
    )


@router.post(
    "/cases/suggestions",
    response={200: SuggestionsOut, 401: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Suggest the category, business category and reason of a matter",
)
def suggestions(request: HttpRequest, payload: SuggestIn):
    """The (at most three) most likely classes of each kind for the matter, best first, learned from the
    bank's closed cases, for the clerk to confirm before registering. Empty lists when nothing was learned
    yet or none of the matter's words was ever seen."""
    found = suggest.suggest(payload.matter, payload.demand)
    threshold = float(current_settings().similarity_threshold)
    alike = suggest.alike_cases(request.auth, payload.matter, threshold=threshold)
    return {
        **{target: [s.__dict__ for s in items] for target, items in found.items()},
        "trained_at": suggest.trained_at(),
        "alike": [
            {"number": c.number, "state": c.state, "received_at": c.received_at, "score": round(score, 3)}
            for c, score in alike
        ],
    }
