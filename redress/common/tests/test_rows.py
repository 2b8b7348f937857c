"""New rows written by one plain INSERT (redress.common.rows): as save() and bulk_create write them."""

import pytest
from django.db.models.signals import post_save

from redress.cases.models import CaseFlag
from redress.common import rows

pytestmark = pytest.mark.django_db


def test_a_row_inserted_reads_back_as_saved(bank):
    case = bank.register()
    flag = rows.insert(CaseFlag(case=case, flag="major", evidence={"by": "rule"}))
    assert flag.pk and not flag._state.adding
    stored = CaseFlag.objects.get(pk=flag.pk)
    assert (stored.case_id, stored.flag, stored.evidence) == (case.pk, "major", {"by": "rule"})
    assert stored.set_at is not None  # auto_now_add, as save() fills it


def test_rows_inserted_together_get_their_own_keys(bank):
    case = bank.register()
    flags = [CaseFlag(case=case, flag=f, evidence={}) for f in ("major", "media_threat")]
    rows.insert_many(flags)
    written = CaseFlag.objects.filter(pk__in=[f.pk for f in flags]).values_list("flag", flat=True)
    assert sorted(written) == ["major", "media_threat"]


def test_a_model_whose_saves_a_receiver_hears_is_refused(bank):
    """A receiver of its saves would silently not be told of a row written this way."""
    case = bank.register()

    def heard(**kwargs):
        pass

    post_save.connect(heard, sender=CaseFlag, dispatch_uid="test-rows-heard")
    rows._statements.clear()
    try:
        with pytest.raises(TypeError, match="signal receivers"):
            rows.insert(CaseFlag(case=case, flag="major", evidence={}))
    finally:
        post_save.disconnect(sender=CaseFlag, dispatch_uid="test-rows-heard")
        rows._statements.clear()
