"""The states of a case's records (a clock, a transfer order, a supervision notice, an extension request) move
only along their declared moves, like the case itself (redress.lifecycle).

A model that keeps a state this way uses `StatefulModel` and declares its `Moves`; its state is written only
by `Moves.move(queryset, name, **fields)`, a conditional update that changes only the rows in one of the
move's source states (so a clock already met is never marked breached, and two sweepers cannot both act). A
direct write is refused: `save()` of a changed state, and `update(state=…)` on the model's querysets."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models.sql import UpdateQuery


class StateWriteForbidden(RuntimeError):
    """A state changes only through its declared moves (a case's: redress.lifecycle), never by assigning and
    saving or by updating the column directly."""


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str


class Moves:
    """The declared moves of one model's state: {name: Move}, and the state a new row starts in."""

    def __init__(self, initial: frozenset[str], **moves: Move):
        self.initial = initial
        self.moves = moves

    def move(self, queryset: models.QuerySet, name: str, **fields) -> int:
        """Move every row of `queryset` that is in one of the move's sources; returns how many moved."""
        declared = self.moves[name]
        return write_state(queryset.filter(state__in=declared.sources), state=declared.target, **fields)


def write_state(queryset: models.QuerySet, **fields) -> int:
    """The write of a machine that has checked the move itself: a case's transition (redress.lifecycle's
    machine locks the row, checks the state and the version, and records the event). Nothing else calls it."""
    return models.QuerySet.update(queryset, **fields)


def state_write_sql(queryset: models.QuerySet, **fields) -> tuple[str, list]:
    """`write_state`'s UPDATE as SQL and parameters, to run with the write that records it
    (`redress.common.rows.insert_if_written`). Only for a queryset of one model's own rows."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(fields)
    query.clear_select_clause()
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, list(params)


class StatefulQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "state" in kwargs:
            raise StateWriteForbidden(f"{self.model.__name__}.state changes only through its declared moves")
        return super().update(**kwargs)


class StatefulModel(models.Model):
    """Base of a model whose `state` moves only through `MOVES` (a `Moves`, declared by the model)."""

    MOVES: Moves

    objects = StatefulQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.before_insert()
        loaded = getattr(self, "_loaded_state", None)
        if not self._state.adding and loaded is not None and self.state != loaded:
            raise StateWriteForbidden(f"{type(self).__name__}.state changes only through its declared moves")
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    def before_insert(self) -> None:
        """A new row starts in an initial state (`save`, or `redress.common.rows.insert`)."""
        if self.state not in self.MOVES.initial:
            raise StateWriteForbidden(f"a new {type(self).__name__} starts in {sorted(self.MOVES.initial)}")

    def after_insert(self) -> None:
        self._loaded_state = self.state

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_state = instance.__dict__.get("state")
        return instance
