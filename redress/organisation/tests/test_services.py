import pytest

from redress.organisation.choices import Level, Role
from redress.organisation.models import Unit
from redress.organisation.services import set_roles, system_actor

pytestmark = pytest.mark.django_db


def test_the_system_actor_holds_no_role_whatever_is_granted():
    actor = system_actor()
    set_roles(actor, [Role.ADMIN])
    fresh = system_actor()
    assert fresh.roles == frozenset()
    assert not fresh.sees_all_cases


def test_a_unit_climbs_its_tree_once_for_every_level_asked(bank, django_assert_num_queries):
    outlet = Unit.objects.get(pk=bank.teller.unit_id)
    with django_assert_num_queries(1):
        assert outlet.at_level(Level.PROVINCE) == bank.province
        assert outlet.at_level(Level.BRANCH) == bank.branch_a
        assert outlet.at_level(Level.PROVINCE) == bank.province
    assert Unit.objects.get(pk=outlet.pk).at_level(Level.HEAD_OFFICE) == bank.head_office
