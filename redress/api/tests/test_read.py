import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redress.lifecycle.registration import register_case

from .conftest import PDF

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["number"] for c in response.json()["items"]}


@pytest.fixture
def cases(bank):
    """Three cases in branch A (one naming `subject`), one in branch B."""
    about_subject = bank.register(subject_staff="subject", matter="柜员小赵态度恶劣，拒绝办理挂失。")
    plain = bank.register(
        channel="phone", kind="enquiry", category="", demand="", subject_unit="", matter="咨询信用卡年费"
    )
    older = bank.register(
        received_at=timezone.now() - dt.timedelta(days=10),
        complainant_phone="02787654321",
        matter="排队时间长",
    )
    in_b = bank.register(actor=bank.outsider, subject_unit="B1-1", matter="乙分行网点服务差")
    return {"about_subject": about_subject, "plain": plain, "older": older, "in_b": in_b}


def test_the_subject_gets_the_same_404_as_for_a_missing_case(bank, cases, as_staff):
    client = as_staff(bank.subject)
    hidden = client.get(f"{URL}/{cases['about_subject'].number}")
    missing = client.get(f"{URL}/TS2026999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.json() == {"detail": hidden.json()["detail"], "errors": {}}
    for tail in ("events", "attachments/1"):
        assert client.get(f"{URL}/{cases['about_subject'].number}/{tail}").content == missing.content
    # A colleague at the same outlet sees it.
    assert as_staff(bank.teller).get(f"{URL}/{cases['about_subject'].number}").status_code == 200


def test_the_subject_finds_no_case_naming_them_in_the_list_or_by_search(bank, cases, as_staff):
    client = as_staff(bank.subject)
    listed = client.get(URL)
    assert cases["about_subject"].number not in numbers(listed)
    assert cases["plain"].number in numbers(listed)
    assert listed.json()["count"] == len(numbers(listed))
    assert numbers(client.get(URL, {"q": "挂失"})) == set()
    assert numbers(client.get(URL, {"q": cases["about_subject"].number})) == set()
    assert numbers(as_staff(bank.teller).get(URL, {"q": "挂失"})) == {cases["about_subject"].number}


def test_a_repeat_of_a_case_naming_the_subject_does_not_name_that_case_to_them(bank, as_staff):
    from redress.lifecycle import perform

    about_subject = bank.register(subject_staff="subject", complainant_phone="13800000001")
    accepted = perform("accept", bank.teller, about_subject)
    perform("reply", bank.teller, accepted, {"method": "phone", "content": "已答复客户。"})
    repeat = bank.register(complainant_phone="13800000001")
    assert "repeat" in repeat.flag_names
    client = as_staff(bank.subject)
    detail = client.get(f"{URL}/{repeat.number}").json()
    assert detail["previous_case"] is None
    # No sign of it at all: no placeholder standing for its number, no repeat flag (issue 13).
    assert "repeat" not in detail["flags"]
    listed = client.get(URL).json()["items"]
    assert [c["previous_case"] for c in listed if c["number"] == repeat.number] == [None]
    events = client.get(f"{URL}/{repeat.number}/events").content.decode()
    assert about_subject.number not in events
    assert "hidden" not in events and "earlier_case" not in events
    # Whoever may see the earlier case gets its number.
    teller = as_staff(bank.teller)
    assert teller.get(f"{URL}/{repeat.number}").json()["previous_case"] == about_subject.number
    assert about_subject.number in teller.get(f"{URL}/{repeat.number}/events").content.decode()


def test_an_outsider_sees_none_of_branch_a(bank, cases, as_staff):
    client = as_staff(bank.outsider)
    assert numbers(client.get(URL)) == {cases["in_b"].number}
    assert client.get(URL).json()["count"] == 1
    assert client.get(f"{URL}/{cases['plain'].number}").status_code == 404
    assert numbers(client.get(URL, {"unit": "A"})) == set()


def test_the_supervision_office_sees_every_case(bank, cases, as_staff):
    response = as_staff(bank.office).get(URL)
    assert response.json()["count"] == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "phone"}, {"plain"}),
        ({"kind": "enquiry"}, {"plain"}),
        ({"category": "service_attitude"}, {"about_subject", "older", "in_b"}),
        ({"state": "registered"}, {"about_subject", "plain", "older", "in_b"}),
        ({"unit": "B"}, {"in_b"}),
        ({"unit": "A1"}, {"about_subject", "plain", "older"}),
        ({"q": "年费"}, {"plain"}),
        ({"phone": "02787654321"}, {"older"}),
        ({"phone": "027 8765 4321"}, {"older"}),
    ],
)
def test_the_registers_filters_work_as_query_parameters(bank, cases, as_staff, params, expected):
    response = as_staff(bank.office).get(URL, params)
    assert numbers(response) == {cases[name].number for name in expected}
    assert response.json()["count"] == len(expected)


