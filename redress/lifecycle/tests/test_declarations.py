"""Each action is declared once: every surface that offers an action (the API's operations, the case page's
forms and buttons) is derived from the declarations, so none exists for an undeclared action and no human
action lacks one."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from redress import lifecycle
from redress.cases.choices import EventKind, State
from redress.deadlines.choices import ClockName
from redress.lifecycle.machine import STAYS, Action, Change, LifecycleError, run
from redress.lifecycle.params import reference_of, widget_of
from redress.web.action_forms import GROUP_LABELS, PICKERS, form_class

HUMAN = lifecycle.HUMAN_ACTIONS
SYSTEM = {name for name, action in lifecycle.ACTIONS.items() if action.system}
# POST operations under /cases/{number}/ that are not actions of the case's life: documents added to a case
# change no state or clock (redress.lifecycle.documents) and take files, not a JSON body.
NOT_ACTIONS: set[str] = {"documents"}


def _action_paths(schema: dict) -> set[str]:
    found = set()
    for path, operations in schema["paths"].items():
        match = re.fullmatch(r"/api/v1/cases/\{number\}/([a-z_]+)", path)
        if match and "post" in operations:
            found.add(match.group(1))
    return found - NOT_ACTIONS


def test_the_api_has_one_operation_per_human_action_and_none_for_others():
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    assert _action_paths(schema) == set(HUMAN)
    assert not SYSTEM & _action_paths(schema)


def test_every_human_action_has_a_form_of_its_parameters():
    for name, action in HUMAN.items():
        fields = set(form_class(name).base_fields)
        assert fields == {"version", *action.params.model_fields}, name
    assert set(PICKERS) <= set(HUMAN)


@pytest.mark.parametrize("name", sorted(SYSTEM | {"frobnicate"}))
def test_no_form_is_served_for_an_undeclared_or_system_action(client, bank, name):
    client.force_login(bank.admin)
    case = bank.register()
    assert client.get(reverse("web:act", args=[case.number, name])).status_code == 404


def test_every_button_on_the_case_page_is_a_declared_human_action(client, bank):
    client.force_login(bank.admin)
    case = bank.register()
    case = lifecycle.perform("accept", bank.teller, case)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    shown = set(re.findall(r'data-action="([a-z_]+)"', html))
    assert shown and shown <= set(HUMAN)
    assert shown == set(lifecycle.allowed_actions(bank.admin, case))


def test_every_declaration_is_complete():
    for name, action in lifecycle.ACTIONS.items():
        assert action.sources and action.sources <= set(State.values), name
        assert all(t == STAYS or t in State.values for t in action.targets), name
        assert action.event in EventKind.values, name
        assert set(action.meets) <= set(ClockName.values), name
        assert action.answers_notices in {"", "all", "stuck"}, name
        if action.system:
            continue
        assert action.label and action.summary and action.description, name
        assert action.group in lifecycle.GROUPS and action.group in GROUP_LABELS, name
        for field, info in action.params.model_fields.items():
            assert info.description, (name, field)
            assert widget_of(info) is not None, (name, field)
            if reference_of(info) is not None:
                assert widget_of(info).kind == "line", (name, field)


def test_a_rule_can_only_choose_a_declared_target(bank):
    rogue = Action(
        "rogue",
        frozenset({State.REGISTERED}),
        (State.ACCEPTED, STAYS),
        lambda user, case: True,
        EventKind.ACCEPTED,
        lambda ctx: Change(target=State.CLOSED),
    )
    case = bank.register()
    with pytest.raises(LifecycleError):
        run(rogue, bank.teller, case, {}, allowed=lambda u, c: [], after=lambda *a: None)
    case.refresh_from_db()
    assert case.state == State.REGISTERED and not case.events.filter(kind=EventKind.ACCEPTED).exists()


def test_the_triggers_actions_on_a_new_case_leave_its_clocks_alone():
    # Registration answers with the clocks it started (no second read): true only while the actions the
    # triggers take on the new case neither meet, start nor stop a clock.
    from redress.lifecycle.catalogue import ACTIONS
    from redress.lifecycle.machine import STAYS
    from redress.lifecycle.triggers import ACTIONS_ON_THE_NEW_CASE

    for name in ACTIONS_ON_THE_NEW_CASE:
        action = ACTIONS[name]
        assert action.meets == () and action.then is None, name
        assert action.target == STAYS, name  # a new case stays open: nothing stops its clocks
