"""Case numbers: `TS` + year + a 6-digit per-year sequence, e.g. `TS2026000123` (R2.4).

Unique under concurrency; gaps are allowed (a rolled-back registration burns its number), which is what
lets PostgreSQL hand numbers out from a sequence without serialising registrations on a counter row.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, ProgrammingError, connection, transaction

PREFIX = "TS"
# A case number inside other text (event data naming a linked case): prefix, year, 6 or 7 digits.
# Bounded by what is not a Latin letter or digit, not by `\b`: in Chinese text a number sits between
# characters that are word characters too ("与TS2026000001为同一客户" has no word boundary around it).
NUMBER_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9]){PREFIX}\d{{4}}\d{{6,7}}(?![0-9])")


def format_number(year: int, sequence: int) -> str:
    if sequence > 999_999:
        # Seven digits keep numbers unique and sortable within the year if a year ever exceeds a million.
        return f"{PREFIX}{year}{sequence:07d}"
    return f"{PREFIX}{year}{sequence:06d}"


def next_case_number(year: int) -> str:
    if connection.vendor == "postgresql":
        return format_number(year, _next_from_sequence(year))
    return format_number(year, _next_from_counter(year))


def drawn_in_insert(year: int) -> tuple[str, list] | None:
    """The next number as an SQL expression with its parameters, drawn by the INSERT that writes the case
    (one statement fewer than `next_case_number`), formatted as `format_number` does; None where it cannot
    be (not PostgreSQL, or a year whose sequence may not exist yet)."""
    if connection.vendor != "postgresql" or year not in PRECREATED_YEARS:
        return None
    sql = "SELECT %s || lpad(s.n::text, greatest(6, length(s.n::text)), '0') FROM (SELECT nextval(%s) AS n) s"
    return sql, [f"{PREFIX}{int(year)}", _sequence_name(year)]


def _sequence_name(year: int) -> str:
    return f"case_number_{int(year)}_seq"


# Migration 0008 creates these years' sequences ahead, so their numbers need no savepoint.
PRECREATED_YEARS = range(2000, 2101)


def _next_from_sequence(year: int) -> int:
    name = _sequence_name(year)
    if year in PRECREATED_YEARS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [name])
            return cursor.fetchone()[0]
    for _attempt in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s)", [name])
                return cursor.fetchone()[0]
        except ProgrammingError:
            # First number of a new year: create its sequence, racing safely with other workers.
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START 1")
            except (IntegrityError, ProgrammingError):
                pass
    raise RuntimeError(f"could not allocate a case number for {year}")


def _next_from_counter(year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbercounter (year, last) VALUES (%s, 0) ON CONFLICT DO NOTHING", [year]
        )
        cursor.execute(
            "UPDATE cases_casenumbercounter SET last = last + 1 WHERE year = %s RETURNING last", [year]
        )
        return cursor.fetchone()[0]
