import pytest
from django.http import Http404

from redress.access.visibility import get_visible_case, visible_to

pytestmark = pytest.mark.django_db


def test_subject_staff_never_sees_the_case(bank):
    case = bank.register(subject_staff="subject")
    other = bank.register()
    assert list(visible_to(bank.subject)) == [other]
    with pytest.raises(Http404):
        get_visible_case(bank.subject, case.number)


def test_subject_staff_is_hidden_even_from_all_seeing_roles(bank):
    from redress.organisation.services import set_roles

    set_roles(bank.subject, ["outlet_staff", "supervision_office"])
    bank.subject.__dict__.pop("roles", None)
    case = bank.register(subject_staff="subject")
    assert case not in visible_to(bank.subject)


def test_outsider_sees_nothing_of_another_branch(bank):
    bank.register()
    assert visible_to(bank.outsider).count() == 0


def test_unit_subtree_sees_its_cases(bank):
    case = bank.register()
    for user in (bank.teller, bank.outlet_head, bank.branch_group, bank.province_group):
        assert case in visible_to(user), user.username


def test_first_responder_and_handler_see_cases_outside_their_subtree(bank):
    case = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code, first_responder="outsider")
    assert case not in visible_to(bank.handler)
    type(case).objects.filter(pk=case.pk).update(handler=bank.handler)
    assert case in visible_to(bank.handler)


def test_office_admin_and_auditor_see_all(bank):
    a = bank.register()
    b = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    for user in (bank.office, bank.admin, bank.auditor):
        assert set(visible_to(user)) == {a, b}


def test_unit_complained_about_sees_cases_taken_elsewhere(bank):
    case = bank.register(actor=bank.outsider)  # taken in branch B about outlet A1-1
    assert case in visible_to(bank.outlet_head)
    assert case in visible_to(bank.outsider)


def test_inactive_user_sees_nothing(bank):
    bank.register()
    bank.office.is_active = False
    assert visible_to(bank.office).count() == 0
