"""Automatic escalation triggers (R5.2, R5.4, REGULATION.md), evaluated when a case is registered.

Each trigger is a function that looks at the case (and, where the rule needs it, at earlier cases) and
returns what fired with its evidence. `apply_triggers` sets the flags and escalates through the lifecycle's
system transitions, so every change is an audited event attributed to the system actor.

- media_threat: a listed phrase said in matter or demand (in words, not denied), or set by staff → the
  work group (branch), level by level; the spokesperson is told.
- major: amount above the threshold, N or more joint complainants, national or provincial media, or set by
  staff → head office.
- group: N or more people (joint complainants counted) whose matters are similar (redress.matching), within
  the window and the scope (the same branch; the same product bank-wide when the matter names it) → the
  provincial work group; all linked.
- repeat: the same phone or ID number on an earlier case already replied to or closed, about a similar
  matter, within the window → linked, one level up. A new matter from the same customer is not a repeat.
- Both count complaints and petitions only (`COMPLAINT_KINDS`): an enquiry, a suggestion or a report of
  wrongdoing is neither a repeat complaint nor one of a group complaint's people.
- skip_level: arrived above the level of the unit complained about, or from outside, with no earlier case
  of the complainant about a similar matter below → handled at the arrival level; the lower level is told.
- cross_province: accepting and complained-about units in different provinces → head office.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from redress.cases.choices import EXTERNAL_CHANNELS, OPEN_STATES, Flag, Kind, State
from redress.cases.models import Case, CaseFlag
from redress.common.driver import prepared_cursor
from redress.common.reference import VersionedCache
from redress.matching import similarity
from redress.matching.phrases import phrase_hits
from redress.organisation.choices import LEVEL_ORDER, Level, level_above
from redress.text.segment import normalise

from .models import DEFAULT_MEDIA_PHRASES, DEFAULT_TOP_MEDIA_PHRASES, GroupScope, TriggerSettings

# What the repeat and group rules count (P1 四(三)9 speaks of complaints, 投诉; a petition, 信访, is one made
# to the bank's petition office): three people asking the same question are not a group complaint, and a
# customer's suggestion after an earlier complaint is not a repeat complaint.
COMPLAINT_KINDS = (Kind.COMPLAINT.value, Kind.PETITION.value)
# In the lookup's text, not as parameters: constants of the code. Applied to the complainant's newest cases
# after they are read by the phone and ID indexes, not in their read: there, with no statistics (a new bank,
# or autovacuum off), the planner read every complaint by the kind's index and filtered by phone (3 ms a
# registration on the benchmark's 6,000 cases, growing with the bank).
_COMPLAINT_KINDS_SQL = "(" + ", ".join(f"'{kind}'" for kind in COMPLAINT_KINDS) + ")"

# Settings change rarely: each process keeps the version in force while the triggers' reference token is
# unchanged (redress.common.reference), so an edit applies on every node at its next registration.
_settings: VersionedCache[None, TriggerSettings] = VersionedCache("triggers")


def _load_settings(_: None) -> TriggerSettings:
    found = TriggerSettings.objects.filter(active=True).order_by("-version").first()
    if found is None:
        found = TriggerSettings(
            version=0,
            effective_from=dt.date(2020, 3, 1),
            media_phrases=DEFAULT_MEDIA_PHRASES,
            top_media_phrases=DEFAULT_TOP_MEDIA_PHRASES,
        )
    return found


def current_settings() -> TriggerSettings:
    return _settings.get(None, _load_settings)


def forget_settings() -> None:
    """Drop the cached settings (a process that must not wait for the next token, e.g. between tests)."""
    _settings.clear()


@dataclass
class Fired:
    flag: str
    to_level: str | None
    reason: str
    evidence: dict = field(default_factory=dict)
    step_by_step: bool = False
    linked: list[int] = field(default_factory=list)  # repeat: the earlier case
    # Open linked cases that do not carry this flag yet (the earlier members of a group just formed).
    unflagged: list[int] = field(default_factory=list)
    # group: the earliest case of every group the matched cases already belong to, and those in none.
    groups: list[int] = field(default_factory=list)
    ungrouped: list[int] = field(default_factory=list)


def phrases_in(text: str, phrases: list[str]) -> list[str]:
    """The listed phrases the text says, read as words with simple negation (`matching.phrases`)."""
    return phrase_hits(text, phrases)


def _text(case: Case) -> str:
    return f"{case.matter}\n{case.demand}"


def media_threat(case: Case, rules: TriggerSettings, staff_flags: frozenset[str]) -> Fired | None:
    found = phrases_in(_text(case), list(rules.media_phrases))
    staff_set = Flag.MEDIA_THREAT in staff_flags
    if not found and not staff_set:
        return None
    return Fired(
        Flag.MEDIA_THREAT,
        Level.BRANCH,
        _("The customer threatened to go to the media: escalated level by level to the work group."),
        {"phrases": found, "set_by_staff": staff_set},
        step_by_step=True,
    )


def major(case: Case, rules: TriggerSettings, staff_flags: frozenset[str]) -> Fired | None:
    reasons: dict = {}
    if case.amount is not None and case.amount > Decimal(rules.major_amount):
        reasons["amount"] = {"amount": str(case.amount), "above": str(rules.major_amount)}
    if case.joint_complainants >= rules.major_joint_complainants:
        reasons["joint_complainants"] = {
            "count": case.joint_complainants,
            "at_least": rules.major_joint_complainants,
        }
    top = phrases_in(_text(case), list(rules.top_media_phrases))
    if top:
        reasons["national_or_provincial_media"] = top
    if Flag.MAJOR in staff_flags:
        reasons["set_by_staff"] = True
    if not reasons:
        return None
    return Fired(
        Flag.MAJOR, Level.HEAD_OFFICE, _("Major complaint: reported straight to the top level."), reasons
    )


def _identity_q(case: Case) -> Q | None:
    q = Q()
    # By the blind indexes: the numbers themselves are stored encrypted (decision 0031).
    if case.complainant_phone_index:
        q |= Q(complainant_phone_index=case.complainant_phone_index)
    if case.complainant_id_index:
        q |= Q(complainant_id_index=case.complainant_id_index)
    return q or None


def _identity(phone: str, id_number: str, name: str, pk: int) -> str:
    return id_number or phone or f"{name}#{pk}"


def _people(rows: Iterable[tuple]) -> int:
    """How many people complained in `rows` (pk, phone index, ID index, name, joint_complainants, …): each
    complainant once, with the joint complainants of their case (R5: twenty people on one case are twenty)."""
    joint: dict[str, int] = {}
    for pk, phone, idn, name, together, *_rest in rows:
        who = _identity(phone, idn, name, pk)
        joint[who] = max(joint.get(who, 1), similarity.people_on(together))
    return sum(joint.values())


_GROUP_COLUMNS = (
    "pk", "complainant_phone_index", "complainant_id_index", "complainant_name", "joint_complainants",
    "state", "grouped", "group_first",
)  # fmt: skip


@dataclass
class Related:
    """What one lookup of the matter's topics and the complainant's cases found (redress.matching)."""

    # The complainant's earlier cases about a similar matter, newest first: (pk, number, level, state,
    # within the repeat window, likeness).
    earlier: list[tuple] = field(default_factory=list)
    # The cases about a similar matter in the group's window and scope, the case itself included.
    similar: list[int] = field(default_factory=list)
    # At most this many people complained in `similar` (joint complainants counted): exact for the members of
    # the alike topics, counted in SQL; each of the complainant's own cases weighed alike here adds its people
    # again, though it may be the same person. The group rule counts exactly (`summarise`) only when this
    # reaches its threshold, so most registrations read no row of the topics' members.
    people: int = 0


def _like_prefix(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _scope_sql(case: Case, rules: TriggerSettings, *, members: bool = False) -> tuple[str, list]:
    """Where complaints about a similar matter count together (versioned data), as SQL over the alias `c`
    (or `b`, the topics' member rows, which carry the path and product: `members`): under the branch (or
    province) of the unit complained about, else of the accepting unit; anywhere for the same product when
    the matter names it."""
    if rules.group_scope == GroupScope.BANK:
        return "1 = 1", []
    unit = case.subject_unit or case.unit
    # A case about the head office (above every branch) counts with the cases about the same unit.
    level = Level.PROVINCE if rules.group_scope == GroupScope.PROVINCE else Level.BRANCH
    prefix = _like_prefix((unit.at_level(level) or unit).path)
    like = "LIKE %s ESCAPE '\\'"
    if members:
        sql, params = f"b.scope_path {like}", [prefix]
    else:
        sql = f"(c.subject_unit_path {like} OR (c.subject_unit_path = '' AND c.unit_path {like}))"
        params = [prefix, prefix]
    if rules.group_product_bank_wide and case.product and normalise(case.product) in normalise(case.matter):
        alias = "b" if members else "c"
        sql, params = f"({sql} OR {alias}.product = %s)", [*params, case.product]
    return sql, params


def related_query(case: Case, rules: TriggerSettings) -> tuple[str, list]:
    """The one statement of `related_cases`, as SQL and parameters. It reads the newest `MAX_CANDIDATES`
    members of the topics alike to the case's matter (redress.matching, read once per case) in the group's
    window and scope, and the complainant's newest `MAX_CANDIDATES` cases (by the phone and ID number
    indexes). It returns one row of what the group rule needs of those members (their cases and how many
    people they are, from the member rows alone), then one row per case of the complainant's own, to be
    weighed. Counted in SQL, from the members' index: reading each member's case and moving it to the process
    cost 1.2 of the lookup's 1.8 ms a registration (bench/matching_ab.py, 2026-12-07). Written as SQL because
    the ORM took 1.4 ms of the 2.1 ms the lookup cost a registration to build its query (bench/similar.py
    run with tracing, 2026-12-04)."""
    topics = [pk for pk, _ in similarity.topics_of(case, float(rules.similarity_threshold))]
    postgresql = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(case.received_at)
    group_since = adapt(case.received_at - dt.timedelta(days=rules.group_window_days))
    repeat_since = adapt(case.received_at - dt.timedelta(days=rules.repeat_window_days))
    until = adapt(case.received_at + dt.timedelta(days=1))
    cases, members = Case._meta.db_table, similarity.TopicMember._meta.db_table
    cap = similarity.MAX_CANDIDATES
    # The member rows carry the scope: a member outside it is no candidate, and no case is read to know it.
    member_scope, member_scope_params = _scope_sql(case, rules, members=True)
    if postgresql:
        # Per topic, only its newest `cap` members in the group's scope and window, in the index's order (a
        # scan that stops at `cap`), and of those the newest `cap`: the newest `cap` of all are among them,
        # however many cases a topic has.
        alike = f"""SELECT n.case_id, n.person, n.people
                      FROM unnest(%s::bigint[]) AS t(topic) CROSS JOIN LATERAL (
                           SELECT b.case_id, b.received_at, b.person, b.people FROM {members} b
                            WHERE b.topic_id = t.topic AND b.received_at >= %s AND b.received_at <= %s
                              AND {member_scope}
                            ORDER BY b.received_at DESC LIMIT {cap}) n
                     ORDER BY n.received_at DESC, n.case_id DESC LIMIT {cap}"""
        params: list = [topics or [0], group_since, until, *member_scope_params]
        ids = "array_agg(m.case_id)"
    else:
        alike = f"""SELECT b.case_id, b.person, b.people FROM {members} b
                     WHERE b.topic_id IN ({", ".join(["%s"] * len(topics or [0]))})
                       AND b.received_at >= %s AND b.received_at <= %s AND {member_scope}
                     ORDER BY b.received_at DESC, b.case_id DESC LIMIT {cap}"""
        params = [*(topics or [0]), group_since, until, *member_scope_params]
        ids = "group_concat(m.case_id)"
    ctes: list[tuple[str, list]] = []
    # The case's own member row, where registration left it to this statement (PostgreSQL): written here,
    # and not seen by `m` (one snapshot), so `related_cases` counts the case itself.
    placing = similarity.pending_placement(case)
    if placing is not None:
        ctes.append(placing)
    # The same person by the blind indexes of phone and ID number (decision 0031), set when the case was
    # written: no HMAC is computed again here.
    mine = bool(case.complainant_phone_index or case.complainant_id_index)
    if mine:
        scope, scope_params = _scope_sql(case, rules)
        phone, id_number = case.complainant_phone_index or None, case.complainant_id_index or None
        ctes.append(
            (
                f"""o AS (SELECT c.id, c.number, c.level, c.state, c.received_at, c.matter, c.kind,
                                 c.joint_complainants, ({scope} AND c.received_at >= %s) AS grouped
                            FROM {cases} c
                           WHERE (c.complainant_phone_index = %s OR c.complainant_id_index = %s)
                             AND c.received_at <= %s
                           ORDER BY c.received_at DESC, c.id DESC LIMIT {cap})""",
                [*scope_params, group_since, phone, id_number, at],
            )
        )
    ctes.append((f"m AS ({alike})", params))
    topic = "(SELECT placed.topic_id FROM placed)" if placing is not None else "NULL"
    # The members' people: each complainant once, with the most people any of their cases names (R5: twenty
    # people on one case are twenty), as `_people` counts them; a case with neither phone nor ID number is a
    # person of its own.
    sql = f"""WITH {", ".join(text for text, _ in ctes)}
              SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT {ids} FROM m),
                     (SELECT COALESCE(sum(p.people), 0) FROM (
                             SELECT max(m.people) AS people FROM m
                              GROUP BY COALESCE(NULLIF(m.person, ''), '#' || m.case_id)) p), {topic}"""
    params = [value for _, values in ctes for value in values]
    if mine:
        # Their kept concepts (the repeat weighs each of the complainant's cases), or their text where none
        # are kept.
        sql += f"""
              UNION ALL
              SELECT 1, o.id, o.number, o.level, o.state, o.received_at >= %s, e.matter_concepts,
                     CASE WHEN e.matter_concepts IS NULL THEN o.matter END, o.grouped, o.joint_complainants,
                     NULL, NULL, NULL, NULL
                FROM o LEFT JOIN {similarity.SearchEntry._meta.db_table} e ON e.case_id = o.id
               WHERE o.kind IN {_COMPLAINT_KINDS_SQL}"""
        params.append(repeat_since)
    return sql, params


def related_cases(case: Case, rules: TriggerSettings) -> Related:
    """The complainant's earlier cases about a similar matter and the cases in the group's window and scope
    about a similar matter: the members of the topics alike to the case's (redress.matching.similarity, read
    once), and the complainant's own cases each weighed here; one statement (`related_query`)."""
    # A system rule, not a user's read: it must see every case, whoever can see them.
    matter = similarity.matter_of(case)
    threshold = float(rules.similarity_threshold)
    # Prepared on PostgreSQL: planning it cost 0.5 of its 1.6 ms at 100,000 cases (decision 0027).
    with prepared_cursor() as cursor:
        cursor.execute(*related_query(case, rules))
        rows = cursor.fetchall()
    (*_, ids, people, topic) = next(row for row in rows if row[0] == 0)
    if isinstance(ids, str):  # SQLite's group_concat
        ids = [int(pk) for pk in ids.split(",")]
    found = Related(similar=list(ids or []), people=int(people or 0))
    if topic is not None:
        # Its member row was written by this statement, which could not see it: the case counts itself.
        similarity.placed(case, topic)
        found.similar.append(case.pk)
        found.people += similarity.people_on(case.joint_complainants)
    members = set(found.similar)
    # The complainant's own cases (their kept concepts, or their text where none are kept).
    own = [row for row in rows if row[0] == 1]
    for _row, pk, number, level, state, recent, kept, text, grouped, joint, *_ in own:
        if pk == case.pk:
            continue
        # The repeat weighs the complainant's own case against this matter, whatever its topic.
        likeness = similarity.score(matter, similarity.concepts_of(kept, text))
        if likeness >= threshold:
            found.earlier.append((pk, number, level, state, bool(recent), likeness))
        if grouped and pk not in members and likeness >= threshold:
            found.similar.append(pk)
            found.people += similarity.people_on(joint)
    return found


