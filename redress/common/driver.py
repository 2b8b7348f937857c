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
