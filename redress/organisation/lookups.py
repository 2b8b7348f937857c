"""Units and staff by their codes and usernames, from a per-process cache kept true by the organisation's
reference token (redress.common.reference): registration names them on every request, the tree changes
rarely. Each caller gets its own copy of the record."""

from __future__ import annotations

from redress.common.reference import VersionedCache

from .models import Staff, Unit, WorkGroupMember

_units: VersionedCache[str, Unit | None] = VersionedCache("organisation", copies=True)
_staff: VersionedCache[str, Staff | None] = VersionedCache("organisation", copies=True)
_work_groups: VersionedCache[int, tuple[tuple[str, str], ...]] = VersionedCache("organisation")
_top: VersionedCache[str, str | None] = VersionedCache("organisation")


def active_unit(code: str) -> Unit | None:
    """The active unit with this code, or None."""
    return _units.get(code, lambda c: Unit.objects.filter(code=c, active=True).first())


def staff_member(username: str) -> Staff | None:
    """The staff member with this username (active or not, with their unit), or None."""
    return _staff.get(username, lambda u: Staff.objects.filter(username=u).select_related("unit").first())


def work_group_scopes(staff_id: int) -> tuple[tuple[str, str], ...]:
    """(unit path, level) of every work group the staff member is a member of (most are in none)."""
    return _work_groups.get(
        staff_id,
        lambda pk: tuple(
            WorkGroupMember.objects.filter(staff_id=pk).values_list("group__unit__path", "group__unit__level")
        ),
    )


def whole_bank_path() -> str | None:
    """The path of the bank's one top unit, under which every unit lies; None without a single top."""

    def load(_key: str) -> str | None:
        tops = list(Unit.objects.filter(parent__isnull=True).values_list("path", flat=True)[:2])
        return tops[0] if len(tops) == 1 else None

    return _top.get("top", load)