def same_issue_cases(pks: list[int]):
    """The similar cases `pks` as the rows the group's bookkeeping reads."""
    grouped = CaseFlag.objects.filter(case=OuterRef("pk"), flag=Flag.GROUP)
    return (
        Case.objects.filter(pk__in=pks, kind__in=COMPLAINT_KINDS)
        .annotate(grouped=Exists(grouped), group_first=F("group_memberships__first"))
        .values_list(*_GROUP_COLUMNS)
    )


def group(case: Case, rules: TriggerSettings, related: Related) -> Fired | None:
    # Most registrations stop here: fewer people than a group needs, after the one lookup. `related.people`
    # counts the alike cases of every kind (from the topics' member rows): the exact count below, of
    # complaints only, decides.
    if case.kind not in COMPLAINT_KINDS or related.people < rules.group_min_complainants:
        return None
    pks = related.similar
    if connection.vendor == "postgresql":
        found = summarise_in_sql(pks, case.pk)
    else:
        found = summarise(list(same_issue_cases(pks)), case.pk)
    if found.people < rules.group_min_complainants:
        return None  # a member withdrawn or merged meanwhile
    return Fired(
        Flag.GROUP,
        Level.PROVINCE,
        _("The same issue from %(n)d or more people: escalated to the provincial work group.")
        % {"n": rules.group_min_complainants},
        # Counts, not the matched cases: who is in the group is kept once, in its members (`group_of`), and
        # the evidence travels in the flag event to people who may not see every member.
        {
            "complainants": found.people,
            "at_least": rules.group_min_complainants,
            "window_days": rules.group_window_days,
            "matched_cases": found.cases,
            "scope": rules.group_scope,
            "likeness_at_least": str(rules.similarity_threshold),
        },
        unflagged=found.unflagged,
        groups=found.groups,
        ungrouped=found.ungrouped,
    )


