"""The clocks follow the case: registration starts them, transitions meet, start or stop them, and a
calendar change recomputes them. Each receiver runs inside the transaction of the change it follows."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from redress.calendar.signals import calendar_changed
from redress.cases import lifecycle, statistics
from redress.cases.choices import State
from redress.cases.models import Case
from redress.cases.services import case_registered

from . import services
from .actions import RULES
from .choices import ClockName, StartEvent

lifecycle.register_rules(RULES)
statistics.breach_providers.append(services.breached_binding_answer)

_ANSWERED = [ClockName.ACKNOWLEDGE, ClockName.FIRST_CONTACT, ClockName.REPLY, ClockName.DECISION]
# Which clocks each action meets.
MEETS: dict[str, list[str]] = {
    "accept": [ClockName.ACKNOWLEDGE],
    "reject": _ANSWERED,
    "answer_on_spot": [*_ANSWERED, ClockName.RESULT_REPORT, ClockName.TRANSFER_OUT],
    "transfer": [ClockName.TRANSFER_OUT],
    "contact": [ClockName.FIRST_CONTACT],
    "reply": [ClockName.FIRST_CONTACT, ClockName.REPLY, ClockName.DECISION],
    "explain": [ClockName.FIRST_CONTACT, ClockName.REPLY, ClockName.DECISION],
    "report": [ClockName.RESULT_REPORT],
}
_ENDED = {State.CLOSED, State.REJECTED, State.WITHDRAWN}


@receiver(case_registered, dispatch_uid="deadlines.registered")
def on_registered(sender, case: Case, **kwargs) -> None:
    services.start_clocks(case, StartEvent.RECEIPT, case.received_at, fresh=True)


@receiver(lifecycle.transitioned, dispatch_uid="deadlines.transitioned")
def on_transition(sender, case: Case, action: str, at: dt.datetime, data: dict, **kwargs) -> None:
    # A notice given earlier than it was recorded counts from when it was given.
    when = dt.datetime.fromisoformat(data["at"]) if isinstance(data.get("at"), str) else at
    if action in MEETS:
        services.meet(case, MEETS[action], when)
    if action == "accept":
        services.start_clocks(case, StartEvent.ACCEPTANCE, at)
    elif action == "transfer":
        services.start_clocks(case, StartEvent.TRANSFER_IN, at)
        services.set_transfer_deadline(case, case.transfer_orders.order_by("-id").first())
    elif action == "reopen":
        for event in (StartEvent.RECEIPT, StartEvent.ACCEPTANCE):
            services.start_clocks(case, event, at, only=[ClockName.REPLY, ClockName.DECISION], restart=True)
    if case.state in _ENDED:
        services.stop_all(case)


@receiver(calendar_changed, dispatch_uid="deadlines.calendar_changed")
def on_calendar_changed(sender, jurisdiction: str, first_day: dt.date, last_day: dt.date, **kwargs) -> None:
    """Sent after the change commits: a worker recomputes when one runs, otherwise it happens at once."""
    from django.conf import settings

    from .tasks import recompute_task

    if getattr(settings, "CELERY_BROKER_URL", ""):
        recompute_task.delay(jurisdiction, first_day.isoformat(), last_day.isoformat())
    else:
        recompute_task(jurisdiction, first_day.isoformat(), last_day.isoformat())
