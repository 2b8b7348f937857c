"""Writes to the organisation go through these functions: they keep the tree's paths and levels right."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from redress.common.errors import FieldErrors

from .choices import Level, Role, UnitKind
from .models import Staff, StaffRole, Unit, WorkGroup, WorkGroupMember

_LEVEL_KINDS = {level.value for level in Level}


def unit_level(kind: str, parent: Unit | None) -> str:
    """A unit's escalation level: its own kind, or for a department the level of the unit it belongs to."""
    if kind in _LEVEL_KINDS:
        return kind
    if parent is None:
        return Level.HEAD_OFFICE
    return parent.level


def _province_code(kind: str, code: str, parent: Unit | None) -> str:
    if kind == UnitKind.PROVINCE:
        return code
    return parent.province_code if parent else ""


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    function: str = "",
    head_name: str = "",
    head_phone: str = "",
    enquiry_name: str = "",
    enquiry_phone: str = "",
) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        function=function,
        head_name=head_name,
        head_phone=head_phone,
        enquiry_name=enquiry_name,
        enquiry_phone=enquiry_phone,
        depth=(parent.depth + 1) if parent else 0,
        level=unit_level(kind, parent),
        province_code=_province_code(kind, code, parent),
    )
    unit.save()
    # The path holds the unit's own id, known only after the insert.
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    return unit


@transaction.atomic
def create_staff(
    *,
    username: str,
    name: str,
    unit: Unit | None,
    roles: Iterable[str],
    password: str | None = None,
    phone: str = "",
    email: str = "",
    is_demo: bool = False,
) -> Staff:
    staff = Staff(username=username, name=name, unit=unit, phone=phone, email=email, is_demo=is_demo)
    if password:
        # The bank's password rules (AUTH_PASSWORD_VALIDATORS) hold for every real account, whoever makes it;
        # demo users (password `demo`) log in only in demo mode.
        if not is_demo:
            try:
                validate_password(password, user=staff)
            except DjangoValidationError as exc:
                raise FieldErrors({"password": list(exc.messages)}) from None
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.is_staff = Role.ADMIN in set(roles)
    staff.is_superuser = staff.is_staff
    staff.save()
    set_roles(staff, roles)
    return staff


@transaction.atomic
def set_roles(staff: Staff, roles: Iterable[str]) -> None:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise FieldErrors({"roles": [f"unknown role: {', '.join(sorted(unknown))}"]})
    StaffRole.objects.filter(staff=staff).exclude(role__in=wanted).delete()
    have = set(StaffRole.objects.filter(staff=staff).values_list("role", flat=True))
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in sorted(wanted - have)])
    staff.__dict__.pop("roles", None)


def add_work_group_member(group: WorkGroup, staff: Staff, position: str) -> WorkGroupMember:
    member, _ = WorkGroupMember.objects.update_or_create(
        group=group, staff=staff, defaults={"position": position}
    )
    return member


SYSTEM_USERNAME = "redress-system"


def system_actor() -> Staff:
    """The staff record automatic actions are attributed to (created on first use, unusable password)."""
    from .lookups import staff_member

    known = staff_member(SYSTEM_USERNAME)
    if known is not None:
        return known
    staff, created = Staff.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"name": "Redress 自动规则", "is_system": True}
    )
    if created:
        staff.set_unusable_password()
        staff.save(update_fields=["password"])
    return staff
