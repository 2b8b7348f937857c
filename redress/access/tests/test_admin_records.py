"""The admin site's lists of a case's records (issue 14 item 1): only those of cases the administrator may
see, and none deletable there, so the history they belong to stays whole."""

import uuid

import pytest
from django.contrib import admin
from django.test import RequestFactory

from redress.deadlines.models import Extension
from redress.escalation.models import Accountability, SupervisionNotice
from redress.notifications.models import Delivery, Notification, WebhookDelivery

pytestmark = pytest.mark.django_db

RECORDS = [SupervisionNotice, Accountability, Extension, Notification, Delivery, WebhookDelivery]


def request_by(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
def test_no_record_of_a_cases_history_is_deletable_or_editable_in_the_admin(bank, model):
    model_admin = admin.site._registry[model]
    request = request_by(bank.admin)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_add_permission(request)


def notification(recipient, case=None) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        case=case,
        event="e",
        subject="s",
        dedupe_key=str(uuid.uuid4()),
        batch=uuid.uuid4(),
    )


def test_the_admin_lists_no_notification_of_a_case_about_the_administrator(bank):
    about_admin = bank.register(subject_staff="admin")
    hidden, shown, general = (
        notification(bank.office, about_admin),
        notification(bank.office, bank.register()),
        notification(bank.teller),
    )
    for record in (hidden, shown):
        Delivery.objects.create(
            notification=record, channel="email", address="x@example.com", dedupe_key=str(record.pk)
        )
    request = request_by(bank.admin)
    assert set(admin.site._registry[Notification].get_queryset(request)) == {shown, general}
    deliveries = admin.site._registry[Delivery].get_queryset(request)
    assert [d.notification_id for d in deliveries] == [shown.pk]


def test_the_admins_sections_are_named_in_the_banks_language(client, bank):
    client.force_login(bank.admin)
    page = client.get("/admin/").content.decode()
    for heading in ("检索与同类事项", "升级与督办", "机构与人员", "登录尝试"):
        assert heading in page
    # Each app's English name (as Django shows it, capitalised) is nowhere on the Chinese page.
    for english in ("Matching", "Escalation", "Organisation", "Axes", "Access", "Audit", "Deadlines"):
        assert f">{english}<" not in page