def test_date_range_sort_and_paging(bank, cases, as_staff):
    client = as_staff(bank.office)
    today = timezone.localdate()
    recent = client.get(URL, {"received_from": (today - dt.timedelta(days=2)).isoformat()})
    assert cases["older"].number not in numbers(recent) and len(numbers(recent)) == 3
    old = client.get(URL, {"received_to": (today - dt.timedelta(days=5)).isoformat()})
    assert numbers(old) == {cases["older"].number}
    by_number = client.get(URL, {"sort": "number", "limit": 2, "offset": 1}).json()
    assert by_number["count"] == 4
    all_numbers = sorted(c.number for c in cases.values())
    assert [c["number"] for c in by_number["items"]] == all_numbers[1:3]


def test_the_count_is_exact_three_pages_ahead_and_a_lower_bound_past_that(bank, cases, as_staff):
    client = as_staff(bank.office)
    exact = client.get(URL, {"limit": 1}).json()
    assert (exact["count"], exact["count_exact"], exact["count_estimate"]) == (4, True, None)
    bank.register(matter="第五件")
    capped = client.get(URL, {"limit": 1}).json()
    assert (capped["count"], capped["count_exact"], len(capped["items"])) == (4, False, 1)
    if capped["count_estimate"] is not None:  # PostgreSQL's planner; SQLite has none
        assert capped["count_estimate"] >= 5
    # Further on, the count reaches further.
    deeper = client.get(URL, {"limit": 1, "offset": 1}).json()
    assert (deeper["count"], deeper["count_exact"]) == (5, True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"state": "lost"}, "state"),
        ({"sort": "matter"}, "sort"),
        ({"unit": "NOPE"}, "unit"),
        ({"received_from": "last week"}, "received_from"),
        ({"received_from": "2026-03-10", "received_to": "2026-03-01"}, "received_to"),
        ({"limit": 500}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_bad_list_parameters_get_422_naming_the_parameter(bank, as_staff, params, field):
    response = as_staff(bank.office).get(URL, params)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]


def test_list_items_are_masked_like_the_detail(bank, cases, as_staff):
    items = as_staff(bank.office).get(URL, {"phone": "02787654321"}).json()["items"]
    assert items[0]["complainant"]["phone"] == "027****4321"
    assert items[0]["complainant"]["id_number"] == "110105********002X"


def test_events_show_the_registration(bank, cases, as_staff):
    response = as_staff(bank.teller).get(f"{URL}/{cases['plain'].number}/events")
    assert response.status_code == 200
    event = response.json()[0]  # automatic rules may add events after it (e.g. a repeat complaint's flag)
    assert event["kind"] == "registered" and event["actor"] == "teller"
    assert event["data"]["number"] == cases["plain"].number
    assert event["at"].endswith("+08:00")


def test_attachments_download_for_those_who_see_the_case_only(bank, as_staff):
    letter = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    case = register_case(bank.teller, bank.registration(subject_staff="subject"), files=[letter]).case
    detail = as_staff(bank.teller).get(f"{URL}/{case.number}").json()
    [attachment] = detail["attachments"]
    url = attachment["url"]
    assert url == f"/api/v1/cases/{case.number}/attachments/{attachment['id']}"

    download = as_staff(bank.teller).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF

    assert as_staff(bank.subject).get(url).status_code == 404
    assert as_staff(bank.outsider).get(url).status_code == 404
    # An attachment id of another case is not reachable through a case the caller sees.
    other = bank.register()
    assert (
        as_staff(bank.teller).get(f"{URL}/{other.number}/attachments/{attachment['id']}").status_code == 404
    )
