"""A media item found by monitoring (P3 第八条(四), 第十五条; R6.5): registered as a case of channel media and
routed (transferred) to the spokesperson; only the supervision office registers them."""

from __future__ import annotations

import pytest

from redress.cases.choices import Channel, State
from redress.common.errors import FieldErrors
from redress.lifecycle import ActionForbidden
from redress.lifecycle.media import MediaItemData, register_media_item
from redress.notifications.models import Notification
from redress.organisation.choices import DepartmentFunction, Role, UnitKind
from redress.organisation.services import create_staff, create_unit
from redress.watch.models import MediaItem

pytestmark = pytest.mark.django_db

ITEM = {
    "source": "楚天都市报",
    "title": "某网点排长队无人管",
    "summary": "报道称甲一支行营业部周一上午仅开一个窗口，客户等候两小时。",
    "url": "https://example.com/news/1",
}


@pytest.fixture
def spokesperson(bank):
    office = create_unit(
        code="A-GO",
        name="甲分行办公室",
        kind=UnitKind.DEPARTMENT,
        parent=bank.branch_a,
        function=DepartmentFunction.GENERAL_OFFICE,
    )
    return create_staff(username="speaker", name="新闻发言人", unit=office, roles=[Role.SPOKESPERSON])


def test_a_media_item_becomes_a_media_case_transferred_to_the_nearest_spokesperson(bank, spokesperson):
    item = register_media_item(bank.office, MediaItemData(**ITEM, subject_unit="A1-1"))
    case = item.case
    assert case.channel == Channel.MEDIA and case.state == State.TRANSFERRED
    assert case.holder_unit == spokesperson.unit and case.handler == spokesperson
    assert item.spokesperson == spokesperson and item.found_by == bank.office
    assert "楚天都市报" in case.matter and ITEM["url"] in case.matter
    assert Notification.objects.filter(event="transfer_received", recipient=spokesperson, case=case).exists()


def test_only_the_supervision_office_registers_media_items(bank, spokesperson):
    with pytest.raises(ActionForbidden):
        register_media_item(bank.teller, MediaItemData(**ITEM))
    assert not MediaItem.objects.exists()


def test_a_bad_item_is_refused_field_by_field_and_nothing_is_written(bank, spokesperson):
    with pytest.raises(FieldErrors) as refused:
        register_media_item(bank.office, MediaItemData(source="", title="", summary="x", url="ftp://x"))
    assert set(refused.value.errors) == {"source", "title", "url"}
    assert not MediaItem.objects.exists()


def test_without_a_spokesperson_the_item_is_refused_with_the_reason(bank):
    with pytest.raises(FieldErrors) as refused:
        register_media_item(bank.office, MediaItemData(**ITEM))
    assert "spokesperson" in refused.value.errors
