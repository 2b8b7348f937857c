"""Importing the unit tree and its staff from a bank's own files (R11.3); the format is docs/import-org.md.

Every row of every sheet is checked before anything is written, and all errors are reported at once, each
naming its sheet, row and column. One bad row means nothing is changed. Re-importing the same file changes
nothing; an edited file updates names, contacts, roles and work group places, and adds what is new.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from redress.common.validators import InvalidValue, normalise_phone

from .choices import LEVEL_ORDER, DepartmentFunction, Role, UnitKind, WorkGroupPosition
from .models import Staff, Unit, WorkGroup
from .services import add_work_group_member, create_staff, create_unit, set_roles

UNITS = "units"
STAFF = "staff"
UNIT_COLUMNS = (
    "code",
    "name",
    "kind",
    "parent_code",
    "function",
    "head_name",
    "head_phone",
    "enquiry_name",
    "enquiry_phone",
)
UNIT_REQUIRED = ("code", "name", "kind")
STAFF_COLUMNS = (
    "username",
    "name",
    "unit_code",
    "roles",
    "phone",
    "email",
    "work_group",
    "work_group_position",
)
STAFF_REQUIRED = ("username", "name", "unit_code", "roles")
# Roles may be separated the way people type lists in either language.
_ROLE_SEPARATORS = re.compile(r"[;,；，、\s]+")
_USERNAME = UnicodeUsernameValidator()
# A unit has one complaint work group (投诉受理工作小组); import creates it under this name when missing.
WORK_GROUP_SUFFIX = "投诉受理工作小组"


class OrgFileError(ValueError):
    """A file that cannot be read as an organisation sheet at all (wrong type, no header, unknown sheet)."""


@dataclass
class Sheet:
    """One sheet's rows as text, keyed by lower-case column name, each with its spreadsheet row number."""

    kind: str  # UNITS or STAFF
    source: str  # file (and sheet) name, for messages
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class ImportResult:
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    staff_created: int = 0
    staff_updated: int = 0
    staff_unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- reading files


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores a phone number typed without a leading 0 as a float: 13812345678.0.
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheet_kind(columns: Iterable[str]) -> str | None:
    names = set(columns)
    if "username" in names:
        return STAFF
    if "code" in names:
        return UNITS
    return None


def _make_sheet(
    kind: str | None, source: str, header: list[object], body: Iterable[tuple[int, list[object]]]
) -> Sheet:
    columns = [_cell_text(c).lower() for c in header]
    kind = kind or _sheet_kind(columns)
    if kind is None:
        raise OrgFileError(
            _("%(source)s: the header has neither a “code” column (units) nor a “username” column (staff).")
            % {"source": source}
        )
    rows = []
    for number, values in body:
        cells = {columns[i]: _cell_text(v) for i, v in enumerate(values) if i < len(columns) and columns[i]}
        if any(cells.values()):
            rows.append((number, cells))
    return Sheet(kind=kind, source=source, columns=[c for c in columns if c], rows=rows)


