import pytest

from redress.cases.models import Case

from .conftest import case_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases"
PRINTER = "网点的存折打印机坏了，我想补登存折等了半天也打不出来。"
PRINTER_AGAIN = "去网点补登存折，自助打印机显示故障，工作人员说修不好。"
CARD_FEE = "信用卡从来没用过，却被收取了年费，要求退还。"


def test_similar_lists_the_visible_cases_most_alike_best_first_with_a_score(bank, as_staff):
    asked = bank.register(matter=PRINTER)
    same = bank.register(matter=PRINTER, complainant_phone="13800000002")
    alike = bank.register(matter=PRINTER_AGAIN, complainant_phone="13800000003")
    bank.register(matter=CARD_FEE, complainant_phone="13800000004")
    found = as_staff(bank.teller).get(f"{URL}/{asked.number}/similar").json()
    assert [c["number"] for c in found] == [same.number, alike.number]
    assert found[0]["score"] == 1.0 > found[1]["score"] >= 0.4
    assert found[1]["matter"] == PRINTER_AGAIN


def test_similar_never_shows_a_case_hidden_from_the_caller(bank, as_staff):
    asked = bank.register(matter=PRINTER)
    about_subject = bank.register(matter=PRINTER, subject_staff="subject", complainant_phone="13800000002")
    in_other_branch = bank.register(
        actor=bank.outsider, matter=PRINTER, subject_unit="B1-1", complainant_phone="13800000003"
    )
    teller = as_staff(bank.teller).get(f"{URL}/{asked.number}/similar").json()
    assert {c["number"] for c in teller} == {about_subject.number}
    subject = as_staff(bank.subject).get(f"{URL}/{asked.number}/similar").json()
    assert about_subject.number not in {c["number"] for c in subject}
    office = as_staff(bank.office).get(f"{URL}/{asked.number}/similar").json()
    assert {c["number"] for c in office} == {about_subject.number, in_other_branch.number}


def test_similar_of_a_case_the_caller_cannot_see_is_the_same_404_as_none(bank, as_staff):
    hidden = bank.register(matter=PRINTER, subject_unit="A1-1")
    client = as_staff(bank.outsider)
    seen = client.get(f"{URL}/{hidden.number}/similar")
    missing = client.get(f"{URL}/TS2099999999/similar")
    assert seen.status_code == missing.status_code == 404
    assert seen.content == missing.content


def test_similar_is_bounded(bank, as_staff):
    asked = bank.register(matter=PRINTER)
    for n in range(4):
        bank.register(matter=PRINTER, complainant_phone=f"1380000001{n}")
    assert len(as_staff(bank.teller).get(f"{URL}/{asked.number}/similar", {"limit": 2}).json()) == 2
    assert as_staff(bank.teller).get(f"{URL}/{asked.number}/similar", {"limit": 51}).status_code == 422


def test_the_api_registers_joint_complainants_and_refuses_fewer_than_one_or_past_the_bound(bank, as_staff):
    client = as_staff(bank.teller)
    created = client.post(URL, case_payload(bank, joint_complainants=20), content_type="application/json")
    assert created.status_code == 201
    assert "major" in created.json()["flags"]
    most = client.post(URL, case_payload(bank, joint_complainants=99_999), content_type="application/json")
    assert most.status_code == 201
    before = Case.objects.count()
    # Past the column's range on PostgreSQL and SQLite alike: a field error, never a 500.
    for wrong in (0, 100_000, 2**31, 10**20):
        refused = client.post(
            URL, case_payload(bank, joint_complainants=wrong), content_type="application/json"
        )
        assert refused.status_code == 422, wrong
        assert list(refused.json()["errors"]) == ["joint_complainants"]
    assert Case.objects.count() == before
