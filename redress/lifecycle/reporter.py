"""The two sides of a public report of wrongdoing as actions of its case (P3 第十六条; issue 14 item 7): the
bank writes to the reporter (`message_reporter`, a handler of the case), the reporter adds material with their
receipt (`reporter_adds`, taken for them by the system actor: they have no account). The registration and the
reporter's side are in `public_reports.py`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _L
from pydantic import Field

from redress.cases.choices import EventKind, Kind, State
from redress.cases.models import Case
from redress.organisation.models import Staff
from redress.receipts import services as receipts
from redress.receipts.models import PublicReport

from . import params as p
from . import permissions as who
from .machine import STAYS, Action, Change, Context, Tell

ALL_STATES = frozenset(State.values)
# The reporter's own words at a time: longer ones come as an attachment.
MATERIAL_MAX = 20_000


# ---- the actions ---------------------------------------------------------------------------------------


def _has_public_report(case: Case) -> bool:
    return case.kind == Kind.WHISTLEBLOW and PublicReport.objects.filter(case_id=case.pk).exists()


class MessageReporter(p.Params):
    text: p.text(
        _L("question or answer to the reporter"),
        "What the bank asks or answers the reporter; they read it with their receipt, with nothing else of "
        "the case",
        example="您反映的客户经理违规代客理财一事已立案核查。请问您是否知道涉及的具体账户或交易日期？",
        rows=4,
    )


def _message_reporter(ctx: Context) -> Change:
    report = PublicReport.objects.get(case=ctx.case)
    message = receipts.record_message(report, ctx.params.text, author=ctx.actor, at=ctx.now)
    return Change({}, {"text": ctx.params.text, "message": message.pk})


class ReporterAdds(p.Params):
    text: str = Field("", max_length=MATERIAL_MAX, description="What the reporter wrote")
    attachments: list[int] = Field(default_factory=list, description="Ids of the files they attached")


def _reporter_adds(ctx: Context) -> Change:
    report = PublicReport.objects.get(case=ctx.case)
    files = list(ctx.case.attachments.filter(pk__in=ctx.params.attachments))
    message = receipts.record_message(report, ctx.params.text, author=None, at=ctx.now, attachments=files)
    return Change(
        {},
        {"text": ctx.params.text, "attachments": [f.original_name for f in files], "message": message.pk},
    )


def _handlers(ctx: Context, case: Case, data: dict) -> list[Staff | None]:
    return [case.handler, case.first_responder]


ACTIONS = (
    Action(
        "message_reporter",
        ALL_STATES,
        STAYS,
        who.holder,
        EventKind.REPORTER_MESSAGED,
        _message_reporter,
        params=MessageReporter,
        applies=_has_public_report,
        label=_L("Write to the reporter"),
        group="customer",
        summary="Write to the reporter of a public report",
        description="A question or answer to the person who reported wrongdoing on the public page "
        "(P3 第十六条); they read it with their receipt code.",
    ),
    Action(
        "reporter_adds",
        ALL_STATES,
        STAYS,
        who.system,
        EventKind.REPORTER_ADDED,
        _reporter_adds,
        params=ReporterAdds,
        tells=(
            Tell(
                "reporter_added",
                _handlers,
                _L("Case %(number)s: the reporter added material"),
                body_from="text",
            ),
        ),
        system=True,
        summary="The reporter adds material with their receipt",
    ),
)
