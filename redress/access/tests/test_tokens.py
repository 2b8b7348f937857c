import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redress.access.models import ApiToken
from redress.access.services import staff_for_token
from redress.organisation.choices import Role
from redress.organisation.models import Staff

pytestmark = pytest.mark.django_db


def test_a_token_brings_its_staff_member_whole_in_one_statement(bank):
    raw = ApiToken.issue(bank.teller)
    expected = Staff.objects.select_related("unit").get(pk=bank.teller.pk)
    staff_for_token(raw)  # the first use writes its time; within the minute after, nothing does
    with CaptureQueriesContext(connection) as queries:
        staff = staff_for_token(raw)
        # The unit and roles came with it, as the same types the ORM reads.
        assert staff.unit == expected.unit and staff.unit.path == expected.unit.path
        assert staff.unit.close_of_business == expected.unit.close_of_business
        assert staff.roles == {Role.OUTLET_STAFF}
    assert len(queries) == 1
    for field in Staff._meta.concrete_fields:
        assert getattr(staff, field.attname) == getattr(expected, field.attname), field.name
    assert isinstance(staff.date_joined, dt.datetime) and staff.is_active is True


def test_revoked_unknown_and_empty_tokens_open_nothing(bank):
    raw = ApiToken.issue(bank.teller)
    assert staff_for_token("not-a-token") is None
    assert staff_for_token("") is None
    ApiToken.objects.filter(staff=bank.teller).update(revoked=True)
    assert staff_for_token(raw) is None


def test_an_inactive_staff_members_token_opens_nothing(bank):
    raw = ApiToken.issue(bank.teller)
    Staff.objects.filter(pk=bank.teller.pk).update(is_active=False)
    assert staff_for_token(raw) is None


def test_a_staff_member_without_roles_or_unit_gets_none_of_either(bank):
    loner = Staff.objects.create_user(username="loner", password="x" * 12, name="无部门")
    staff = staff_for_token(ApiToken.issue(loner))
    assert staff.roles == frozenset() and staff.unit is None