@dataclass
class _Matched:
    """What the group rule needs of the (at most `MAX_CANDIDATES`) cases about the same issue."""

    people: int
    cases: int
    unflagged: list[int]  # open, not yet flagged as a group, the new case apart
    groups: list[int]  # the groups they are in, by their first case
    ungrouped: list[int]  # in no group yet, the new case apart


def summarise(rows: list[tuple], me: int) -> _Matched:
    # Each case once (a case in two groups, joined by a racing registration, comes once per group).
    status = {pk: (state, grouped) for pk, *_, state, grouped, _first in rows}
    cases = len(status)
    status.pop(me, None)
    return _Matched(
        _people(rows),
        cases,
        sorted(pk for pk, (state, flagged) in status.items() if state in OPEN_STATES and not flagged),
        sorted({first for *_, first in rows if first is not None}),
        sorted({pk for pk, *_, first in rows if pk != me and first is None}),
    )


@functools.cache
def _same_issue_sql() -> str:
    """`same_issue_cases` as plain SQL over an array of ids: one statement text whatever the ids, so neither
    the ORM (1.5 ms of Python a registration to build it) nor the driver (which does not keep the parsing of
    a statement of more than 50 parameters) works it out again for every registration."""
    cases, flags = Case._meta.db_table, CaseFlag._meta.db_table
    members = Case._meta.get_field("group_memberships").related_model._meta.db_table
    # Each case, its group flag and its groups read by its own key, whatever the planner knows of the tables:
    # as a join, with no statistics (a new bank, or autovacuum off), it hashed every group flag and every
    # member row of the bank at each registration, and scanned the cases (the registration benchmark's
    # burst: 1.3 ms of PostgreSQL's time a registration, growing with the bank). The LIMIT keeps the case's
    # read from being folded into a join.
    return f"""SELECT c.id, c.complainant_phone_index, c.complainant_id_index, c.complainant_name,
                      c.joint_complainants, c.state,
                      (SELECT true FROM {flags} f WHERE f.case_id = c.id AND f.flag = %s LIMIT 1) IS NOT NULL,
                      (SELECT array_agg(m.first_id) FROM {members} m WHERE m.case_id = c.id)
                 FROM unnest(%s::bigint[]) AS k (id)
                      CROSS JOIN LATERAL (
                          SELECT * FROM {cases} c WHERE c.id = k.id AND c.kind = ANY(%s) LIMIT 1) AS c"""


