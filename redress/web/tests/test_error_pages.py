"""403 and 404 pages in the bank's language, with the reason and a way back (issue 15 item 5)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_missing_case_is_a_404_page_in_words_with_a_way_back(client, bank, settings):
    settings.DEBUG = False
    client.force_login(bank.teller)
    page = client.get(reverse("web:case", args=["TS2099999999"]))
    assert page.status_code == 404
    html = page.content.decode()
    assert "未找到" in html and reverse("web:register") in html
    # A case the user may not see gets the very same page: nothing tells it exists.
    hidden = bank.register(actor=bank.outsider, subject_unit="B1-1")
    other = client.get(reverse("web:case", args=[hidden.number])).content.decode()

    def bare(text: str) -> str:  # the per-response CSRF token and the path asked for (language links) aside
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return re.sub(r"TS\d{10}", "TS…", text)

    assert bare(other) == bare(html)


def test_a_refusal_is_a_403_page_with_its_reason(client, bank, settings):
    settings.DEBUG = False
    case = bank.register()
    client.force_login(bank.auditor)
    page = client.get(reverse("web:act", args=[case.number, "accept"]))
    assert page.status_code == 403
    html = page.content.decode()
    assert "无权操作" in html and reverse("web:register") in html
    assert "Forbidden" not in html
