"""The life of a case (R2.6–R2.8, R3, R4.4, R5, R6, R7): every action declared once, and the one machine
that runs them.

- machine.py — what an action declaration is; `run`, the only code that changes a case's state.
- params.py — the typed parameters of an action, shared by the API, the case page and the machine.
- permissions.py — who may act.
- intake.py, routing.py, handling.py, reply_close.py, categories.py, clocks.py, system.py — the
  declarations, by stage of the procedures.
- catalogue.py — all of them in order; `perform` and `allowed_actions`.
- after.py — what follows every transition, in order (clocks, then notices).
- registration.py — registration and what follows it (clocks, then triggers).
- triggers.py, sweeper.py — the automatic rules, acting through system actions.

Use `from redress import lifecycle` and the names below; the modules' own names are theirs.
"""

# An installed app (its sweep task and command are found there), so this package is imported before the
# models are ready: the names below are loaded on first use.
_NAMES = {
    "ACTIONS": ".catalogue",
    "GROUPS": ".catalogue",
    "HUMAN_ACTIONS": ".catalogue",
    "allowed_actions": ".catalogue",
    "perform": ".catalogue",
    "STAYS": ".machine",
    "Action": ".machine",
    "ActionForbidden": ".machine",
    "ConcurrentChange": ".machine",
    "IllegalTransition": ".machine",
    "LifecycleError": ".machine",
    "FieldErrors": "redress.common.errors",
}


def __getattr__(name: str):
    import importlib

    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _NAMES[name]
    return getattr(
        importlib.import_module(module, __name__)
        if module.startswith(".")
        else importlib.import_module(module),
        name,
    )


__all__ = [
    "ACTIONS",
    "GROUPS",
    "HUMAN_ACTIONS",
    "STAYS",
    "Action",
    "ActionForbidden",
    "ConcurrentChange",
    "FieldErrors",
    "IllegalTransition",
    "LifecycleError",
    "allowed_actions",
    "perform",
]
