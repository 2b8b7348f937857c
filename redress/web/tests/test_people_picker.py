"""The people picker (issue 15 item 5): staff found by name as one types, scoped to the caller's part of the
bank, on every field that names a person and on the approver."""

from __future__ import annotations

import pytest
from django.urls import reverse

from redress.lifecycle import perform
from redress.organisation.models import Staff

pytestmark = [pytest.mark.django_db]


def _search(client, q):
    return client.get(reverse("web:people_search"), {"q": q}).json()["people"]


def test_a_branch_finds_its_own_staff_by_part_of_the_name_and_the_office_finds_everyone(client, bank):
    client.force_login(bank.teller)
    found = _search(client, bank.handler.name[1:])
    assert {"username": "handler", "name": bank.handler.name, "unit": bank.dept_a_pb.name} in found
    assert not [p for p in _search(client, bank.outsider.name) if p["username"] == "outsider"]  # branch B
    client.force_login(bank.office)
    assert [p for p in _search(client, bank.outsider.name) if p["username"] == "outsider"]
    assert _search(client, "") == []


def test_those_who_left_are_not_found(client, bank):
    Staff.objects.filter(pk=bank.handler.pk).update(is_active=False)
    client.force_login(bank.office)
    assert not [p for p in _search(client, bank.handler.name) if p["username"] == "handler"]


def test_the_fields_naming_a_person_carry_the_picker(client, bank):
    client.force_login(bank.teller)
    form = client.get(reverse("web:new_case")).content.decode()
    assert 'name="subject_staff"' in form and 'data-people-search="/people/search"' in form
    case = perform("accept", bank.teller, bank.register())
    client.force_login(bank.office)
    page = client.get(reverse("web:act", args=[case.number, "hold_accountable"])).content.decode()
    assert 'name="staff"' in page and 'data-people-search="/people/search"' in page
    assert '<select name="unit"' in page  # the unit held responsible is chosen, not typed
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB", "handler": "handler"})
    client.force_login(bank.handler)
    page = client.get(reverse("web:act", args=[case.number, "approve_compensation"])).content.decode()
    assert 'data-people-fill="name"' in page
