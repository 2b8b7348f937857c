import pytest
from django.test import Client

from redress.organisation.choices import Role
from redress.organisation.services import create_staff
from redress.testing import PASSWORD

from .conftest import bearer_client

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def test_a_token_issued_for_the_right_password_opens_the_api(bank):
    response = Client().post(
        TOKEN_URL, {"username": "teller", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/cases")
    assert listed.status_code == 200


def test_a_wrong_password_gets_no_token(bank):
    response = Client().post(
        TOKEN_URL, {"username": "teller", "password": "wrong"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["detail"]
    assert "token" not in response.json()


def test_demo_users_get_no_token_outside_demo_mode(bank, settings):
    create_staff(
        username="demo_teller",
        name="演示",
        unit=bank.outlet_a1_1,
        roles=[Role.OUTLET_STAFF],
        password="demo-password",
        is_demo=True,
    )
    body = {"username": "demo_teller", "password": "demo-password"}
    settings.DEMO_MODE = False
    assert Client().post(TOKEN_URL, body, content_type="application/json").status_code == 401
    settings.DEMO_MODE = True
    assert Client().post(TOKEN_URL, body, content_type="application/json").status_code == 200


def test_a_demo_token_stops_working_when_demo_mode_ends(bank, settings):
    settings.DEMO_MODE = True
    demo = create_staff(
        username="demo_teller",
        name="演示",
        unit=bank.outlet_a1_1,
        roles=[Role.OUTLET_STAFF],
        password="demo-password",
        is_demo=True,
    )
    client = bearer_client(demo)
    assert client.get("/api/v1/cases").status_code == 200
    settings.DEMO_MODE = False
    assert client.get("/api/v1/cases").status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dGVsbGVyOnB3"])
def test_requests_without_a_valid_token_get_401_in_the_error_shape(bank, header):
    headers = {"Authorization": header} if header else {}
    response = Client(headers=headers).get("/api/v1/cases")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"] and body["errors"] == {}


def test_an_inactive_staff_members_token_is_refused(bank):
    client = bearer_client(bank.teller)
    bank.teller.is_active = False
    bank.teller.save()
    assert client.get("/api/v1/units").status_code == 401
