"""Units and staff: anyone signed in may read the organisation; only administrators change it."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from redress.common.errors import FieldErrors
from redress.common.schemas import param_example
from redress.common.text import Text
from redress.common.validators import InvalidValue, normalise_phone
from redress.organisation.choices import DepartmentFunction, Role, UnitKind
from redress.organisation.models import Staff, Unit
from redress.organisation.services import create_staff, create_unit

from .errors import forbidden
from .schemas import BODY_REFUSALS, ErrorOut

router = Router(tags=["organisation"])


def _require_admin(staff: Staff) -> None:
    if not staff.has_role(Role.ADMIN):
        raise forbidden()


def _choose_one(choices: list[str]) -> str:
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}


# ---- units --------------------------------------------------------------------------------------------


class UnitIn(Schema):
    # A new outlet under a sub-branch of the demo bank (WH01: 武汉江汉支行).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "WH0104",
                    "name": "武汉汉口火车站支行",
                    "kind": "outlet",
                    "parent": "WH01",
                    "head_name": "陈志刚",
                    "head_phone": "13907161234",
                    "enquiry_name": "刘婷婷",
                    "enquiry_phone": "02785561234",
                }
            ]
        }
    )

    code: Text = Field(max_length=32)
    name: Text = Field(max_length=128)
    kind: Text
    parent: Text | None = Field(None, description="Parent unit's code; none only for the head office")
    function: Text = Field("", description="A department's function")
    head_name: Text = Field("", max_length=64)
    head_phone: Text = ""
    enquiry_name: Text = Field("", max_length=64)
    enquiry_phone: Text = ""


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    level: str
    function: str
    head_name: str
    head_phone: str
    enquiry_name: str
    enquiry_phone: str


class UnitFilters(Schema):
    parent: str | None = Field(
        None,
        description="Only the direct children of the unit with this code",
        json_schema_extra=param_example("WH01"),
    )


def unit_out(unit: Unit, parent_code: str | None) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": parent_code,
        "level": unit.level,
        "function": unit.function,
        "head_name": unit.head_name,
        "head_phone": unit.head_phone,
        "enquiry_name": unit.enquiry_name,
        "enquiry_phone": unit.enquiry_phone,
    }


@router.get(
    "/units",
    response={200: list[UnitOut], 401: ErrorOut, 422: ErrorOut},
    summary="Units, top of the tree first",
)
def list_units(request: HttpRequest, filters: Query[UnitFilters]):
    units = Unit.objects.select_related("parent").order_by("path")
    if filters.parent:
        if not Unit.objects.filter(code=filters.parent).exists():
            raise FieldErrors({"parent": [_("No unit has the code “%(code)s”.") % {"code": filters.parent}]})
        units = units.filter(parent__code=filters.parent)
    return [unit_out(u, u.parent.code if u.parent_id else None) for u in units]


def _check_unit(payload: UnitIn) -> tuple[Unit | None, dict[str, str]]:
    """The parent unit and the normalised phones, or FieldErrors naming every bad field."""
    errors: dict[str, list[str]] = {}
    required = _("This field is required.")
    code = payload.code.strip()
    if not code:
        errors["code"] = [required]
    elif Unit.objects.filter(code=code).exists():
        errors["code"] = [_("A unit with the code “%(code)s” already exists.") % {"code": code}]
    if not payload.name.strip():
        errors["name"] = [required]
    if payload.kind not in UnitKind.values:
        errors["kind"] = [_choose_one(UnitKind.values)]
    if payload.function and payload.function not in DepartmentFunction.values:
        errors["function"] = [_choose_one(DepartmentFunction.values)]
    parent = None
    if payload.parent:
        parent = Unit.objects.filter(code=payload.parent).first()
        if parent is None:
            errors["parent"] = [_("No unit has the code “%(code)s”.") % {"code": payload.parent}]
    elif payload.kind != UnitKind.HEAD_OFFICE:
        errors["parent"] = [required]
    phones = {}
    for name in ("head_phone", "enquiry_phone"):
        raw = getattr(payload, name).strip()
        phones[name] = ""
        if raw:
            try:
                phones[name] = normalise_phone(raw)
            except InvalidValue as exc:
                errors[name] = [str(exc)]
    if errors:
        raise FieldErrors(errors)
    return parent, phones


@router.post(
    "/units",
    response={201: UnitOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Add a unit (admin)",
)
def add_unit(request: HttpRequest, payload: UnitIn):
    _require_admin(request.auth)
    parent, phones = _check_unit(payload)
    unit = create_unit(
        code=payload.code.strip(),
        name=payload.name.strip(),
        kind=payload.kind,
        parent=parent,
        function=payload.function,
        head_name=payload.head_name.strip(),
        enquiry_name=payload.enquiry_name.strip(),
        **phones,
    )
    return Status(201, unit_out(unit, parent.code if parent else None))


# ---- staff --------------------------------------------------------------------------------------------


# The schema's example of a new account's password (bandit: B105).
EXAMPLE_PASSWORD = "a long passphrase"  # nosec B105


class StaffIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "lobby1",
                    "name": "周晓燕",
                    "unit": "WH0101",
                    "roles": ["lobby_manager"],
                    "password": EXAMPLE_PASSWORD,
                }
            ]
        }
    )

    username: Text = Field(max_length=150)
    name: Text = Field(max_length=64)
    unit: Text = Field(description="Unit code")
    roles: list[Text] = Field(description="Role identifiers (GLOSSARY.md)")
    password: str


class StaffOut(Schema):
    username: str
    name: str
    unit: str | None
    roles: list[str]


class StaffFilters(Schema):
    unit: str | None = Field(
        None, description="Only staff of the unit with this code", json_schema_extra=param_example("WH0101")
    )


def staff_out(staff: Staff, unit_code: str | None, roles: list[str]) -> dict:
    return {"username": staff.username, "name": staff.name, "unit": unit_code, "roles": sorted(roles)}


@router.get("/staff", response={200: list[StaffOut], 401: ErrorOut, 422: ErrorOut}, summary="Staff")
def list_staff(request: HttpRequest, filters: Query[StaffFilters]):
    people = Staff.objects.filter(is_active=True).select_related("unit").prefetch_related("role_grants")
    if filters.unit:
        if not Unit.objects.filter(code=filters.unit).exists():
            raise FieldErrors({"unit": [_("No unit has the code “%(code)s”.") % {"code": filters.unit}]})
        people = people.filter(unit__code=filters.unit)
    return [
        staff_out(s, s.unit.code if s.unit_id else None, [g.role for g in s.role_grants.all()])
        for s in people.order_by("username")
    ]


def _check_staff(payload: StaffIn) -> Unit:
    errors: dict[str, list[str]] = {}
    required = _("This field is required.")
    username = payload.username.strip()
    if not username:
        errors["username"] = [required]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except DjangoValidationError as exc:
            errors["username"] = list(exc.messages)
        if Staff.objects.filter(username=username).exists():
            errors.setdefault("username", []).append(
                _("A staff member with the username “%(u)s” already exists.") % {"u": username}
            )
    if not payload.name.strip():
        errors["name"] = [required]
    unit = Unit.objects.filter(code=payload.unit).first() if payload.unit else None
    if unit is None:
        errors["unit"] = (
            [_("No unit has the code “%(code)s”.") % {"code": payload.unit}] if payload.unit else [required]
        )
    unknown = sorted(set(payload.roles) - set(Role.values))
    if not payload.roles:
        errors["roles"] = [required]
    elif unknown:
        errors["roles"] = [
            _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)} + " " + _choose_one(Role.values)
        ]
    try:
        validate_password(payload.password, user=Staff(username=username, name=payload.name))
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise FieldErrors(errors)
    return unit


@router.post(
    "/staff",
    response={201: StaffOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, **BODY_REFUSALS},
    summary="Add a staff member (admin)",
)
def add_staff(request: HttpRequest, payload: StaffIn):
    _require_admin(request.auth)
    unit = _check_staff(payload)
    staff = create_staff(
        username=payload.username.strip(),
        name=payload.name.strip(),
        unit=unit,
        roles=payload.roles,
        password=payload.password,
    )
    return Status(201, staff_out(staff, unit.code, list(set(payload.roles))))
