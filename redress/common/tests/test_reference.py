"""Reference data cached per process stays true: every write to a watched table, however made, is seen at
the next read, and nothing else empties the caches."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redress.cases.models import ClassificationItem
from redress.cases.services import active_classification
from redress.common import reference
from redress.deadlines.models import Policy
from redress.deadlines.services import active_policies
from redress.escalation.models import TriggerSettings
from redress.escalation.triggers import current_settings
from redress.organisation.lookups import active_unit, staff_member
from redress.organisation.models import Staff, Unit

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()) -> None:
    # Past the ORM and its signals, as another node or a DBA's psql would write.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_direct_sql_rename_of_a_unit_is_seen_at_the_next_lookup(bank):
    assert active_unit("A1-1").name == bank.outlet_a1_1.name
    raw("UPDATE organisation_unit SET name = %s WHERE code = %s", ["改名网点", "A1-1"])
    assert active_unit("A1-1").name == "改名网点"


def test_a_unit_made_inactive_is_no_longer_found(bank):
    assert active_unit("A1-1") is not None
    Unit.objects.filter(code="A1-1").update(active=False)
    assert active_unit("A1-1") is None


def test_a_lookup_answers_from_the_cache_with_one_statement_for_the_tokens(bank):
    (
        active_unit("A1-1"),
        staff_member("teller"),
        active_policies(),
        active_classification(),
        current_settings(),
    )
    with CaptureQueriesContext(connection) as seen, reference.pinned():
        assert active_unit("A1-1").code == "A1-1"
        assert staff_member("teller").username == "teller"
        assert active_policies()
        assert active_classification()
        current_settings()
    assert [q["sql"] for q in seen.captured_queries] == [f"SELECT key, token FROM {reference.TABLE}"]


def test_a_login_does_not_empty_the_organisation_cache(bank):
    before = reference.token("organisation")
    Staff.objects.filter(username="teller").update(last_login=timezone.now())
    assert reference.token("organisation") == before


def test_a_deactivated_staff_member_is_seen_as_such(bank):
    assert staff_member("teller").is_active
    Staff.objects.filter(username="teller").update(is_active=False)
    assert not staff_member("teller").is_active


def test_each_caller_gets_its_own_copy_of_a_cached_unit(bank):
    first = active_unit("A1-1")
    first.name = "changed in memory only"
    assert active_unit("A1-1").name == bank.outlet_a1_1.name


def test_a_write_rolled_back_leaves_the_cache_as_the_database_is(bank):
    assert active_unit("A1-1").name == bank.outlet_a1_1.name
    with pytest.raises(RuntimeError), transaction.atomic():
        Unit.objects.filter(code="A1-1").update(name="rolled back")
        assert active_unit("A1-1").name == "rolled back"
        raise RuntimeError
    assert active_unit("A1-1").name == bank.outlet_a1_1.name


def test_a_new_policy_version_applies_at_once(bank):
    before = {p.pk for p in active_policies()}
    template = Policy.objects.filter(active=True).first()
    template.pk, template.version, template.effective_from = None, template.version + 100, dt.date(2020, 1, 1)
    template.save()
    assert {p.pk for p in active_policies()} == before | {template.pk}


def test_a_new_classification_item_is_known_at_once(bank):
    version = ClassificationItem.objects.filter(version__active=True).first().version
    count = len(active_classification())
    ClassificationItem.objects.create(version=version, dimension="reason", label="新的原因", code="")
    assert len(active_classification()) == count + 1


def test_new_trigger_settings_apply_at_once(bank):
    current = current_settings()
    TriggerSettings.objects.create(
        version=current.version + 1,
        effective_from=dt.date(2020, 1, 1),
        active=True,
        media_phrases=["新的说法"],
        top_media_phrases=[],
    )
    assert current_settings().media_phrases == ["新的说法"]


def test_without_a_token_nothing_is_cached(bank):
    raw(f"DELETE FROM {reference.TABLE}")
    cache: reference.VersionedCache[str, int] = reference.VersionedCache("organisation")
    loads = []
    for _ in range(2):
        cache.get("x", lambda item: loads.append(item) or len(loads))
    assert loads == ["x", "x"]
