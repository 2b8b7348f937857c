"""Named constants of the organisation, with their zh-Hans / English labels (GLOSSARY.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    HEAD_OFFICE = "head_office", _("head office")
    PROVINCE = "province", _("provincial branch")
    BRANCH = "branch", _("branch")
    SUB_BRANCH = "sub_branch", _("sub-branch")
    OUTLET = "outlet", _("outlet")
    DEPARTMENT = "department", _("department")


class Level(models.TextChoices):
    """Escalation levels, lowest first. A department sits at the level of its parent unit."""

    OUTLET = "outlet", _("outlet")
    SUB_BRANCH = "sub_branch", _("sub-branch")
    BRANCH = "branch", _("branch")
    PROVINCE = "province", _("provincial branch")
    HEAD_OFFICE = "head_office", _("head office")


LEVEL_ORDER: dict[str, int] = {level.value: rank for rank, level in enumerate(Level)}


def level_above(level: str) -> str | None:
    """The next level up (outlet → sub_branch → … → head_office); None above head office."""
    ranks = list(Level)
    index = LEVEL_ORDER[level]
    return ranks[index + 1].value if index + 1 < len(ranks) else None


class DepartmentFunction(models.TextChoices):
    PERSONAL_BANKING = "personal_banking", _("personal banking")
    CORPORATE = "corporate", _("corporate banking")
    INTERNATIONAL_SETTLEMENT = "international_settlement", _("international settlement")
    OPERATIONS = "operations", _("operations")
    IT = "it", _("IT")
    UNION = "union", _("union")
    GENERAL_OFFICE = "general_office", _("general office")
    SUPERVISION_OFFICE = "supervision_office", _("supervision office")
    LEGAL = "legal", _("legal counsel")
    SECURITY = "security", _("security")
    OTHER = "other", _("other department")


class Role(models.TextChoices):
    OUTLET_STAFF = "outlet_staff", _("outlet staff")
    OUTLET_HEAD = "outlet_head", _("outlet head")
    LOBBY_MANAGER = "lobby_manager", _("lobby manager")
    HANDLER = "handler", _("handler")
    WORK_GROUP = "work_group", _("work group member")
    WORK_GROUP_LEADER = "work_group_leader", _("work group leader")
    SUPERVISION_OFFICE = "supervision_office", _("supervision office")
    LEADER_IN_CHARGE = "leader_in_charge", _("leader in charge")
    LEGAL = "legal", _("legal counsel")
    SPOKESPERSON = "spokesperson", _("spokesperson")
    AUDITOR = "auditor", _("auditor")
    ADMIN = "admin", _("administrator")


class WorkGroupPosition(models.TextChoices):
    LEADER = "leader", _("leader")
    DEPUTY = "deputy", _("deputy leader")
    MEMBER = "member", _("member")
