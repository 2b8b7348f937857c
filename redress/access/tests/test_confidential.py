"""Confidential content (R10.1; P2 第九条(一)4; P3 第六条): a case whose complainant asked for
confidentiality, or a report of wrongdoing, shows its matter, complainant and files only to those handling
it (first responder, handler, supervision office, leader in charge). Others who see it — here the outlet's
head, in whose subtree it is, the auditor and an administrator — see that it exists and its state, on every
surface."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from redress.access.confidential import may_see_content
from redress.api.tests.conftest import bearer_client
from redress.cases.models import Case
from redress.lifecycle import perform
from redress.lifecycle.registration import register_case
from redress.notifications.models import Notification
from redress.notifications.services import notify

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MATTER = "举报网点员工私自挪用客户存款，金额约八万元。"
WORD = "挪用"


@pytest.fixture
def secret(bank) -> Case:
    data = bank.registration(complainant_confidential=True, matter=MATTER, complainant_name="王秘密")
    return register_case(bank.teller, data, files=[SimpleUploadedFile("evidence.pdf", PDF)]).case


def test_those_handling_it_read_it_and_the_others_do_not(bank, secret):
    for person in (bank.teller, bank.office):
        assert may_see_content(person, secret)
    for person in (bank.outlet_head, bank.auditor, bank.admin, bank.branch_group):
        assert not may_see_content(person, secret)
    plain = bank.register()
    assert may_see_content(bank.outlet_head, plain)
    whistle = bank.register(kind="whistleblow", channel="letter")
    assert not may_see_content(bank.outlet_head, whistle)


def test_the_handler_reads_it_once_the_case_is_theirs(bank, secret):
    case = perform("accept", bank.teller, secret)
    case = perform("transfer", bank.teller, case, {"to_unit": "A-PB"})
    # Held by the department with no handler named yet: its handlers read it to take it on.
    assert may_see_content(bank.handler, case)
    case = perform("acknowledge", bank.handler, case, {"handler": "handler"})
    assert may_see_content(bank.handler, Case.objects.get(pk=case.pk))


def test_the_case_page_shows_that_it_exists_and_its_state_only(client, bank, secret):
    client.force_login(bank.outlet_head)
    response = client.get(reverse("web:case", args=[secret.number]))
    html = response.content.decode()
    assert response.status_code == 200 and secret.number in html
    assert MATTER not in html and "王秘密" not in html and "evidence.pdf" not in html
    assert "state-registered" in html
    client.force_login(bank.teller)
    assert MATTER in client.get(reverse("web:case", args=[secret.number])).content.decode()


def test_the_api_detail_and_list_leave_the_content_out(bank, secret):
    api = bearer_client(bank.outlet_head)
    detail = api.get(f"/api/v1/cases/{secret.number}").json()
    assert detail["content_withheld"] is True and detail["state"] == "registered"
    assert MATTER not in str(detail) and "王秘密" not in str(detail) and detail["attachments"] == []
    listed = api.get("/api/v1/cases").json()["items"]
    row = next(item for item in listed if item["number"] == secret.number)
    assert row["content_withheld"] is True and MATTER not in str(row)
    events = api.get(f"/api/v1/cases/{secret.number}/events").json()
    assert events and all(event["data"] == {} for event in events)
    own = bearer_client(bank.teller).get(f"/api/v1/cases/{secret.number}").json()
    assert own["content_withheld"] is False and own["matter"] == MATTER


def test_the_register_export_leaves_the_content_out(client, bank, secret):
    client.force_login(bank.outlet_head)
    response = client.get(reverse("web:export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert secret.number in cells
    assert not any(MATTER in c or "王秘密" in c for c in cells)


def test_printing_is_refused_and_attachments_are_not_there(client, bank, secret):
    attachment = secret.attachments.get()
    client.force_login(bank.outlet_head)
    assert client.get(reverse("web:print_register", args=[secret.number])).status_code == 403
    url = reverse("web:attachment", args=[secret.number, attachment.pk])
    assert client.get(url).status_code == 404
    api = bearer_client(bank.outlet_head)
    assert api.get(f"/api/v1/cases/{secret.number}/attachments/{attachment.pk}").status_code == 404
    client.force_login(bank.teller)
    assert client.get(url).status_code == 200


def test_a_search_does_not_match_on_what_they_may_not_read(client, bank, secret):
    client.force_login(bank.outlet_head)
    html = client.get(reverse("web:register"), {"q": WORD}).content.decode()
    assert secret.number not in html
    api = bearer_client(bank.outlet_head)
    assert api.get("/api/v1/cases", {"q": WORD}).json()["count"] == 0
    # Its number still finds it, as a row without content.
    assert api.get("/api/v1/cases", {"q": secret.number}).json()["count"] == 1
    assert bearer_client(bank.teller).get("/api/v1/cases", {"q": WORD}).json()["count"] == 1


def test_similar_cases_leave_out_those_they_may_not_read(bank, secret):
    other = bank.register(matter=MATTER)
    api = bearer_client(bank.outlet_head)
    similar = api.get(f"/api/v1/cases/{other.number}/similar").json()
    assert secret.number not in [found["number"] for found in similar]
    assert api.get(f"/api/v1/cases/{secret.number}/similar").json() == []
    mine = bearer_client(bank.teller).get(f"/api/v1/cases/{other.number}/similar").json()
    assert secret.number in [found["number"] for found in mine]


def test_notifications_carry_the_text_only_to_those_handling_it(bank, secret):
    notify(
        "test",
        case=secret,
        recipients=[bank.teller, bank.outlet_head],
        subject=f"{secret.number}",
        body=MATTER,
        dedupe_key="confidential-test",
    )
    bodies = dict(
        Notification.objects.filter(dedupe_key="confidential-test").values_list("recipient", "body")
    )
    assert bodies == {bank.teller.pk: MATTER, bank.outlet_head.pk: ""}


def test_the_admin_site_shows_an_administrator_no_content(client, bank, secret):
    bank.admin.is_staff = bank.admin.is_superuser = True
    bank.admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(bank.admin)
    response = client.get(f"/admin/cases/case/{secret.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert secret.number in html and MATTER not in html and "王秘密" not in html


def test_an_action_form_shows_no_content_to_someone_who_may_act_but_not_read(client, bank, secret):
    client.force_login(bank.outlet_head)
    response = client.get(reverse("web:act", args=[secret.number, "accept"]))
    assert response.status_code == 200
    assert "王秘密" not in response.content.decode()


def test_the_leader_in_charge_who_instructs_reads_it_and_another_branchs_leader_does_not(bank, secret):
    from redress.organisation.choices import Role
    from redress.organisation.services import create_staff

    leader = create_staff(
        username="leader_a",
        name="甲分行分管行长",
        unit=bank.branch_a,
        roles=[Role.LEADER_IN_CHARGE],
        password="x" * 12,
    )
    other = create_staff(
        username="leader_b",
        name="乙分行分管行长",
        unit=bank.branch_b,
        roles=[Role.LEADER_IN_CHARGE],
        password="x" * 12,
    )
    assert may_see_content(leader, secret)
    # Content is asked of the cases one may see: another branch's leader does not see the case at all.
    from redress.access.visibility import visible_to

    assert not visible_to(other).filter(pk=secret.pk).exists()
    assert not may_see_content(bank.outlet_head, secret)
