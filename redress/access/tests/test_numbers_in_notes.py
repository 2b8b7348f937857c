"""A case number typed into a note is no sign of a case the reader may not see (issue 14 item 1, R10.2):
the case page, its print-outs and the API's answer give way to a phrase wherever the text is shown."""

import pytest
from django.urls import reverse

from redress.api.tests.conftest import bearer_client
from redress.lifecycle import perform

pytestmark = pytest.mark.django_db


@pytest.fixture
def noted(bank):
    """A case of branch A whose transfer note names a case of branch B, which branch A may not see."""
    elsewhere = bank.register(actor=bank.outsider, subject_unit=bank.outlet_b1_1.code)
    case = perform("accept", bank.teller, bank.register())
    note = f"与{elsewhere.number}为同一客户，请一并核查"
    case = perform("transfer", bank.office, case, {"to_unit": bank.dept_a_pb.code, "note": note})
    return case, elsewhere


def test_the_case_page_hides_a_number_typed_into_a_transfer_note(client, bank, noted):
    case, elsewhere = noted
    client.force_login(bank.outlet_head)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    assert "为同一客户" in html  # the note is shown…
    assert elsewhere.number not in html  # …without the number
    client.force_login(bank.office)  # who sees both cases reads the note whole
    assert elsewhere.number in client.get(reverse("web:case", args=[case.number])).content.decode()


def test_the_print_out_of_the_transfer_order_hides_it_too(client, bank, noted):
    case, elsewhere = noted
    order = case.transfer_orders.get()
    client.force_login(bank.outlet_head)
    html = client.get(reverse("web:print_transfer", args=[case.number, order.pk])).content.decode()
    assert "为同一客户" in html and elsewhere.number not in html


def test_the_api_answer_hides_it_in_transfer_orders_note(bank, noted):
    case, elsewhere = noted
    answer = bearer_client(bank.outlet_head).get(f"/api/v1/cases/{case.number}").json()
    assert answer["transfer_orders"][0]["note"].startswith("与") and elsewhere.number not in str(answer)
    whole = bearer_client(bank.office).get(f"/api/v1/cases/{case.number}").json()
    assert elsewhere.number in whole["transfer_orders"][0]["note"]


def test_a_number_written_between_chinese_characters_is_found_in_the_history_too(bank, noted):
    # "与TS…为" has no word boundary around the number: it was shown in the history before.
    case, elsewhere = noted
    history = bearer_client(bank.outlet_head).get(f"/api/v1/cases/{case.number}/events").content.decode()
    assert elsewhere.number not in history
