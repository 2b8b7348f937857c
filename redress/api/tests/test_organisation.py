import pytest

from redress.organisation.models import Staff, Unit
from redress.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_units_are_listed_with_their_contacts_and_filtered_by_parent(bank, as_staff):
    client = as_staff(bank.teller)
    units = client.get("/api/v1/units").json()
    assert len(units) == Unit.objects.count()
    outlet = next(u for u in units if u["code"] == "A1-1")
    assert outlet == {
        "code": "A1-1",
        "name": "甲一支行营业部",
        "kind": "outlet",
        "parent": "A1",
        "level": "outlet",
        "function": "",
        "head_name": "王主任",
        "head_phone": "13900000001",
        "enquiry_name": "李经理",
        "enquiry_phone": "02787654321",
    }
    children = client.get("/api/v1/units", {"parent": "A1"}).json()
    assert {u["code"] for u in children} == {"A1-1", "A1-2"}
    bad = client.get("/api/v1/units", {"parent": "NOPE"})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["parent"]


def test_an_administrator_adds_a_unit(bank, as_staff):
    body = {
        "code": "A1-3",
        "name": "甲一支行新网点",
        "kind": "outlet",
        "parent": "A1",
        "head_name": "赵主任",
        "head_phone": "139-0000-0002",
    }
    response = as_staff(bank.admin).post("/api/v1/units", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == "A1" and response.json()["head_phone"] == "13900000002"
    unit = Unit.objects.get(code="A1-3")
    assert bank.sub_branch_a1.contains(unit) and unit.level == "outlet"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "A1"}, "code"),
        ({"parent": "NOPE"}, "parent"),
        ({"parent": None}, "parent"),
        ({"kind": "kiosk"}, "kind"),
        ({"function": "catering"}, "function"),
        ({"head_phone": "123"}, "head_phone"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_unit_is_refused_naming_the_field(bank, as_staff, change, field):
    body = {"code": "A1-3", "name": "新网点", "kind": "outlet", "parent": "A1", **change}
    count = Unit.objects.count()
    response = as_staff(bank.admin).post("/api/v1/units", body, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Unit.objects.count() == count


@pytest.mark.parametrize("who", ["teller", "office", "auditor"])
def test_only_administrators_add_units_and_staff(bank, as_staff, who):
    client = as_staff(getattr(bank, who))
    unit = {"code": "X", "name": "X", "kind": "outlet", "parent": "A1"}
    assert client.post("/api/v1/units", unit, content_type="application/json").status_code == 403
    person = {
        "username": "new",
        "name": "新人",
        "unit": "A1-1",
        "roles": ["outlet_staff"],
        "password": "Kx9!mPq2z",
    }
    response = client.post("/api/v1/staff", person, content_type="application/json")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert not Unit.objects.filter(code="X").exists() and not Staff.objects.filter(username="new").exists()


def test_staff_are_listed_with_unit_and_roles(bank, as_staff):
    staff = as_staff(bank.teller).get("/api/v1/staff").json()
    teller = next(s for s in staff if s["username"] == "teller")
    assert teller == {"username": "teller", "name": "柜员小刘", "unit": "A1-1", "roles": ["outlet_staff"]}
    at_outlet = as_staff(bank.teller).get("/api/v1/staff", {"unit": "A1-1"}).json()
    assert {s["username"] for s in at_outlet} == {"teller", "outlet_head", "subject"}


def test_an_administrator_adds_a_staff_member_who_can_then_get_a_token(bank, as_staff, client):
    body = {
        "username": "lobby",
        "name": "大堂经理",
        "unit": "A1-1",
        "roles": ["lobby_manager", "outlet_staff"],
        "password": "Kx9!mPq2z-long",
    }
    response = as_staff(bank.admin).post("/api/v1/staff", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "username": "lobby",
        "name": "大堂经理",
        "unit": "A1-1",
        "roles": ["lobby_manager", "outlet_staff"],
    }
    token = client.post(
        "/api/v1/auth/token",
        {"username": "lobby", "password": "Kx9!mPq2z-long"},
        content_type="application/json",
    )
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "teller"}, "username"),
        ({"username": "has space"}, "username"),
        ({"unit": "NOPE"}, "unit"),
        ({"roles": ["wizard"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
    ],
)
def test_a_bad_staff_member_is_refused_naming_the_field(bank, as_staff, change, field):
    body = {
        "username": "lobby",
        "name": "大堂经理",
        "unit": "A1-1",
        "roles": ["lobby_manager"],
        "password": PASSWORD + "!x",
        **change,
    }
    count = Staff.objects.count()
    response = as_staff(bank.admin).post("/api/v1/staff", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert Staff.objects.count() == count
