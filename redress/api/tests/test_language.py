import pytest
from django.utils import translation

from redress.cases.models import Case

from .conftest import case_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def post(client, body, language=None):
    headers = {"Accept-Language": language} if language else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_schema_errors_are_in_chinese_by_default_and_english_on_request(bank, as_staff):
    body = case_payload(bank, received_at="not a time")
    del body["matter"]
    zh = post(as_staff(bank.teller), body).json()["errors"]
    en = post(as_staff(bank.teller), body, "en").json()["errors"]
    assert en == {"received_at": ["Enter a valid date/time."], "matter": ["This field is required."]}
    with translation.override("zh-hans"):
        expected = {k: [translation.gettext(m) for m in v] for k, v in en.items()}
    assert zh == expected
    assert zh["matter"] != en["matter"] and zh["received_at"] != en["received_at"]


def test_service_errors_follow_accept_language(bank, as_staff):
    body = case_payload(bank, amount="-5")
    en = post(as_staff(bank.teller), body, "en").json()
    assert en["errors"] == {"amount": ["The amount cannot be negative."]}
    assert en["detail"] == "Some fields are not valid."
    zh = post(as_staff(bank.teller), body).json()
    with translation.override("zh-hans"):
        assert zh["errors"] == {"amount": [translation.gettext("The amount cannot be negative.")]}
        assert zh["detail"] == translation.gettext("Some fields are not valid.")
    assert Case.objects.count() == 0


def test_a_case_hidden_from_the_caller_and_a_missing_one_read_alike_in_either_language(bank, as_staff):
    case = bank.register(subject_staff="subject")
    client = as_staff(bank.subject)
    for language in ("en", "zh-hans"):
        headers = {"Accept-Language": language}
        hidden = client.get(f"{URL}/{case.number}", headers=headers)
        missing = client.get(f"{URL}/TS2000000001", headers=headers)
        assert hidden.content == missing.content
    assert (
        client.get(f"{URL}/{case.number}", headers={"Accept-Language": "en"}).json()["detail"] == "Not found."
    )
