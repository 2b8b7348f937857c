"""Phone and ID numbers at rest (R10.3, decision 0031): encrypted in the row, found by their blind index,
readable after a key rotation, and a lookup on the encrypted column refused rather than silently empty."""

import base64
import dataclasses
import importlib

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from redress.access.visibility import visible_to
from redress.cases.models import Case
from redress.cases.register_query import RegisterFilter
from redress.common import crypto
from redress.common.errors import FieldErrors
from redress.settings import field_keys

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def raw_row(case: Case) -> tuple:
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT complainant_phone, complainant_id_number, complainant_phone_index, complainant_id_index "
            f"FROM {table} WHERE id = %s",
            [case.pk],
        )
        return cursor.fetchone()


def key(seed: bytes) -> str:
    return base64.urlsafe_b64encode(seed.ljust(32, b"0")).decode()


def test_the_row_holds_no_plaintext_phone_or_id_number(bank):
    case = bank.register(complainant_phone=PHONE, complainant_id_number=ID_NUMBER)
    phone, id_number, phone_index, id_index = raw_row(case)
    for stored in (phone, id_number, phone_index, id_index):
        assert PHONE not in stored and ID_NUMBER not in stored and "5678" not in stored
    assert phone.startswith(settings_key_id() + "$") and id_number.startswith(settings_key_id() + "$")
    # The model reads them back whole.
    again = Case.objects.get(pk=case.pk)
    assert (again.complainant_phone, again.complainant_id_number) == (PHONE, ID_NUMBER)


def settings_key_id() -> str:
    from django.conf import settings

    return settings.FIELD_KEYS.current


def test_the_same_number_is_stored_differently_each_time_but_indexed_alike(bank):
    first = bank.register(complainant_phone=PHONE)
    second = bank.register(complainant_phone=PHONE)
    assert raw_row(first)[0] != raw_row(second)[0]
    assert raw_row(first)[2] == raw_row(second)[2] == Case.phone_index(PHONE)


def test_a_search_by_whole_phone_or_id_number_finds_the_case(bank):
    wanted = bank.register(complainant_phone="13900001111", complainant_id_number=ID_NUMBER)
    bank.register(complainant_phone="13900002222", complainant_id_number="")

    def found(**params):
        return [c.number for c in RegisterFilter.from_params(params).apply(visible_to(bank.office))]

    assert found(phone="139 0000 1111") == [wanted.number]
    assert found(id_number=ID_NUMBER.lower()) == [wanted.number]


def test_a_lookup_on_the_encrypted_column_is_refused(bank):
    bank.register()
    with pytest.raises(FieldError, match="blind index"):
        list(Case.objects.filter(complainant_phone=PHONE))


def test_a_value_copied_into_another_column_does_not_decrypt(bank):
    case = bank.register(complainant_phone=PHONE, complainant_id_number=ID_NUMBER)
    stored_phone = raw_row(case)[0]
    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(stored_phone, "cases.Case.complainant_id_number")


def test_after_rotation_old_rows_read_and_every_row_is_on_the_new_key(bank):
    old_keys = f"t1:{key(b'old')}"
    index = key(b"index")
    with override_settings(FIELD_KEYS=crypto.parse_keys(old_keys, index)):
        before = [bank.register(complainant_phone=f"1380000{n:04d}") for n in range(5)]
    assert {raw_row(c)[0].split("$")[0] for c in before} == {"t1"}
    rotated = crypto.parse_keys(f"t2:{key(b'new')},{old_keys}", index)
    with override_settings(FIELD_KEYS=rotated):
        # Readable under the new configuration before the rotation runs (the old key still decrypts).
        assert Case.objects.get(pk=before[0].pk).complainant_phone == "13800000000"
        call_command("rotate_field_keys", batch_size=2, verbosity=0)
        after = bank.register(complainant_phone="13800009999")
        for case in [*before, after]:
            assert raw_row(case)[0].startswith("t2$")
        assert [Case.objects.get(pk=c.pk).complainant_phone for c in before] == [
            f"1380000{n:04d}" for n in range(5)
        ]
        # The blind index did not change (its key did not): the search still finds the old rows.
        found = RegisterFilter.from_params({"phone": "13800000003"}).apply(visible_to(bank.office))
        assert [c.pk for c in found] == [before[3].pk]
    # Once rotated, the old key may go: the rows decrypt with the new one alone.
    with override_settings(FIELD_KEYS=crypto.parse_keys(f"t2:{key(b'new')}", index)):
        assert Case.objects.get(pk=before[1].pk).complainant_phone == "13800000001"