def summarise_in_sql(pks: list[int], me: int) -> _Matched:
    """`summarise` done by PostgreSQL over the rows of `same_issue_cases(pks)`: one row comes back instead
    of up to 500 (in a burst of complaints about one product, most registrations match hundreds of cases)."""
    open_states = list(OPEN_STATES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH t(pk, phone, id_number, name, joint, state, grouped, firsts) AS ({_same_issue_sql()})
                SELECT (SELECT COALESCE(sum(p.joint), 0)
                          FROM (SELECT max(GREATEST(t.joint, 1)) AS joint FROM t
                                 GROUP BY COALESCE(NULLIF(t.id_number, ''), NULLIF(t.phone, ''),
                                                   t.name || '#' || t.pk::text)) AS p),
                       count(DISTINCT t.pk),
                       array_agg(DISTINCT t.pk)
                           FILTER (WHERE t.pk <> %s AND t.state = ANY(%s) AND NOT t.grouped),
                       (SELECT array_agg(DISTINCT g.first) FROM t AS u, unnest(u.firsts) AS g (first)),
                       array_agg(DISTINCT t.pk) FILTER (WHERE t.pk <> %s AND t.firsts IS NULL)
                  FROM t""",
            [Flag.GROUP.value, list(pks), list(COMPLAINT_KINDS), me, open_states, me],
        )
        people, cases, unflagged, groups, ungrouped = cursor.fetchone()
    return _Matched(people, cases, sorted(unflagged or []), sorted(groups or []), sorted(ungrouped or []))


# "Already handled" (P1 四(三)9): the bank answered the customer.
HANDLED_STATES = frozenset({State.REPLIED, State.CLOSED})


def repeat(case: Case, rules: TriggerSettings, earlier: list[tuple]) -> Fired | None:
    """The same customer again about a similar matter (`earlier`: found by `related_cases`), within the
    window, after the bank answered the earlier case (P1 四(三)9): a new matter from the same customer is a
    new complaint, not a repeat. Complaints only (`COMPLAINT_KINDS`; `earlier` holds no other kind)."""
    if case.kind not in COMPLAINT_KINDS:
        return None
    handled = [row for row in earlier if row[3] in HANDLED_STATES and row[4]]
    if not handled:
        return None
    # The most alike; of equally alike cases the latest (`earlier` is newest first, max keeps the first).
    pk, number, _level, _state, _recent, likeness = max(handled, key=lambda row: row[5])
    return Fired(
        Flag.REPEAT,
        level_above(case.level),
        _("A repeat complaint about an earlier case: linked and escalated one level."),
        {"earlier_case": number, "likeness": round(likeness, 2), "window_days": rules.repeat_window_days},
        linked=[pk],
    )


def skip_level(case: Case, rules: TriggerSettings, earlier: list[tuple]) -> Fired | None:
    if case.subject_unit is None:
        return None
    arrived = case.unit.level
    lower = case.subject_unit.level
    from_outside = case.channel in EXTERNAL_CHANNELS
    above = LEVEL_ORDER[arrived] > LEVEL_ORDER[lower]
    if not (above or from_outside) or earlier:
        return None
    return Fired(
        Flag.SKIP_LEVEL,
        arrived if LEVEL_ORDER[arrived] > LEVEL_ORDER[case.level] else None,
        _("A skip-level complaint: handled at the level it arrived at; the lower level is told."),
        {
            "arrived_at": arrived,
            "unit_complained_about": case.subject_unit.code,
            "from_outside": from_outside,
        },
    )


def cross_province(case: Case, rules: TriggerSettings) -> Fired | None:
    here, there = case.unit.province_code, case.subject_unit.province_code if case.subject_unit else ""
    if not here or not there or here == there:
        return None
    return Fired(
        Flag.CROSS_PROVINCE,
        Level.HEAD_OFFICE,
        _("A cross-province case: escalated to the level that can coordinate both provinces."),
        {"provinces": sorted([here, there])},
    )


def evaluate(
    case: Case, staff_flags: frozenset[str] = frozenset(), rules: TriggerSettings | None = None
) -> list[Fired]:
    """Every trigger that fires for a newly registered case (`staff_flags`: flags set at registration)."""
    rules = rules or current_settings()
    related = related_cases(case, rules)
    fired = [
        media_threat(case, rules, staff_flags),
        group(case, rules, related),
        repeat(case, rules, related.earlier),
        skip_level(case, rules, related.earlier),
        cross_province(case, rules),
        major(case, rules, staff_flags),
    ]
    return [f for f in fired if f is not None]
