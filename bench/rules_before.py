"""The repeat and group rules as they were before the similarity of matters (issue 13), for benchmarks only:
the registration the bank had, against which issue 13 asks the similarity to cost at most a tenth of the
throughput (decision 0027, target 4).

Before issue 13 a repeat was any earlier case of the same complainant (by phone or ID number), whatever it
was about, and a group was the cases of the same category about the same unit complained about or the same
product, in the group's window, anywhere in the bank (`git show c0d8c7e:redress/escalation/triggers.py`).
`related_cases` finds them as today's lookup does, in one prepared statement with the same cap, the
people counted in SQL, so the two differ only by what they compare: the matter or the category and unit.
Registration then writes no band key and joins no topic (`band_keys` returns none). PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from redress.cases.models import Case
from redress.common.driver import prepared_cursor
from redress.escalation import triggers
from redress.matching import similarity


def related_query(case: Case, rules) -> tuple[str, list]:
    adapt = connection.ops.adapt_datetimefield_value
    cases, cap = Case._meta.db_table, similarity.MAX_CANDIDATES
    at = adapt(case.received_at)
    until = adapt(case.received_at + dt.timedelta(days=1))
    group_since = adapt(case.received_at - dt.timedelta(days=rules.group_window_days))
    repeat_since = adapt(case.received_at - dt.timedelta(days=rules.repeat_window_days))
    ctes, params = [], []
    # The same issue: the category, and the unit complained about or the product.
    comparable = bool(case.category and (case.subject_unit_id or case.product))
    if comparable:
        ctes.append(
            f"""m AS (SELECT c.id, COALESCE(NULLIF(c.complainant_id_index, ''),
                                            NULLIF(c.complainant_phone_index, ''), '#' || c.id) AS person,
                             GREATEST(c.joint_complainants, 1) AS people
                        FROM {cases} c
                       WHERE c.category = %s AND c.received_at >= %s AND c.received_at <= %s
                         AND (c.subject_unit_id = %s OR (%s <> '' AND c.product = %s))
                       ORDER BY c.received_at DESC, c.id DESC LIMIT {cap})"""
        )
        params += [case.category, group_since, until, case.subject_unit_id, case.product, case.product]
    mine = bool(case.complainant_phone_index or case.complainant_id_index)
    if mine:
        ctes.append(
            f"""o AS (SELECT c.id, c.number, c.level, c.state, c.received_at FROM {cases} c
                       WHERE (c.complainant_phone_index = %s OR c.complainant_id_index = %s)
                         AND c.received_at <= %s AND c.id <> %s
                       ORDER BY c.received_at DESC, c.id DESC LIMIT {cap})"""
        )
        params += [case.complainant_phone_index or None, case.complainant_id_index or None, at, case.pk]
    ids, people = "NULL::bigint[]", "0"
    if comparable:
        ids = "(SELECT array_agg(m.id) FROM m)"
        people = (
            "(SELECT COALESCE(sum(p.people), 0)"
            " FROM (SELECT max(m.people) AS people FROM m GROUP BY m.person) p)"
        )
    sql = (f"WITH {', '.join(ctes)} " if ctes else "") + (
        f"SELECT 0, NULL::bigint, NULL, NULL, NULL, NULL::boolean, {ids}, {people}"
    )
    if mine:
        sql += " UNION ALL SELECT 1, o.id, o.number, o.level, o.state, o.received_at >= %s, NULL, NULL FROM o"
        params.append(repeat_since)
    return sql, params


def related_cases(case: Case, rules) -> triggers.Related:
    """What the rules before issue 13 found: every earlier case of the complainant (likeness 1: any matter),
    and the cases about the same issue with how many people they are."""
    with prepared_cursor() as cursor:
        cursor.execute(*related_query(case, rules))
        rows = cursor.fetchall()
    found = triggers.Related()
    for kind, pk, number, level, state, recent, ids, people in rows:
        if kind == 0:
            found.similar, found.people = list(ids or []), int(people or 0)
        else:
            found.earlier.append((pk, number, level, state, bool(recent), 1.0))
    return found


def install() -> None:
    """Registration from now on evaluates the rules as they were before issue 13, in this process."""
    triggers.related_cases = related_cases
    similarity.band_keys = lambda matter: ()
