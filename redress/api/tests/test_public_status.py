"""A complainant looks up their case's state with the case number and their phone number or the status code
given at registration (issue 15 item 4): the state and the reply date only, 404 for any other pair,
rate-limited."""

from django.test import Client
from django.utils import timezone

from redress.deadlines.choices import ClockName
from redress.lifecycle.public_reports import report_wrongdoing
from redress.receipts.services import status_code

URL = "/api/v1/public/status"


def test_the_right_pair_shows_the_state_and_the_reply_date_and_nothing_else(bank):
    case = bank.register()
    answer = Client().get(URL, {"number": case.number, "code": status_code(case.number)})
    assert answer.status_code == 200
    reply = case.clocks.get(name=ClockName.REPLY)
    assert answer.json() == {
        "number": case.number,
        "state": "registered",
        "state_label": "已登记",
        "expected_reply_date": timezone.localdate(reply.due_at).isoformat(),
    }
    assert case.complainant_name not in answer.content.decode()


def test_any_other_pair_is_404(bank):
    case, other = bank.register(), bank.register()
    code = status_code(case.number)
    for number, typed in [
        (case.number, status_code(other.number)),
        (other.number, code),
        (case.number, code[:-1] + str((int(code[-1]) + 1) % 10)),
        ("TS2099000001", status_code("TS2099000001")),
    ]:
        answer = Client().get(URL, {"number": number, "code": typed})
        assert answer.status_code == 404, (number, typed)
        assert set(answer.json()) == {"detail", "errors"}


def test_a_public_report_has_its_receipt_and_no_status_code(bank):
    case, _receipt = report_wrongdoing("违规行为。")
    assert Client().get(URL, {"number": case.number, "code": status_code(case.number)}).status_code == 404


def test_look_ups_are_limited_per_address(bank, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public-status": (2, 600)}
    case = bank.register()
    good = {"number": case.number, "code": status_code(case.number)}
    statuses = [Client().get(URL, good, REMOTE_ADDR="192.0.2.9").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert Client().get(URL, good, REMOTE_ADDR="192.0.2.10").status_code == 200


def test_the_case_number_with_the_complainants_phone_shows_the_state(bank):
    # The issue's own pair: the number and the phone given at registration (found by its blind index).
    case = bank.register(complainant_phone="13907100055")
    answer = Client().get(URL, {"number": case.number, "phone": "139 0710 0055"})
    assert answer.status_code == 200
    assert answer.json()["state"] == "registered"
    for number, phone in [
        (case.number, "13907100056"),
        ("TS2099000001", "13907100055"),
        (case.number, "abc"),
    ]:
        assert Client().get(URL, {"number": number, "phone": phone}).status_code == 404, (number, phone)


def test_a_look_up_with_neither_phone_nor_code_is_a_field_error(bank):
    case = bank.register()
    answer = Client().get(URL, {"number": case.number}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 422
    assert answer.json()["errors"]["phone"] == ["请填写登记时留下的电话号码，或查询码。"]
