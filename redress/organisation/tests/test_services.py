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
    # The reference tokens, then the path's units; for every level asked after that, nothing.
    with django_assert_num_queries(2):
        assert outlet.at_level(Level.PROVINCE) == bank.province
        assert outlet.at_level(Level.BRANCH) == bank.branch_a
        assert outlet.at_level(Level.PROVINCE) == bank.province
    again = Unit.objects.get(pk=outlet.pk)
    # Another copy of the unit: the tree is unchanged, so the process's reading of the path serves it.
    with django_assert_num_queries(1):
        assert again.at_level(Level.HEAD_OFFICE) == bank.head_office


def test_a_unit_renamed_above_is_seen_on_the_next_climb(bank):
    outlet = Unit.objects.get(pk=bank.teller.unit_id)
    assert outlet.at_level(Level.PROVINCE).name == bank.province.name
    Unit.objects.filter(pk=bank.province.pk).update(name="改名省分行")
    assert Unit.objects.get(pk=outlet.pk).at_level(Level.PROVINCE).name == "改名省分行"
