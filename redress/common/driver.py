"""The database driver's keeping of parsed statements (psycopg 3, client-side binding as Django uses it).

On every execute psycopg splits the statement's text at its placeholders (a regular expression over the whole
text), and keeps the result (an LRU of 128 texts) only for a text of at most 4 096 bytes and 50 parameters.
Some of a registration's statements are above either limit — the reports' row of a new case's figures with
its journal (`WITH kept AS (INSERT …)`, 2.4 kB and about 100 parameters), the figures' read after a
transition (8 kB), a case's three clocks (66 parameters) — and were split anew every time: about 1 ms of
Python per registration on the common path, 5 ms while the reports still upserted 22 slice rows
(bench/profile_registration.py with the driver's splitting timed, 2026-12-06). Their texts are a handful of
fixed ones per process, so they are kept too; a statement whose text varies with its data (an `IN` list)
only takes its turn in the LRU.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

# Texts up to this long and with up to this many parameters have their parsing kept.
MAX_KEPT_LENGTH = 64 * 1024
MAX_KEPT_PARAMS = 2000


def keep_parsed_statements() -> bool:
    """Raise psycopg's limits for keeping a statement's parsing; False if this psycopg has no such limits
    (a version that keeps every statement, or none: nothing to do)."""
    try:
        from psycopg import _queries
    except ImportError:
        return False
    if not hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") or not hasattr(
        _queries, "MAX_CACHED_STATEMENT_PARAMS"
    ):
        return False
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, MAX_KEPT_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, MAX_KEPT_PARAMS)
    return True


# ---- prepared statements ---------------------------------------------------------------------------------
#
# Django binds parameters on the client and prepares nothing (its `prepare_threshold` is None, for the sake
# of transaction-pooling proxies), so PostgreSQL plans every statement afresh. For a statement run on every
# registration whose planning is a large part of its cost, `prepared_cursor` gives a cursor that binds on the
# server and has the statement prepared once per connection and text: the related-matters lookup planned in
# 0.5 of its 1.6 ms (decision 0027). psycopg prepares only on a connection with a `prepare_threshold`: the
# settings give it one out of reach (nothing is prepared by repetition), except with
# `REDRESS_DB_PREPARED_STATEMENTS=0`, for a proxy that pools by transaction and does not keep prepared
# statements (PgBouncer before 1.21); a prepared cursor then runs its statements as any other.


@functools.cache
def _server_binding_cursor_class() -> type:
    # Made on first use: psycopg is imported only where PostgreSQL is.
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Binds on the server; every statement it runs is prepared (psycopg keeps them per connection, by
        text, the most recent `prepared_max`)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor


@contextlib.contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """A cursor of Django's (errors translated, queries logged and counted as any other's) whose statements
    are prepared on PostgreSQL (unless prepared statements are turned off); Django's own cursor elsewhere."""
    wrapper = connections[using]
    if wrapper.vendor != "postgresql":
        with wrapper.cursor() as cursor:
            yield cursor
        return
    wrapper.close_if_health_check_failed()
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        raw = _server_binding_cursor_class()(wrapper.connection)
    cursor = wrapper._prepare_cursor(raw)  # Django's wrapping of a cursor it made itself (logging, errors)
    try:
        yield cursor
    finally:
        cursor.close()