def test_a_new_index_key_is_applied_to_every_row_by_reindexing(bank):
    case = bank.register(complainant_phone=PHONE)
    from django.conf import settings

    new_index = dataclasses.replace(settings.FIELD_KEYS, index_key=b"another index key".ljust(32, b"0"))
    with override_settings(FIELD_KEYS=new_index):
        assert Case.phone_index(PHONE) != raw_row(case)[2]
        call_command("rotate_field_keys", reindex=True, verbosity=0)
        assert raw_row(case)[2] == Case.phone_index(PHONE)
        found = RegisterFilter.from_params({"phone": PHONE}).apply(visible_to(bank.office))
        assert [c.pk for c in found] == [case.pk]


def test_outside_the_demo_start_up_needs_the_field_keys(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="REDRESS_FIELD_KEYS"):
        field_keys({}, tmp_path, demo=False)
    with pytest.raises(ImproperlyConfigured, match="32 random bytes"):
        field_keys(
            {"REDRESS_FIELD_KEYS": "k1:c2hvcnQ", "REDRESS_FIELD_INDEX_KEY": key(b"i")}, tmp_path, False
        )
    assert not list(tmp_path.iterdir())


def test_the_demo_keeps_one_generated_set_of_keys(tmp_path):
    first = field_keys({}, tmp_path, demo=True)
    assert field_keys({}, tmp_path, demo=True) == first
    assert (tmp_path / "field_keys").stat().st_mode & 0o777 == 0o600


def test_the_migration_encrypts_rows_stored_in_plain_text(bank):
    case = bank.register(complainant_phone=PHONE, complainant_id_number=ID_NUMBER)
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET complainant_phone = %s, complainant_id_number = %s, "
            f"complainant_phone_index = '', complainant_id_index = '' WHERE id = %s",
            [PHONE, ID_NUMBER, case.pk],
        )
    migration = importlib.import_module("redress.cases.migrations.0016_encrypt_existing_personal_data")
    from django.apps import apps

    migration.encrypt(apps, connection.schema_editor())
    phone, id_number, phone_index, id_index = raw_row(case)
    assert PHONE not in phone and ID_NUMBER not in id_number
    assert (phone_index, id_index) == (Case.phone_index(PHONE), Case.id_index(ID_NUMBER))
    assert Case.objects.get(pk=case.pk).complainant_phone == PHONE


def test_the_admin_site_shows_the_numbers_masked(client, bank):
    from django.urls import reverse

    case = bank.register(complainant_phone=PHONE, complainant_id_number=ID_NUMBER)
    client.force_login(bank.admin)
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****5678" in html
    assert PHONE not in html and ID_NUMBER not in html


def test_accounts_and_address_are_stored_encrypted_masked_and_shown_after_a_reveal(bank):
    from django.test import Client

    from redress.access.models import ApiToken
    from redress.lifecycle import perform

    case = bank.register(
        complainant_accounts="6222 0212 3456 7890 123、６２１７００１２３４５６７８９０",
        complainant_address="湖北省武汉市江汉区解放大道 688 号",
    )
    assert case.complainant_accounts == "6222021234567890123, 6217001234567890"
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT complainant_accounts, complainant_address FROM {table} WHERE id = %s", [case.pk]
        )
        accounts, address = cursor.fetchone()
    assert "7890" not in accounts and "解放大道" not in address
    client = Client(headers={"Authorization": f"Bearer {ApiToken.issue(bank.teller)}"})
    shown = client.get(f"/api/v1/cases/{case.number}").json()["complainant"]
    assert (shown["accounts"], shown["address"]) == ("****0123, ****7890", "湖北省武汉市****")
    perform("reveal", bank.teller, case, {"purpose": "check_accounts"})
    shown = client.get(f"/api/v1/cases/{case.number}").json()["complainant"]
    assert shown["accounts"] == "6222021234567890123, 6217001234567890"
    assert shown["address"] == "湖北省武汉市江汉区解放大道 688 号"


def test_a_malformed_account_number_is_a_field_error(bank):
    from redress.cases.services import validate_registration

    with pytest.raises(FieldErrors) as refused:
        validate_registration(bank.teller, bank.registration(complainant_accounts="62220212345678x"))
    assert "complainant.accounts" in refused.value.errors
