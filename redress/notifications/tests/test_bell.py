"""The bell: unread count in the header, the notifications page, marking read."""

import pytest
from django.urls import reverse

from redress.notifications.models import Notification
from redress.notifications.services import notify, unread_count
from redress.testing import PASSWORD


@pytest.fixture
def told(bank):
    case = bank.register(subject_staff="subject")
    for n in range(3):
        notify(
            "clock.warning",
            case=case,
            recipients=[bank.outlet_head, bank.teller],
            subject=f"提醒 {n}",
            body="",
            dedupe_key=f"warn:{n}",
        )
    return case


def log_in(client, staff):
    assert client.login(username=staff.username, password=PASSWORD)


def test_unread_count_is_per_person(bank, told):
    Notification.objects.filter(recipient=bank.teller).update(in_app=False)  # turned the bell off
    assert unread_count(bank.outlet_head) == 3
    assert unread_count(bank.teller) == 0
    assert unread_count(bank.handler) == 0


def test_the_page_lists_ones_own_notifications_with_a_link_to_the_case(bank, told, client):
    log_in(client, bank.outlet_head)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-unread="3"' in page
    assert "提醒 2" in page
    assert reverse("web:case", args=[told.number]) in page


def test_no_link_to_a_case_the_reader_cannot_see(bank, told, client):
    notify(
        "clock.warning", case=told, recipients=[bank.outsider], subject="外行提醒", body="", dedupe_key="o"
    )
    log_in(client, bank.outsider)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "外行提醒" in page
    assert told.number not in page


def test_bell_in_a_page_shows_the_unread_count(bank, told, client):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = bank.outlet_head
    html = Template('{% include "notifications/_bell.html" %}').render(
        RequestContext(request, {"user": request.user})
    )
    assert 'data-unread="3"' in html
    assert reverse("notifications:inbox") in html


def test_mark_one_read_then_all(bank, told, client):
    log_in(client, bank.outlet_head)
    first = Notification.objects.filter(recipient=bank.outlet_head).first()
    response = client.post(reverse("notifications:read", args=[first.id]))
    assert response.status_code == 302
    assert unread_count(bank.outlet_head) == 2
    assert unread_count(bank.teller) == 3

    client.post(reverse("notifications:read_all"))
    assert unread_count(bank.outlet_head) == 0
    assert unread_count(bank.teller) == 3
    page = client.get(reverse("notifications:inbox") + "?unread=1").content.decode()
    assert 'data-unread="0"' in page


def test_nobody_marks_another_persons_notification(bank, told, client):
    log_in(client, bank.outlet_head)
    theirs = Notification.objects.filter(recipient=bank.teller).first()
    assert client.post(reverse("notifications:read", args=[theirs.id])).status_code == 404
    assert unread_count(bank.teller) == 3


def test_the_page_needs_a_login(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


def test_every_page_header_carries_the_bell(bank, told, client):
    log_in(client, bank.outlet_head)
    page = client.get(reverse("web:register")).content.decode()
    assert f'href="{reverse("notifications:inbox")}"' in page
    assert 'data-unread="3"' in page
    Notification.objects.filter(recipient=bank.outlet_head).update(read_at="2026-01-01T00:00:00Z")
    assert 'data-unread="0"' in client.get(reverse("web:register")).content.decode()
