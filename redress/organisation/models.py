"""The bank's unit tree, its people and their work groups (R1)."""

from __future__ import annotations

import copy
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from redress.common.reference import VersionedCache

from .choices import LEVEL_ORDER, DepartmentFunction, Level, Role, UnitKind, WorkGroupPosition

# The units above a unit, by its path: read on every escalation and notice, changed with the tree.
_ancestors: VersionedCache[str, list[Unit]] = VersionedCache("organisation")


class Unit(models.Model):
    """One node of the unit tree.

    `path` is a materialised path of ids (`/1/4/17/`), so a subtree is one indexed prefix match
    (`path LIKE '/1/4/%'`) at any depth, with no recursive query.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    function = models.CharField(
        _("function"), max_length=32, choices=DepartmentFunction.choices, blank=True, default=""
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="", db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, editable=False)
    # The outlet's published contacts (R1.3): shown wherever a complaint about it is handled.
    head_name = models.CharField(_("head"), max_length=64, blank=True, default="")
    head_phone = models.CharField(_("head's phone"), max_length=32, blank=True, default="")
    enquiry_name = models.CharField(_("enquiry contact"), max_length=64, blank=True, default="")
    enquiry_phone = models.CharField(_("enquiry phone"), max_length=32, blank=True, default="")
    province_code = models.CharField(max_length=32, editable=False, default="", blank=True)
    # Day-counted deadlines end at this local time on their last day; empty means 24:00 (end of day).
    close_of_business = models.TimeField(_("close of business"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under any collation.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_department(self) -> bool:
        return self.kind == UnitKind.DEPARTMENT

    def ancestors(self) -> models.QuerySet[Unit]:
        """Units above this one, top first: one query on the ids in the path."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Unit.objects.filter(id__in=ids[:-1]).order_by("depth")

    def at_level(self, level: str) -> Unit | None:
        """The unit at `level` on the way up from this one (itself included), departments giving way to the
        unit they belong to; None if the tree has none there (e.g. asked below this unit's own level)."""
        if LEVEL_ORDER[level] < LEVEL_ORDER[self.level]:
            return None
        if self.level == level and not self.is_department:
            return self
        # Read once per unit object (a request's): an escalation and the notice about it climb from the same
        # unit, and a unit moves in the tree rarely enough that a request may keep the path it started with.
        if "_ancestor_units" not in self.__dict__:
            # From the per-process cache of the tree (redress.common.reference), each caller its own copies.
            shared = _ancestors.get(self.path, lambda _: list(self.ancestors()))
            self.__dict__["_ancestor_units"] = [copy.copy(unit) for unit in shared]
        for ancestor in reversed(self.__dict__["_ancestor_units"]):
            if ancestor.level == level and not ancestor.is_department:
                return ancestor
        return None

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)


class StaffManager(UserManager):
    def get_by_natural_key(self, username: str) -> Staff:
        return self.get(username=username)


class Staff(AbstractUser):
    """A person of the bank. Every staff member belongs to one unit and holds one or more roles."""

    name = models.CharField(_("name"), max_length=64)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    # Demo users may log in only while the deployment runs in demo mode.
    is_demo = models.BooleanField(default=False, editable=False)
    # The actor of automatic actions (triggers, the sweeper): never logs in, holds no role.
    is_system = models.BooleanField(default=False, editable=False)

    objects = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name or self.username} ({self.username})"

    @cached_property
    def roles(self) -> frozenset[str]:
        """The staff member's role identifiers, read once per request (the object lives one request). The
        system actor has none: it acts by rule (the system transitions), never by a role."""
        if self.is_system:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_all_cases(self) -> bool:
        return self.has_role(Role.SUPERVISION_OFFICE, Role.ADMIN, Role.AUDITOR)

    @property
    def is_read_only(self) -> bool:
        return self.roles == {Role.AUDITOR}


class StaffRole(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]
        indexes = [models.Index(fields=["role"], name="staff_role_role_idx")]

    def __str__(self) -> str:
        return f"{self.staff.username}: {self.role}"


class WorkGroup(models.Model):
    """A complaint work group (投诉受理工作小组) of one unit; its members are told and act at its level."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="work_groups"
    )
    name = models.CharField(_("name"), max_length=128)
    members = models.ManyToManyField(Staff, through="WorkGroupMember", related_name="work_groups")

    class Meta:
        verbose_name = _("work group")
        verbose_name_plural = _("work groups")
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="work_group_unit_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        return self.unit.level


class WorkGroupMember(models.Model):
    group = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="memberships")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="work_group_memberships")
    position = models.CharField(
        _("position"), max_length=16, choices=WorkGroupPosition.choices, default=WorkGroupPosition.MEMBER
    )

    class Meta:
        verbose_name = _("work group member")
        verbose_name_plural = _("work group members")
        constraints = [models.UniqueConstraint(fields=["group", "staff"], name="work_group_member_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.staff} ({self.position})"


class Absence(models.Model):
    """A leader away (leave, a business trip) and who stands in (P3 第八条(二)): while it lasts, what would go
    to the leader for instruction goes to the one standing in — the principal leader when the leader in
    charge is away."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("who is away"), on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField(_("away from"))
    ends_on = models.DateField(_("until (inclusive)"))
    stands_in = models.ForeignKey(
        Staff, verbose_name=_("stands in"), on_delete=models.PROTECT, related_name="standing_in_for"
    )
    note = models.CharField(_("note"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"
