"""Who may take an action on a case (R2.6, R3, R5.1, R6): plain predicates of (user, case), named for the
people of the procedures. An action's declaration names one; `can_act` (the machine) comes first for all."""

from __future__ import annotations

from redress.access.visibility import in_work_group_scope
from redress.cases.models import Case
from redress.organisation.choices import Role
from redress.organisation.models import Staff

REVIEWER_ROLES = frozenset(
    {
        Role.OUTLET_HEAD,
        Role.LOBBY_MANAGER,
        Role.WORK_GROUP,
        Role.WORK_GROUP_LEADER,
        Role.SUPERVISION_OFFICE,
        Role.LEADER_IN_CHARGE,
        Role.ADMIN,
    }
)


def in_subtree(user: Staff, path: str) -> bool:
    return bool(user.unit_id and path and path.startswith(user.unit.path))


def sees_all(user: Staff) -> bool:
    return user.has_role(Role.SUPERVISION_OFFICE, Role.ADMIN)


def first_responder(user: Staff, case: Case) -> bool:
    return case.first_responder_id == user.pk


def reviewer(user: Staff, case: Case) -> bool:
    """Review and route: the first responder, or a reviewer role over the accepting or holding unit."""
    if first_responder(user, case) or sees_all(user):
        return True
    return user.has_role(*REVIEWER_ROLES) and (
        in_subtree(user, case.unit_path) or in_subtree(user, case.holder_unit_path)
    )


def holder(user: Staff, case: Case) -> bool:
    """Staff of the unit that holds the case now (or above it), its handler, and the members of the work
    group it was escalated to."""
    return (
        case.handler_id == user.pk
        or in_subtree(user, case.holder_unit_path)
        or sees_all(user)
        or in_work_group_scope(user, case)
    )


def any_party(user: Staff, case: Case) -> bool:
    return reviewer(user, case) or holder(user, case)


def leader(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEADER_IN_CHARGE, Role.ADMIN)


def supervision(user: Staff, case: Case) -> bool:
    return user.has_role(Role.SUPERVISION_OFFICE, Role.ADMIN)


def business_line(user: Staff, case: Case) -> bool:
    """A business line's department staff (R6.3), or the supervision office recording their approval."""
    return sees_all(user) or (user.unit_id is not None and user.unit.kind == "department")


def system(user: Staff, case: Case) -> bool:
    """Automatic rules (escalation triggers, the sweeper) act as the system actor, nobody else."""
    return bool(getattr(user, "is_system", False))


def extension_approver(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEADER_IN_CHARGE, Role.WORK_GROUP_LEADER, Role.SUPERVISION_OFFICE, Role.ADMIN)


def legal_or_leader(user: Staff, case: Case) -> bool:
    return user.has_role(Role.LEGAL, Role.LEADER_IN_CHARGE, Role.SUPERVISION_OFFICE, Role.ADMIN) or reviewer(
        user, case
    )
