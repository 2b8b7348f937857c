"""The SQL the reports' data migrations run, with the columns and slices as they were when each migration was
written: a migration must not call live code (a later change of the figures' columns or slices would break
it, or change what it does, on a database migrated later). Django does not load this module as a migration
(its name begins with an underscore)."""

from __future__ import annotations

DIMENSIONS = (
    "day",
    "unit_id",
    "unit_path",
    "kind",
    "channel",
    "category",
    "regulatory_channel_id",
    "business_category_id",
    "reason_id",
    "product",
    "customer_group",
    "subject_unit_id",
    "subject_staff_id",
)
# The measures of 0006 and 0008 (unchanged between them).
MEASURES = (
    "registered",
    "accepted",
    "rejected",
    "withdrawn",
    "open",
    "closed",
    "escalated_outlet",
    "escalated_sub_branch",
    "escalated_branch",
    "escalated_province",
    "escalated_head_office",
    "replied_on_time",
    "replied_late",
    "closed_not_counted",
    "closed_enquiry_class",
    "closed_counted",
    "closed_at_fault",
    "closed_not_at_fault",
    "closed_shared",
    "reopened",
    "follow_ups_satisfied",
    "follow_ups_basically_satisfied",
    "follow_ups_dissatisfied",
    "repeat_flag",
    "group_flag",
    "breached",
    "breached_acknowledge",
    "breached_transfer_out",
    "breached_first_contact",
    "breached_reply",
    "breached_result_report",
    "breached_decision",
    "breached_arrive",
    "breached_answer_customer",
    "breached_report_to_group",
    "breached_promised",
    "breached_referrer_reply",
)
UNIT = ("unit_id", "unit_path")
# The slices 0006 made.
SLICES_0006 = {
    "unit": UNIT,
    "kind": (*UNIT, "kind"),
    "channel": (*UNIT, "channel"),
    "category": (*UNIT, "kind", "category"),
    "business_category": (*UNIT, "kind", "business_category_id"),
    "reason": (*UNIT, "kind", "reason_id"),
    "product": (*UNIT, "kind", "product"),
    "customer_group": (*UNIT, "kind", "customer_group"),
    "subject_unit": (*UNIT, "kind", "subject_unit_id"),
    "performance": ("kind", "subject_unit_id"),
    "staff": ("kind", "subject_unit_id", "subject_staff_id"),
}
# The whole bank's slices 0008 added.
SLICES_0008 = {
    "bank_kind": ("kind",),
    "bank_channel": ("kind", "channel"),
    "bank_category": ("kind", "category"),
    "bank_business_category": ("kind", "business_category_id"),
    "bank_reason": ("kind", "reason_id"),
    "bank_product": ("kind", "product"),
    "bank_customer_group": ("kind", "customer_group"),
    "regulatory": ("kind", "regulatory_channel_id", "business_category_id", "reason_id"),
}
# The slices by the registering unit's ancestor at depths 1–3 that 0009 added: `<slice>@<depth>`.
SLICES_0009 = {
    f"{name}@{depth}": kept
    for depth in (1, 2, 3)
    for name, kept in SLICES_0006.items()
    if set(UNIT) <= set(kept)
}
GRAINS = ("day", "month")


def _none(dimension: str) -> object:
    return 0 if dimension.endswith("_id") else ""


def _ancestor(path: str | None, depth: int) -> tuple[int, str] | None:
    ids = (path or "").strip("/").split("/")
    if len(ids) <= depth:
        return None
    return int(ids[depth]), "/" + "/".join(ids[: depth + 1]) + "/"


def _ancestor_sql(connection, path: str, depth: int) -> tuple[str, str, str]:
    """The id and path of the unit at `depth` above the unit of `path`, and whether there is one."""
    if connection.vendor == "postgresql":
        return (
            f"CAST(split_part({path}, '/', {depth + 2}) AS integer)",
            f"array_to_string((string_to_array({path}, '/'))[1:{depth + 2}], '/') || '/'",
            f"split_part({path}, '/', {depth + 2}) <> ''",
        )
    raw = connection.connection
    raw.create_function("frozen_ancestor_id", 2, lambda p, d: (_ancestor(p, d) or (None,))[0])
    raw.create_function("frozen_ancestor_path", 2, lambda p, d: (_ancestor(p, d) or (None, None))[1])
    return (
        f"frozen_ancestor_id({path}, {depth})",
        f"frozen_ancestor_path({path}, {depth})",
        f"frozen_ancestor_id({path}, {depth}) IS NOT NULL",
    )


def fill_slices(schema_editor, slices: dict[str, tuple[str, ...]], source: str) -> None:
    """Each slice at each grain summed (INSERT … SELECT … GROUP BY) from `source`: a table or a sub-query of
    rows with every dimension and measure; a slice named `<slice>@<depth>` by the registering unit's
    ancestor at that depth."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("slice", "grain", *DIMENSIONS, *MEASURES))
    sums = ", ".join(f"SUM({quote(m)})" for m in MEASURES)
    for name, kept in slices.items():
        for grain in GRAINS:
            if grain == "day":
                day = quote("day")
            elif connection.vendor == "postgresql":
                day = f"CAST(DATE_TRUNC('month', {quote('day')}) AS date)"
            else:
                day = f"DATE({quote('day')}, 'start of month')"
            expressions = {d: quote(d) for d in DIMENSIONS[1:]}
            where = ""
            if "@" in name:
                depth = int(name.split("@")[1])
                unit_id, unit_path, exists = _ancestor_sql(connection, quote("unit_path"), depth)
                expressions["unit_id"], expressions["unit_path"] = unit_id, unit_path
                where = f" WHERE {exists}"
            selected, params = [], [name, grain]
            for dimension in DIMENSIONS[1:]:
                if dimension in kept:
                    selected.append(expressions[dimension])
                else:
                    selected.append("%s")
                    params.append(_none(dimension))
            group = ", ".join([day, *(expressions[d] for d in DIMENSIONS[1:] if d in kept)])
            schema_editor.execute(
                f"INSERT INTO reports_slicefigures ({columns}) SELECT %s, %s, {day}, {', '.join(selected)}, "
                f"{sums} FROM {source} AS source{where} GROUP BY {group}",
                params,
            )


def fill_buckets(schema_editor) -> None:
    """The bucket rows summed from the cases' figures (0006: the bucket had gained the person complained
    about)."""
    quote = schema_editor.connection.ops.quote_name
    key = ", ".join(quote(d) for d in DIMENSIONS)
    sums = ", ".join(f"SUM({quote(m)})" for m in MEASURES)
    columns = ", ".join(quote(m) for m in MEASURES)
    schema_editor.execute(
        f"INSERT INTO reports_dailyfigures ({key}, {columns}) "
        f"SELECT {key}, {sums} FROM reports_casefigures GROUP BY {key}"
    )


def less_pending(schema_editor) -> str:
    """The cases' figures less the changes not yet folded (0008): the new slices then take those changes at
    the next fold like every other slice, not twice."""
    quote = schema_editor.connection.ops.quote_name
    names = ", ".join(quote(c) for c in (*DIMENSIONS, *MEASURES))
    negated = ", ".join([*(quote(d) for d in DIMENSIONS), *(f"-{quote(m)} AS {quote(m)}" for m in MEASURES)])
    return f"(SELECT {names} FROM reports_casefigures UNION ALL SELECT {negated} FROM reports_figurechange)"
