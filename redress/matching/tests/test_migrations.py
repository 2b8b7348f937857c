"""The matching app's data migrations on a database with cases."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from redress.matching.models import TopicMember

pytestmark = pytest.mark.django_db(transaction=True)

LATEST = "0010_topics_after_locks"
PRINTER = "网点的存折打印机坏了，补登不了。"
PRINTER_AGAIN = "去网点补登存折，自助打印机显示故障，工作人员说修不好。"
CARD_FEE = "信用卡从来没用过，却被收取了年费，要求退还。"


def migrate(target: str):
    """Migrate the matching app to `target`; returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("matching", target)])
    return executor.loader.project_state(("matching", target)).apps


@pytest.fixture
def back_to_latest():
    yield
    migrate(LATEST)


def test_the_band_rows_take_their_cases_scope_path_and_product(bank, back_to_latest):
    about_a_unit = bank.register(product="信用卡")
    about_nobody = bank.register(kind="suggestion", subject_unit="", product="")
    old = migrate("0006_matter_concepts_kept")
    band = old.get_model("matching", "MatterBand")
    band.objects.bulk_create(
        [
            band(key=n, received_at=c.received_at, case_id=c.pk)
            for n, c in enumerate([about_a_unit, about_nobody])
        ]
    )
    rows = set(
        migrate("0007_band_scope")
        .get_model("matching", "MatterBand")
        .objects.values_list("case_id", "scope_path", "product")
    )
    assert rows == {
        (about_a_unit.pk, about_a_unit.subject_unit_path, "信用卡"),
        (about_nobody.pk, about_nobody.unit_path, ""),
    }
    assert about_a_unit.subject_unit_path and about_nobody.unit_path


def test_existing_cases_are_placed_in_topics_as_registration_would_have(bank, back_to_latest):
    first = bank.register(matter=PRINTER, product="存折")
    again = bank.register(matter=PRINTER_AGAIN, subject_unit="", kind="suggestion")
    other = bank.register(matter=CARD_FEE, joint_complainants=3, complainant_id_number="")
    placed_at_registration = dict(TopicMember.objects.values_list("case_id", "topic_id"))
    people_at_registration = set(TopicMember.objects.values_list("case_id", "person", "people"))
    migrate("0007_band_scope")
    migrate(LATEST)
    members = {m.case_id: m for m in TopicMember.objects.all()}
    assert set(members) == {first.pk, again.pk, other.pk}
    assert members[first.pk].topic_id == members[again.pk].topic_id != members[other.pk].topic_id
    assert members[first.pk].topic.raised_by_id == first.pk
    # Where each counts for a group and its product, as registration writes them.
    assert (members[first.pk].scope_path, members[first.pk].product) == (first.subject_unit_path, "存折")
    assert members[again.pk].scope_path == again.unit_path
    # Who complained and how many people, as registration writes them (0009 copies them from the cases).
    assert set(TopicMember.objects.values_list("case_id", "person", "people")) == people_at_registration
    assert (members[other.pk].person, members[other.pk].people) == (other.complainant_phone_index, 3)
    assert members[first.pk].person == first.complainant_id_index != ""
    # The same grouping as registration's (the topics' ids are new).
    same = {
        (a, b)
        for a in placed_at_registration
        for b in placed_at_registration
        if placed_at_registration[a] == placed_at_registration[b]
    }
    assert same == {(a, b) for a in members for b in members if members[a].topic_id == members[b].topic_id}
