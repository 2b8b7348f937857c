"""New rows written in one plain INSERT … RETURNING, for the rows a registration writes one at a time (its
case, its events, an escalation): what `Model.save()` does for a new instance — each field's `pre_save`
and database value, the row's own checks (`before_insert`, e.g. a chained row's seal) — without the
machinery around it (signals, the save's options, the compiler), about 1 ms per row under cProfile
(bench/profile_registration.py). The statement's text is built once per model and connection, so the
driver keeps its parsing too.

Only for models whose rows no signal listens to (`post_save` receivers are not sent), with an automatic
primary key and no field the database fills in (no `db_default`, no generated field).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save

# (model, alias, raw expressions, returned fields) → (SQL, the fields in the order of its values)
_statements: dict[tuple, tuple[str, list[models.Field]]] = {}


def _statement(
    model: type[models.Model], alias: str, raw: Mapping[str, str], returning: Sequence[str]
) -> tuple[str, list[models.Field]]:
    key = (model, alias, tuple(raw.items()), tuple(returning))
    found = _statements.get(key)
    if found is not None:
        return found
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        # Those receivers would silently not be told: such a model is written with save().
        raise TypeError(
            f"{model.__name__} has save signal receivers: it is not written by redress.common.rows"
        )
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    auto = meta.auto_field
    if auto is None or meta.db_returning_fields != [auto]:
        raise TypeError(f"{model.__name__} rows are not written by redress.common.rows")
    fields = [f for f in meta.local_concrete_fields if f is not auto]
    columns = ", ".join(qn(f.column) for f in fields)
    values = ", ".join(f"({raw[f.name]})" if f.name in raw else "%s" for f in fields)
    returned = ", ".join(qn(meta.get_field(name).column) for name in (auto.name, *returning))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({values}) RETURNING {returned}"
    _statements[key] = (sql, fields)
    return sql, fields


def _values(obj: models.Model, fields: list[models.Field], connection: Any) -> list[Any]:
    before = getattr(obj, "before_insert", None)
    if before is not None:
        before()
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection) for f in fields]


def _saved(obj: models.Model, alias: str) -> None:
    obj._state.adding = False
    obj._state.db = alias
    after = getattr(obj, "after_insert", None)
    if after is not None:
        after()


def _by_model(objs: Sequence[models.Model]) -> dict[type[models.Model], list[models.Model]]:
    groups: dict[type[models.Model], list[models.Model]] = {}
    for obj in objs:
        groups.setdefault(type(obj), []).append(obj)
    return groups


def insert_all(objs: Sequence[models.Model]) -> None:
    """Write new instances of any models: one `insert_many` per model, in the order of each model's first
    row."""
    for same in _by_model(objs).values():
        insert_many(same)


def insert_many(objs: Sequence[models.Model], *, ignore_conflicts: bool = False) -> None:
    """Write `objs`, new instances of one model, as one multi-row INSERT (what `bulk_create` does, with
    each row's own checks); their primary keys are set, unless conflicting rows are skipped
    (`ignore_conflicts`, when the database does not say which rows it wrote)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model, instance=objs[0])
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        for obj in objs:
            before = getattr(obj, "before_insert", None)
            if before is not None:
                before()
        model._base_manager.using(alias).bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    key = (model, alias, "many", len(objs), ignore_conflicts)
    found = _statements.get(key)
    if found is None:
        sql, fields = _statement(model, alias, {}, ())
        head, returned = sql.split(" VALUES ", 1)
        row, returned = returned.split(" RETURNING ", 1)
        sql = f"{head} VALUES {', '.join([row] * len(objs))}"
        sql += " ON CONFLICT DO NOTHING" if ignore_conflicts else f" RETURNING {returned}"
        found = _statements[key] = (sql, fields)
    sql, fields = found
    values = [v for obj in objs for v in _values(obj, fields, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        written = None if ignore_conflicts else cursor.fetchall()
    auto = model._meta.auto_field
    for i, obj in enumerate(objs):
        if written is not None:
            setattr(obj, auto.attname, written[i][0])
        _saved(obj, alias)


def insert(
    obj: models.Model,
    *,
    raw: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
    returning: Sequence[str] = (),
) -> models.Model:
    """Write `obj`, a new instance, as one INSERT and return it saved (its primary key set). `raw` gives
    fields whose value is an SQL expression, with its parameters; `returning` names fields whose value the
    database gives back (a raw one's), set on `obj`."""
    if not obj._state.adding:
        raise TypeError(f"{type(obj).__name__}: only a new row is inserted")
    raw = raw or {}
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True, using=alias)
        return obj
    expressions = {name: expression for name, (expression, _params) in raw.items()}
    sql, fields = _statement(model, alias, expressions, returning)
    given = [f for f in fields if f.name not in raw]
    prepared = iter(_values(obj, given, connection))
    values: list[Any] = []
    for f in fields:
        if f.name in raw:
            values.extend(raw[f.name][1])
        else:
            values.append(next(prepared))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    meta = model._meta
    for name, value in zip((meta.auto_field.name, *returning), row, strict=True):
        field = meta.get_field(name)
        column = field.get_col(meta.db_table)
        for convert in column.get_db_converters(connection):
            value = convert(value, column, connection)
        setattr(obj, field.attname, value)
    _saved(obj, alias)
    return obj


def insert_with(obj: models.Model, together: Sequence[models.Model]) -> models.Model:
    """Write `obj`, a new instance, and the new rows `together`, their primary keys set: one statement on
    PostgreSQL (`carried` by a statement of nothing else), a statement each elsewhere."""
    alias = router.db_for_write(type(obj), instance=obj)
    if connections[alias].vendor == "postgresql":
        carried([], [], "1", [], [*together, obj], using=alias)
    else:
        insert_all(together)
        insert(obj)
    return obj


def insert_if_written(
    obj: models.Model, write: tuple[str, Sequence[Any]], together: Sequence[models.Model] = ()
) -> int:
    """Run `write`, an UPDATE of one row at most (its SQL and parameters, without RETURNING), and write
    `obj`, a new instance, with the new rows `together`, only if it changed that row; returns how many rows
    it changed (0 or 1).

    One statement on PostgreSQL: the UPDATE as a common table expression, the INSERTs drawing their rows from
    it, so a write that changed nothing leaves no row behind (a case's transition, its event and the rows its
    rule adds, redress.lifecycle.machine: one statement for all of them). The primary keys of `together` are
    not set. Elsewhere, a statement each."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(*write)
            written = cursor.rowcount
        if written == 1:
            insert_all(together)
            insert(obj)
        return written
    groups = _by_model(together)
    sql, params = write
    shape = tuple((m, len(rows)) for m, rows in groups.items())
    key = (model, alias, "with", sql, shape)
    found = _statements.get(key)
    if found is None:
        found = _statements[key] = _with_statement(model, alias, connection, sql, shape)
    statement, fields = found
    values = [*params]
    for rows in groups.values():
        row_fields = _statement(type(rows[0]), alias, {}, ())[1]
        values += [v for row in rows for v in _values(row, row_fields, connection)]
    values += _values(obj, fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        row = cursor.fetchone()
    if row is None:
        return 0
    setattr(obj, model._meta.auto_field.attname, row[0])
    _saved(obj, alias)
    for rows in groups.values():
        for one in rows:
            _saved(one, alias)
    return 1


def carried(
    ctes: Sequence[str],
    ctes_params: Sequence[Any],
    columns: str,
    columns_params: Sequence[Any],
    together: Sequence[models.Model],
    *,
    using: str = "default",
) -> tuple:
    """Run the caller's statement `WITH {ctes} SELECT {columns}` (PostgreSQL; `columns` with no FROM) with the
    INSERTs of the new rows `together` added to it as further common table expressions: rows written where a
    statement is sent anyway instead of in statements of their own (a registration's event and clocks ride
    with its search entry, redress.matching.intake). Their primary keys are set, as `insert_many` sets them.
    Returns the values of `columns`.

    The rows are written in the order given. The caller's statement does not see them (one snapshot), and
    the checks the database defers (foreign keys) run at commit as always."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise TypeError("rows.carried writes through common table expressions: PostgreSQL only")
    groups = _by_model(together)
    shape = tuple((m, len(rows)) for m, rows in groups.items())
    key = ("carried", using, tuple(ctes), columns, shape)
    found = _statements.get(key)
    if found is None:
        parts, ids = list(ctes), []
        for n, (model, count) in enumerate(shape):
            head, rest = _statement(model, using, {}, ())[0].split(" VALUES ", 1)
            row, returned = rest.split(" RETURNING ", 1)
            parts.append(f"carried_{n} AS ({head} VALUES {', '.join([row] * count)} RETURNING {returned})")
            # In the order written: PostgreSQL returns a multi-row INSERT's rows in the order of its VALUES
            # (as Django's bulk_create relies on).
            ids.append(f"ARRAY(SELECT {returned} FROM carried_{n})")
        found = _statements[key] = f"WITH {', '.join(parts)} SELECT {', '.join([*ids, columns])}"
    values = [*ctes_params]
    for rows in groups.values():
        fields = _statement(type(rows[0]), using, {}, ())[1]
        values += [v for row in rows for v in _values(row, fields, connection)]
    values += columns_params
    with connection.cursor() as cursor:
        cursor.execute(found, values)
        result = cursor.fetchone()
    for rows, pks in zip(groups.values(), result[: len(shape)], strict=True):
        attname = type(rows[0])._meta.auto_field.attname
        for row, pk in zip(rows, pks, strict=True):
            setattr(row, attname, pk)
            _saved(row, using)
    return tuple(result[len(shape) :])


def _with_statement(
    model: type[models.Model], alias: str, connection: Any, write: str, shape: tuple
) -> tuple[str, list[models.Field]]:
    """`insert_if_written`'s statement on PostgreSQL: the UPDATE named `written`, then the rows of `shape`
    ((model, how many)) and `model`'s row, each drawn from `written`."""

    def typed(fields: list[models.Field]) -> str:
        # As the VALUES of an INSERT would be: a SELECT's bare parameters would be text.
        return "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"

    parts = [f"written AS ({write} RETURNING 1)"]
    for n, (other, count) in enumerate(shape):
        sql, fields = _statement(other, alias, {}, ())
        head = sql.split(" VALUES ", 1)[0]
        body = f"{head} SELECT v.* FROM written, (VALUES {', '.join([typed(fields)] * count)}) AS v"
        parts.append(f"together_{n} AS ({body})")
    own, fields = _statement(model, alias, {}, ())
    head, rest = own.split(" VALUES ", 1)
    returned = rest.split(" RETURNING ", 1)[1]
    main = f"{head} SELECT {typed(fields)[1:-1]} FROM written RETURNING {returned}"
    return f"WITH {', '.join(parts)} {main}", fields
