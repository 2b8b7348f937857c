"""Triggers run when a case is registered; notices are answered when the case is answered or ends."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from redress.cases import lifecycle
from redress.cases.choices import OPEN_STATES
from redress.cases.models import Case
from redress.cases.services import case_registered

from . import services

_ANSWERING = {"reply", "explain", "answer_on_spot"}


@receiver(case_registered, dispatch_uid="escalation.registered")
def on_registered(sender, case: Case, flags: frozenset[str] = frozenset(), **kwargs) -> None:
    services.apply_triggers(case, flags)


@receiver(lifecycle.transitioned, dispatch_uid="escalation.transitioned")
def on_transition(sender, case: Case, action: str, at: dt.datetime, **kwargs) -> None:
    if action in _ANSWERING or case.state not in OPEN_STATES:
        services.answer_notices(case, at)
    elif action in {"acknowledge", "bounce"}:
        # The stuck transfer moved: its notice is answered (a late reply still has its own clock).
        services.answer_notices(case, at, stuck_only=True)
