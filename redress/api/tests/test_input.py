"""Bad input through the API: a 422 (or 413) in the API's error shape, field by field, never a 500, and
nothing stored."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from redress.cases.models import Case

from .conftest import case_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def post(client: Client, body, url: str = URL, language: str = "zh-hans"):
    return client.post(url, body, content_type="application/json", headers={"Accept-Language": language})


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    return body["errors"]


# Control characters and NUL


@pytest.mark.parametrize("field", ["matter", "demand", "product"])
def test_a_control_character_in_a_text_is_refused_with_a_field_error(bank, as_staff, field):
    response = post(as_staff(bank.teller), case_payload(bank, **{field: "柜台\x07态度冷淡"}))
    errors = refused(response)
    assert list(errors) == [field]
    assert "U+0007" in errors[field][0]
    assert not Case.objects.exists()


def test_a_control_character_in_the_complainants_name_is_refused(bank, as_staff):
    payload = case_payload(bank)
    payload["complainant"]["name"] = "张\x1b三"
    errors = refused(post(as_staff(bank.teller), payload))
    assert list(errors) == ["complainant.name"]
    assert not Case.objects.exists()


def test_a_control_character_message_is_in_the_callers_language(bank, as_staff):
    client = as_staff(bank.teller)
    zh = refused(post(client, case_payload(bank, matter="a\x07b")))["matter"][0]
    en = refused(post(client, case_payload(bank, matter="a\x07b"), language="en"))["matter"][0]
    assert "control character" in en
    assert zh != en and "控制字符" in zh


def test_a_nul_in_the_username_of_a_token_request_is_a_422():
    response = Client().post(
        "/api/v1/auth/token", {"username": "tell\x00er", "password": "x"}, content_type="application/json"
    )
    assert list(refused(response)) == ["username"]


@pytest.mark.parametrize(
    "change",
    [
        {"matter": "a\x00b"},
        {"subject_unit": "A1\x00"},
        {"first_responder": "tell\x00er"},
        {"flags": ["legal\x00dispute"]},
    ],
)
def test_a_nul_anywhere_in_a_registration_is_a_422_naming_the_field(bank, as_staff, change):
    errors = refused(post(as_staff(bank.teller), case_payload(bank, **change)))
    (name,) = change
    assert list(errors) in ([name], [f"{name}.0"])
    assert "U+0000" in next(iter(errors.values()))[0]
    assert not Case.objects.exists()


def test_a_nul_in_a_multipart_registration_is_a_422(bank, as_staff):
    import json

    data = json.dumps(case_payload(bank, subject_unit="A1\x00"))
    response = as_staff(bank.teller).post(f"{URL}/with-attachments", {"data": data})
    assert "U+0000" in refused(response)["subject_unit"][0]
    assert not Case.objects.exists()


@pytest.mark.parametrize("query", ["q=a%00b", "phone=138%00", "unit=A%00", "kind=%00"])
def test_a_nul_in_a_query_string_is_a_422(bank, as_staff, query):
    errors = refused(as_staff(bank.teller).get(f"{URL}?{query}"))
    assert list(errors) == [query.split("=")[0]]
    assert "U+0000" in next(iter(errors.values()))[0]


def test_a_nul_in_the_path_is_a_422(bank, as_staff):
    refused(as_staff(bank.teller).get(f"{URL}/TS%00"))


@pytest.mark.parametrize("key", ["retry\x00one", "retry\x07one"], ids=["NUL", "BEL"])
def test_a_control_character_in_the_idempotency_key_is_a_422_naming_the_header(bank, as_staff, key):
    client = as_staff(bank.teller, **{"Idempotency-Key": key})
    errors = refused(post(client, case_payload(bank)))
    assert list(errors) == ["Idempotency-Key"]
    assert not Case.objects.exists()


def test_a_control_character_in_an_action_text_is_refused(bank, as_staff):
    case = bank.register()
    response = post(as_staff(bank.teller), {"reason": "不属\x0b受理范围"}, url=f"{URL}/{case.number}/reject")
    assert list(refused(response)) == ["reason"]
    case.refresh_from_db()
    assert case.version == 1


# Lengths and normal forms


def test_a_matter_of_20000_characters_is_taken_and_one_more_is_refused(bank, as_staff):
    client = as_staff(bank.teller)
    errors = refused(
        post(client, case_payload(bank, matter="投" * 20_001, demand="诉" * 20_001), language="en")
    )
    assert errors == {"matter": ["At most 20000 characters."], "demand": ["At most 20000 characters."]}
    assert not Case.objects.exists()
    response = post(client, case_payload(bank, matter="投" * 20_000, demand="诉" * 20_000))
    assert response.status_code == 201, response.content


def test_the_schema_documents_the_limit_of_matter_and_demand(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["CaseIn"]["properties"]
    assert schema["matter"]["maxLength"] == 20_000
    assert schema["demand"]["maxLength"] == 20_000


def test_text_is_stored_nfc_normalised(bank, as_staff):
    response = post(as_staff(bank.teller), case_payload(bank, matter="Cafe\u0301 柜台"))
    assert response.status_code == 201, response.content
    assert Case.objects.get().matter == "Caf\u00e9 柜台"


def test_full_width_digits_are_stored_as_ascii(bank, as_staff):
    payload = case_payload(bank)
    payload["complainant"].update(
        phone="１３８１２３４５６７８", id_number="１１０１０５１９４９１２３１００２Ｘ"
    )
    response = post(as_staff(bank.teller), payload)
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.complainant_phone, case.complainant_id_number) == ("13812345678", "11010519491231002X")
    # And a search typed in full-width digits finds it (by the whole number: decision 0031).
    found = as_staff(bank.teller).get(URL, {"phone": "１３８１２３４５６７８"}).json()
    assert [c["number"] for c in found["items"]] == [case.number]


# Paging and date bounds


@pytest.mark.parametrize(
    "url",
    [
        f"{URL}?offset={2**63}",
        f"{URL}/mine?offset={2**63}",
        f"{URL}/awaiting-instruction?offset={2**63}",
        f"{URL}/due?offset={2**63}",
    ],
)
def test_an_offset_past_any_page_is_a_422(bank, as_staff, url):
    assert list(refused(as_staff(bank.admin).get(url))) == ["offset"]


@pytest.mark.parametrize("field", ["received_from", "received_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_filter_date_out_of_range_is_a_422(bank, as_staff, field, day):
    assert list(refused(as_staff(bank.teller).get(URL, {field: day}))) == [field]


# The received time's window


@pytest.mark.default_receipt_window
@pytest.mark.parametrize("received", ["0001-01-01T09:00:00+08:00", "2019-03-02T09:30:00+08:00"])
def test_a_received_time_before_the_window_is_refused_naming_the_window(bank, as_staff, received):
    response = post(as_staff(bank.teller), case_payload(bank, received_at=received), language="en")
    errors = refused(response)
    assert list(errors) == ["received_at"]
    assert "1096 days" in errors["received_at"][0]
    assert not Case.objects.exists()


def test_the_window_is_a_setting(bank, as_staff, settings):
    settings.RECEIVED_WITHIN_DAYS = 10
    old = (timezone.localtime() - dt.timedelta(days=11)).isoformat()
    assert list(refused(post(as_staff(bank.teller), case_payload(bank, received_at=old)))) == ["received_at"]
    recent = (timezone.localtime() - dt.timedelta(days=9)).isoformat()
    assert post(as_staff(bank.teller), case_payload(bank, received_at=recent)).status_code == 201


# Bodies over the size limit


def test_a_body_over_the_size_limit_gets_the_api_error_shape(bank, as_staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(as_staff(bank.teller), case_payload(bank, matter="投" * 1000))
    assert response.status_code == 413, response.content
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "errors"}
    assert not Case.objects.exists()


def test_a_multipart_body_over_the_size_limit_gets_the_api_error_shape(bank, as_staff, settings):
    import json

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = json.dumps(case_payload(bank, matter="投" * 1000))
    response = as_staff(bank.teller).post(f"{URL}/with-attachments", {"data": data})
    assert response.status_code == 413, response.content
    assert set(response.json()) == {"detail", "errors"}
    assert not Case.objects.exists()


# Forms that cannot be read


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\u00e9"],
)
def test_a_form_without_a_usable_boundary_gets_the_api_error_shape(bank, as_staff, content_type):
    # Django answered its HTML 400 page (found by the fuzz run, scripts/fuzz-api.sh): a client reads JSON.
    response = as_staff(bank.teller, **{"Accept-Language": "en"}).generic(
        "POST", f"{URL}/with-attachments", b"abc", content_type=content_type
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "The form could not be read: send multipart/form-data with its boundary.",
        "errors": {},
    }
    assert not Case.objects.exists()


def test_an_address_too_long_is_refused_in_the_api_shape_and_documented(client):
    from redress.api.main import api

    answer = client.get("/api/v1/cases", {"q": "存折" * 3000}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 414
    assert set(answer.json()) == {"detail", "errors"} and "too long" in answer.json()["detail"]
    schema = api.get_openapi_schema()
    assert all("414" in op["responses"] for ops in schema["paths"].values() for op in ops.values())
