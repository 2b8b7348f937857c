"""What the case page says of the matter (issue 13): why each flag was set, in words, and the cases about a
similar matter that the viewer may see."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from redress.cases.models import Case, CaseFlag
from redress.lifecycle import perform
from redress.web.flags import flag_reason

pytestmark = pytest.mark.django_db

PRINTER = "网点的存折打印机坏了，我想补登存折等了半天也打不出来。"
PRINTER_AGAIN = "去网点补登存折，自助打印机显示故障，工作人员说修不好。"
PRINTER_THIRD = "营业厅的补登机一直故障，存折没法打印，白跑了一趟。"


def person(n: int) -> dict:
    return {
        "complainant_phone": f"1380000000{n}",
        "complainant_id_number": "",
        "complainant_name": f"客户{n}",
    }


def case_page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("web:case", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_says_why_a_group_and_a_media_threat_were_flagged(client, bank):
    bank.register(matter=PRINTER, **person(1))
    bank.register(matter=PRINTER_AGAIN, **person(2))
    third = bank.register(matter=PRINTER_THIRD + "不修好就找媒体曝光。", **person(3))
    html = case_page(client, bank.office, third)
    assert "7 天内 3 人、3 件反映相似事项；3 人以上即为群体性投诉。" in html
    assert "客户提到：媒体、曝光。" in html


def test_the_case_page_says_why_a_repeat_was_flagged(client, bank):
    earlier = bank.register(matter=PRINTER, received_at=timezone.now() - dt.timedelta(days=10))
    case = perform("accept", bank.teller, Case.objects.get(pk=earlier.pk))
    perform("reply", bank.teller, case, {"method": "phone", "content": "已答复客户。"})
    again = bank.register(matter=PRINTER_AGAIN)
    likeness = round(again.flags.get(flag="repeat").evidence["likeness"] * 100)
    html = case_page(client, bank.office, again)
    assert f"与已答复的 {earlier.number} 事项相似（相似度 {likeness}%），在 180 天内再次投诉。" in html


def test_the_case_page_lists_the_visible_cases_about_a_similar_matter(client, bank):
    alike = bank.register(matter=PRINTER_AGAIN, **person(2))
    other_branch = bank.register(actor=bank.outsider, subject_unit="B1-1", matter=PRINTER_AGAIN, **person(4))
    confidential = bank.register(
        actor=bank.outlet_head, matter=PRINTER_THIRD, complainant_confidential=True, **person(5)
    )
    bank.register(matter="信用卡从来没用过，却被收取了年费，要求退还。", **person(6))
    case = bank.register(matter=PRINTER, **person(1))
    html = case_page(client, bank.teller, case)
    similar = html.split('id="similar"')[1].split("</ul>")[0]
    assert alike.number in similar and "相似度" in similar
    # Another branch's case is not the teller's to see, a confidential one not to read, another matter
    # is not alike.
    assert other_branch.number not in similar and confidential.number not in similar
    assert "年费" not in similar


def test_a_flag_whose_evidence_the_words_do_not_know_gives_no_sentence(client, bank):
    # An older version of the rules listed the earlier cases; a flag set by hand may carry nothing.
    assert flag_reason("repeat", {"earlier_cases": ["TS2026000001"]}) == ""
    assert flag_reason("repeat", None) == ""
    assert flag_reason("confidential", {}) == ""
    case = bank.register(matter=PRINTER)
    CaseFlag.objects.create(case=case, flag="group", evidence={"complainants": 4})
    html = case_page(client, bank.office, case)
    assert "群体性投诉" in html and "flag-reasons" not in html
