"""Per-process caches of reference data, kept true by version tokens the database itself changes.

Reference data — units and staff, the complaint classification, the deadline policies, the trigger
settings, the calendar — is read on every registration and changes a few times a year. Each process keeps
what it read, keyed on the data's *token*: a number in `common_referenceversion` that a database trigger
replaces (with a random one) on every INSERT, UPDATE, DELETE or TRUNCATE of the watched tables, whoever
writes them — the admin, a command, a migration, another node, or `psql`. A reader fetches all tokens in one
small statement and uses its cached value only while its token is unchanged, so a change is seen by every
node at its next read, and a write rolled back leaves no trace (the token rolls back with it; a random token
is never reused).

The triggers are installed by the migration of the app that owns the tables (`watch`), so this module knows
no other app's tables. Within `pinned()` (a registration, say) the tokens are read once for the whole block.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection

TABLE = "common_referenceversion"

_pinned: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "reference_pinned", default=None
)


def tokens() -> dict[str, int]:
    """Every reference token, in one statement (or those pinned for the current block)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, token FROM {TABLE}")
        return dict(cursor.fetchall())


def token(key: str) -> int | None:
    return tokens().get(key)


# The keys of the caches this process has made (VersionedCache): those `seed` puts back.
_KEYS: set[str] = set()


def seed(*keys: str) -> None:
    """A token for each of `keys` (by default every cache's key) that has none, as the watching migrations
    wrote them: for a database whose token table was emptied while the watched data stayed (a test's
    flush), so that caching starts again at once instead of every reader going to the table."""
    with connection.cursor() as cursor:
        for key in sorted(keys or _KEYS):
            cursor.execute(f"SELECT 1 FROM {TABLE} WHERE key = %s", [key])
            if cursor.fetchone() is None:
                cursor.execute(
                    f"INSERT INTO {TABLE} (key, token) VALUES (%s, %s)", [key, secrets.randbits(62)]
                )


# ---- a reading that rides along with an earlier statement ------------------------------------------------
#
# An API request's first statement authenticates its token (redress.access.services); the tokens ride along
# with it (`reading_sql`) and are kept on the staff member it returns (`prime`), and the registration that
# staff member then makes takes that reading for its `pinned` block instead of reading again: one statement
# fewer on every registration (issue 16). The reading is as fresh as one taken at the block's start (both
# precede the block's transaction); it is taken once, and lives as long as the staff member read with the
# token, that is the request. (Kept per request in a context variable, cleared when the request finished,
# a reading outlived a request whose end was never signalled — in the test suite, most likely a streamed
# attachment nobody closed — and a later registration took it: caches of another state.)

_PRIMED = "_reference_reading"


def reading_sql(vendor: str) -> str:
    """A sub-select giving every token as one text (`parse_reading` reads it), to ride in another
    statement."""
    joined = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    return f"(SELECT {joined}(key || '=' || token, ',') FROM {TABLE})"


def parse_reading(text: str | None) -> dict[str, int]:
    """The tokens of a `reading_sql` text (no key holds '=' or ',')."""
    pairs = (item.partition("=") for item in (text or "").split(",") if item)
    return {key: int(value) for key, _, value in pairs}


def prime(holder: object, reading: dict[str, int]) -> None:
    """Keep `reading` on `holder` (the staff member an API request authenticated) for the first `pinned`
    block given it."""
    holder.__dict__[_PRIMED] = reading


@contextlib.contextmanager
def pinned(primed: object | None = None) -> Iterator[None]:
    """Read the tokens once for the block: every cache used inside it agrees on one reading (the one kept on
    `primed`, if any and not taken yet, else a fresh one)."""
    if _pinned.get() is not None:
        yield
        return
    reading = primed.__dict__.pop(_PRIMED, None) if primed is not None else None
    reset = _pinned.set(reading if reading is not None else tokens())
    try:
        yield
    finally:
        _pinned.reset(reset)


class VersionedCache[K, V]:
    """Values loaded on demand and kept while the reference key's token is unchanged.

    A process that has never seen a token (no write since the table was made or emptied) does not cache:
    it cannot tell a change from none. `copies` hands out a shallow copy of each model instance, so that
    what a caller caches on it (related objects) stays the caller's. At most `limit` values are kept.
    """

    def __init__(self, key: str, *, copies: bool = False, limit: int = 10_000) -> None:
        self.key = key
        _KEYS.add(key)
        self.copies = copies
        self.limit = limit
        # (token, values) replaced whole, so a reader that loaded under an older token writes into a dict
        # nobody reads any more instead of mixing readings.
        self._entry: tuple[int | None, dict[Any, Any]] = (None, {})
        self._lock = threading.Lock()

    def get(self, item: K, load: Callable[[K], V]) -> V:
        current = token(self.key)
        if current is None:
            return load(item)
        entry = self._entry
        if entry[0] != current:
            with self._lock:
                entry = self._entry
                if entry[0] != current:
                    entry = (current, {})
                    self._entry = entry
        values = entry[1]
        try:
            value = values[item]
        except KeyError:
            value = load(item)
            if len(values) >= self.limit:
                values.clear()
            values[item] = value
        return copy.copy(value) if self.copies and value is not None else value

    def clear(self) -> None:
        self._entry = (None, {})


# ---- the triggers, installed by each owning app's migration ------------------------------------------

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION redress_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} (key, token) VALUES (TG_ARGV[0], (random() * 9.0e18)::bigint)
    ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$;
"""


def _trigger_name(table: str, suffix: str = "") -> str:
    return f"redress_ref_{table}{suffix}"


def _install(key: str, table: str, columns: Sequence[str] | None) -> Callable:
    def forwards(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        of = f" OF {', '.join(columns)}" if columns else ""
        if vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION)
            schema_editor.execute(
                f"CREATE TRIGGER {_trigger_name(table)} AFTER INSERT OR UPDATE{of} OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION redress_reference_changed('{key}')"
            )
        elif vendor == "sqlite":
            bump = f"INSERT OR REPLACE INTO {TABLE} (key, token) VALUES ('{key}', random());"
            for suffix, event in (("_i", "INSERT"), ("_u", f"UPDATE{of}"), ("_d", "DELETE")):
                schema_editor.execute(
                    f"CREATE TRIGGER {_trigger_name(table, suffix)} AFTER {event} ON {table} BEGIN {bump} END"
                )
        else:  # pragma: no cover - the two databases Redress runs on
            raise NotImplementedError(vendor)
        # The data loaded before the trigger existed counts as one change, so caching starts at once.
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE key = %s", [key])
        schema_editor.execute(
            f"INSERT INTO {TABLE} (key, token) VALUES (%s, %s)", [key, secrets.randbits(62)]
        )

    return forwards


def _uninstall(table: str) -> Callable:
    def backwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}")
        else:
            for suffix in ("_i", "_u", "_d"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, suffix)}")

    return backwards


def watch(key: str, table: str, columns: Sequence[str] | None = None):
    """A migration operation: every write to `table` (to `columns` only, for an UPDATE, when given)
    changes the token of `key`."""
    from django.db import migrations

    return migrations.RunPython(_install(key, table, columns), _uninstall(table))


def rewatch(key: str, table: str, columns: Sequence[str] | None = None):
    """A migration operation for after a change that rebuilds `table` on SQLite (adding or altering a
    column copies the table into a new one, and its triggers are lost with the old): the triggers of
    `watch` dropped if still there, then installed again, on either database."""
    from django.db import migrations

    drop, install = _uninstall(table), _install(key, table, columns)

    def forwards(apps, schema_editor) -> None:
        drop(apps, schema_editor)
        install(apps, schema_editor)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
