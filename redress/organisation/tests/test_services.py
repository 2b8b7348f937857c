import pytest

from redress.organisation.choices import Role
from redress.organisation.services import set_roles, system_actor

pytestmark = pytest.mark.django_db


def test_the_system_actor_holds_no_role_whatever_is_granted():
    actor = system_actor()
    set_roles(actor, [Role.ADMIN])
    fresh = system_actor()
    assert fresh.roles == frozenset()
    assert not fresh.sees_all_cases