def _decode(data: bytes) -> str:
    # Excel on a Chinese Windows saves "CSV" as GB18030 (GBK); everything else uses UTF-8.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_csv(path: Path | str, kind: str | None = None) -> Sheet:
    """One CSV file: a units or a staff sheet, told apart by its header unless `kind` is given."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())))
    try:
        header = next(reader)
    except StopIteration:
        raise OrgFileError(_("%(source)s: the file is empty.") % {"source": path.name}) from None
    return _make_sheet(kind, path.name, header, ((n, row) for n, row in enumerate(reader, start=2)))


def read_xlsx(path: Path | str) -> list[Sheet]:
    """A workbook with a sheet named `units` and/or a sheet named `staff`; other sheets are ignored."""
    from openpyxl import load_workbook

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a file that is not a workbook
        raise OrgFileError(_("%(source)s: not an Excel .xlsx workbook.") % {"source": path.name}) from exc
    sheets = []
    try:
        for ws in book.worksheets:
            kind = ws.title.strip().lower()
            if kind not in (UNITS, STAFF):
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            body = ((n, list(row)) for n, row in enumerate(rows, start=2))
            sheets.append(_make_sheet(kind, f"{path.name}[{ws.title}]", list(header), body))
    finally:
        book.close()
    if not sheets:
        raise OrgFileError(
            _("%(source)s: the workbook has no sheet named “units” or “staff”.") % {"source": path.name}
        )
    return sheets


def read_files(paths: Iterable[Path | str]) -> list[Sheet]:
    sheets: list[Sheet] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise OrgFileError(_("%(source)s: no such file.") % {"source": str(path)})
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            sheets.extend(read_xlsx(path))
        elif suffix in (".csv", ".txt"):
            sheets.append(read_csv(path))
        else:
            raise OrgFileError(_("%(source)s: give a .csv or .xlsx file.") % {"source": path.name})
    return sheets


# ---------------------------------------------------------------- checking


@dataclass
class _UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    function: str
    head_name: str
    head_phone: str
    enquiry_name: str
    enquiry_phone: str


@dataclass
class _StaffRow:
    row: int
    username: str
    name: str
    unit_code: str
    roles: list[str]
    phone: str
    email: str
    work_group: str
    work_group_position: str


class _Errors(list[str]):
    def add(self, sheet: str, row: int, message: str) -> None:
        self.append(
            _("%(sheet)s row %(row)d: %(message)s") % {"sheet": sheet, "row": row, "message": message}
        )


def _check_columns(
    sheet: Sheet, allowed: tuple[str, ...], required: tuple[str, ...], errors: _Errors
) -> bool:
    unknown = [c for c in sheet.columns if c not in allowed]
    missing = [c for c in required if c not in sheet.columns]
    if unknown:
        errors.append(
            _("%(source)s: unknown column(s) %(columns)s; the columns are %(allowed)s.")
            % {"source": sheet.source, "columns": ", ".join(unknown), "allowed": ", ".join(allowed)}
        )
    if missing:
        errors.append(
            _("%(source)s: missing column(s) %(columns)s.")
            % {"source": sheet.source, "columns": ", ".join(missing)}
        )
    return not unknown and not missing


def _phone(value: str, column: str, sheet: str, row: int, errors: _Errors) -> str:
    if not value:
        return ""
    try:
        return normalise_phone(value)
    except InvalidValue as exc:
        errors.add(sheet, row, f"{column} {value}: {exc}")
        return ""


def _too_long(
    values: Mapping[str, str], limits: Mapping[str, int], sheet: str, row: int, errors: _Errors
) -> None:
    for column, limit in limits.items():
        if len(values.get(column, "")) > limit:
            errors.add(
                sheet,
                row,
                _("%(column)s is longer than %(limit)d characters.") % {"column": column, "limit": limit},
            )


def _check_units(rows: list[tuple[int, dict[str, str]]], errors: _Errors) -> list[_UnitRow]:
    sheet = UNITS
    parsed: list[_UnitRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {c: cells.get(c, "").strip() for c in UNIT_COLUMNS}
        before = len(errors)
        for column in UNIT_REQUIRED:
            if not values[column]:
                errors.add(sheet, number, _("%(column)s is empty.") % {"column": column})
        _too_long(
            values, {"code": 32, "name": 128, "head_name": 64, "enquiry_name": 64}, sheet, number, errors
        )
        code, kind, function = values["code"], values["kind"], values["function"]
        if code and code in seen:
            errors.add(
                sheet,
                number,
                _("code %(code)s appears again (first in row %(first)d).")
                % {"code": code, "first": seen[code]},
            )
        elif code:
            seen[code] = number
        if kind and kind not in UnitKind.values:
            errors.add(
                sheet,
                number,
                _("kind %(kind)s is not one of %(choices)s.")
                % {"kind": kind, "choices": ", ".join(UnitKind.values)},
            )
        if kind == UnitKind.DEPARTMENT:
            if not function:
                errors.add(sheet, number, _("a department needs a function."))
            elif function not in DepartmentFunction.values:
                errors.add(
                    sheet,
                    number,
                    _("function %(function)s is not one of %(choices)s.")
                    % {"function": function, "choices": ", ".join(DepartmentFunction.values)},
                )
        elif function:
            errors.add(sheet, number, _("only a department has a function."))
        if kind == UnitKind.HEAD_OFFICE and values["parent_code"]:
            errors.add(sheet, number, _("the head office has no parent unit."))
        if kind and kind != UnitKind.HEAD_OFFICE and not values["parent_code"]:
            errors.add(sheet, number, _("parent_code is empty: every unit but the head office has a parent."))
        if values["parent_code"] and values["parent_code"] == code:
            errors.add(sheet, number, _("a unit cannot be its own parent."))
        head_phone = _phone(values["head_phone"], "head_phone", sheet, number, errors)
        enquiry_phone = _phone(values["enquiry_phone"], "enquiry_phone", sheet, number, errors)
        if len(errors) == before:
            parsed.append(
                _UnitRow(
                    row=number,
                    code=code,
                    name=values["name"],
                    kind=kind,
                    parent_code=values["parent_code"],
                    function=function,
                    head_name=values["head_name"],
                    head_phone=head_phone,
                    enquiry_name=values["enquiry_name"],
                    enquiry_phone=enquiry_phone,
                )
            )
    return parsed


def _check_tree(
    units: list[_UnitRow], declared: dict[str, str], existing: dict[str, Unit], errors: _Errors
) -> None:
    """Parents exist (in the file, in any order, or in the database already) and sit above their children."""

    def kind_of(code: str) -> str | None:
        if code in declared:
            return declared[code]
        return existing[code].kind if code in existing else None

    for u in units:
        old = existing.get(u.code)
        if old is not None:
            old_parent = old.parent.code if old.parent else ""
            if old.kind != u.kind:
                errors.add(
                    UNITS,
                    u.row,
                    _("unit %(code)s exists as a %(old)s; import does not change a unit's kind.")
                    % {"code": u.code, "old": old.kind},
                )
            if old_parent != u.parent_code:
                errors.add(
                    UNITS,
                    u.row,
                    _("unit %(code)s exists under %(old)s; import does not move units.")
                    % {"code": u.code, "old": old_parent or "-"},
                )
        if u.kind == UnitKind.HEAD_OFFICE:
            other = next(
                (e for c, e in existing.items() if e.kind == UnitKind.HEAD_OFFICE and c != u.code), None
            )
            if other is not None:
                errors.add(UNITS, u.row, _("the head office is already %(code)s.") % {"code": other.code})
            continue
        if not u.parent_code:
            continue
        parent_kind = kind_of(u.parent_code)
        if parent_kind is None:
            errors.add(UNITS, u.row, _("parent_code %(code)s is not a known unit.") % {"code": u.parent_code})
            continue
        if parent_kind == UnitKind.DEPARTMENT:
            errors.add(
                UNITS,
                u.row,
                _("parent_code %(code)s is a department; departments have no units under them.")
                % {"code": u.parent_code},
            )
        elif u.kind != UnitKind.DEPARTMENT and LEVEL_ORDER[parent_kind] <= LEVEL_ORDER[u.kind]:
            errors.add(
                UNITS,
                u.row,
                _("a %(kind)s cannot sit under %(code)s, a %(parent)s.")
                % {"kind": u.kind, "code": u.parent_code, "parent": parent_kind},
            )
    heads = [u for u in units if u.kind == UnitKind.HEAD_OFFICE]
    for extra in heads[1:]:
        errors.add(
            UNITS, extra.row, _("only one head office: %(code)s is given first.") % {"code": heads[0].code}
        )


def _check_staff(
    rows: list[tuple[int, dict[str, str]]],
    unit_kinds: dict[str, str],
    existing: dict[str, Staff],
    errors: _Errors,
) -> list[_StaffRow]:
    sheet = STAFF
    parsed: list[_StaffRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {c: cells.get(c, "").strip() for c in STAFF_COLUMNS}
        before = len(errors)
        for column in STAFF_REQUIRED:
            if not values[column]:
                errors.add(sheet, number, _("%(column)s is empty.") % {"column": column})
        _too_long(values, {"username": 150, "name": 64, "email": 254}, sheet, number, errors)
        username = values["username"]
        if username:
            try:
                _USERNAME(username)
            except ValidationError:
                errors.add(
                    sheet,
                    number,
                    _("username %(u)s may hold only letters, digits and @ . + - _.") % {"u": username},
                )
            if username in seen:
                errors.add(
                    sheet,
                    number,
                    _("username %(u)s appears again (first in row %(first)d).")
                    % {"u": username, "first": seen[username]},
                )
            else:
                seen[username] = number
            if username in existing and existing[username].is_demo:
                errors.add(
                    sheet,
                    number,
                    _("username %(u)s is a demo user; choose another username.") % {"u": username},
                )
        unit_code = values["unit_code"]
        if unit_code and unit_code not in unit_kinds:
            errors.add(sheet, number, _("unit_code %(code)s is not a known unit.") % {"code": unit_code})
        roles = [r for r in _ROLE_SEPARATORS.split(values["roles"]) if r]
        unknown = [r for r in roles if r not in Role.values]
        if unknown:
            errors.add(
                sheet,
                number,
                _("unknown role(s) %(roles)s; the roles are %(choices)s.")
                % {"roles": ", ".join(unknown), "choices": ", ".join(Role.values)},
            )
        phone = _phone(values["phone"], "phone", sheet, number, errors)
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                errors.add(
                    sheet, number, _("email %(email)s is not an e-mail address.") % {"email": values["email"]}
                )
        group, position = values["work_group"], values["work_group_position"]
        if group:
            if group not in unit_kinds:
                errors.add(sheet, number, _("work_group %(code)s is not a known unit.") % {"code": group})
            elif unit_kinds[group] == UnitKind.DEPARTMENT:
                errors.add(
                    sheet,
                    number,
                    _("work_group %(code)s is a department; work groups belong to a level's unit.")
                    % {"code": group},
                )
            position = position or WorkGroupPosition.MEMBER
            if position not in WorkGroupPosition.values:
                errors.add(
                    sheet,
                    number,
                    _("work_group_position %(p)s is not one of %(choices)s.")
                    % {"p": position, "choices": ", ".join(WorkGroupPosition.values)},
                )
        elif position:
            errors.add(sheet, number, _("work_group_position is given without a work_group."))
        if len(errors) == before:
            parsed.append(
                _StaffRow(
                    row=number,
                    username=username,
                    name=values["name"],
                    unit_code=unit_code,
                    roles=sorted(set(roles)),
                    phone=phone,
                    email=values["email"],
                    work_group=group,
                    work_group_position=position,
                )
            )
    return parsed


# ---------------------------------------------------------------- writing


def _parents_first(units: list[_UnitRow]) -> list[_UnitRow]:
    by_code = {u.code: u for u in units}
    ordered: list[_UnitRow] = []
    placed: set[str] = set()

    def place(u: _UnitRow) -> None:
        if u.code in placed:
            return
        if u.parent_code in by_code:
            place(by_code[u.parent_code])
        placed.add(u.code)
        ordered.append(u)

    for u in units:
        place(u)
    return ordered


_UNIT_FIELDS = ("name", "function", "head_name", "head_phone", "enquiry_name", "enquiry_phone")


def _write_unit(u: _UnitRow, units: dict[str, Unit], result: ImportResult) -> None:
    old = units.get(u.code)
    wanted = {f: getattr(u, f) for f in _UNIT_FIELDS}
    if old is None:
        units[u.code] = create_unit(code=u.code, kind=u.kind, parent=units.get(u.parent_code), **wanted)
        result.units_created += 1
        return
    changed = {f: v for f, v in wanted.items() if getattr(old, f) != v}
    if changed:
        # Names and contacts leave the tree's paths and levels alone, so a plain update keeps them right.
        Unit.objects.filter(pk=old.pk).update(**changed)
        for f, v in changed.items():
            setattr(old, f, v)
        result.units_updated += 1
    else:
        result.units_unchanged += 1


def _work_group(unit: Unit, groups: dict[int, WorkGroup]) -> WorkGroup:
    if unit.pk not in groups:
        group = WorkGroup.objects.filter(unit=unit).order_by("id").first()
        groups[unit.pk] = group or WorkGroup.objects.create(unit=unit, name=f"{unit.name}{WORK_GROUP_SUFFIX}")
    return groups[unit.pk]


def _write_staff(
    s: _StaffRow, units: dict[str, Unit], existing: dict[str, Staff], groups: dict[int, WorkGroup]
) -> str:
    unit = units[s.unit_code]
    staff = existing.get(s.username)
    if staff is None:
        staff = create_staff(
            username=s.username, name=s.name, unit=unit, roles=s.roles, phone=s.phone, email=s.email
        )
        outcome = "created"
    else:
        outcome = "unchanged"
        wanted = {
            "name": s.name,
            "unit_id": unit.pk,
            "phone": s.phone,
            "email": s.email,
            # As create_staff: the administrator role is what opens Django's admin site.
            "is_staff": Role.ADMIN in s.roles,
            "is_superuser": Role.ADMIN in s.roles,
        }
        changed = {f: v for f, v in wanted.items() if getattr(staff, f) != v}
        if changed:
            Staff.objects.filter(pk=staff.pk).update(**changed)
            outcome = "updated"
        if set(staff.roles) != set(s.roles):
            set_roles(staff, s.roles)
            outcome = "updated"
    if s.work_group:
        group = _work_group(units[s.work_group], groups)
        membership = group.memberships.filter(staff=staff).first()
        if membership is None or membership.position != s.work_group_position:
            add_work_group_member(group, staff, s.work_group_position)
            if outcome == "unchanged":
                outcome = "updated"
    return outcome


def import_sheets(sheets: list[Sheet], *, dry_run: bool = False) -> ImportResult:
    """Check every row of the sheets; if all are good (and not a dry run), write them in one transaction."""
    result = ImportResult(dry_run=dry_run)
    errors = _Errors()
    unit_rows: list[tuple[int, dict[str, str]]] = []
    staff_rows: list[tuple[int, dict[str, str]]] = []
    for sheet in sheets:
        if sheet.kind == UNITS and _check_columns(sheet, UNIT_COLUMNS, UNIT_REQUIRED, errors):
            unit_rows.extend(sheet.rows)
        elif sheet.kind == STAFF and _check_columns(sheet, STAFF_COLUMNS, STAFF_REQUIRED, errors):
            staff_rows.extend(sheet.rows)

    existing_units = {u.code: u for u in Unit.objects.select_related("parent")}
    units = _check_units(unit_rows, errors)
    # Units named in the file count as known even when their own row is bad, so that one mistake is
    # reported once, at its row, and not again at every row that refers to that unit.
    declared = {
        cells["code"].strip(): cells.get("kind", "").strip()
        for _n, cells in unit_rows
        if cells.get("code", "").strip() and cells.get("kind", "").strip() in UnitKind.values
    }
    _check_tree(units, declared, existing_units, errors)
    unit_kinds = {code: u.kind for code, u in existing_units.items()} | declared
    usernames = {cells.get("username", "").strip() for _n, cells in staff_rows}
    existing_staff = {s.username: s for s in Staff.objects.filter(username__in=usernames)}
    staff = _check_staff(staff_rows, unit_kinds, existing_staff, errors)

    if errors:
        result.errors = list(errors)
        return result
    with transaction.atomic():
        for u in _parents_first(units):
            _write_unit(u, existing_units, result)
        groups: dict[int, WorkGroup] = {}
        for s in staff:
            outcome = _write_staff(s, existing_units, existing_staff, groups)
            setattr(result, f"staff_{outcome}", getattr(result, f"staff_{outcome}") + 1)
        if dry_run:
            # The dry run goes through every write so that it proves the writes work, then undoes them.
            transaction.set_rollback(True)
    return result


def import_files(paths: Iterable[Path | str], *, dry_run: bool = False) -> ImportResult:
    """Read the files (see read_files) and import them; an unreadable file is reported as an error."""
    try:
        sheets = read_files(paths)
    except (OrgFileError, OSError) as exc:
        return ImportResult(errors=[str(exc)], dry_run=dry_run)
    return import_sheets(sheets, dry_run=dry_run)
