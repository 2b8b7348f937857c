"""Encrypts the phone and ID numbers stored before decision 0031 and fills their blind indexes.

Plain SQL in batches, so it reads the stored text as it is (the model's field would try to decrypt it) and
runs the same on SQLite and PostgreSQL. A value already encrypted (it carries a key id and "$"; a phone or ID
number never has one) is left alone, so the migration may be run again after an interruption.
"""

from django.db import migrations

from redress.common import crypto

BATCH = 1000
COLUMNS = (
    ("complainant_phone", "complainant_phone_index"),
    ("complainant_id_number", "complainant_id_index"),
)


def _label(column: str) -> str:
    return f"cases.Case.{column}"


def _rows(schema_editor, table: str):
    last = 0
    while True:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, complainant_phone, complainant_id_number FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            batch = cursor.fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def encrypt(apps, schema_editor):
    table = apps.get_model("cases", "Case")._meta.db_table
    for batch in _rows(schema_editor, table):
        updates = []
        for pk, phone, id_number in batch:
            values = []
            for (column, _index), value in zip(COLUMNS, (phone, id_number), strict=True):
                plain = value if value and crypto.SEPARATOR not in value else None
                if plain is None:
                    values += [value, None]
                else:
                    values += [crypto.encrypt(plain, _label(column)), crypto.blind_index(plain, _label(column))]
            if values[0] != phone or values[2] != id_number:
                updates.append((values, pk))
        if updates:
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(
                    f"""UPDATE {table} SET complainant_phone = %s,
                               complainant_phone_index = COALESCE(%s, complainant_phone_index),
                               complainant_id_number = %s,
                               complainant_id_index = COALESCE(%s, complainant_id_index)
                         WHERE id = %s""",
                    [[*values, pk] for values, pk in updates],
                )


def decrypt(apps, schema_editor):
    table = apps.get_model("cases", "Case")._meta.db_table
    for batch in _rows(schema_editor, table):
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                f"""UPDATE {table} SET complainant_phone = %s, complainant_id_number = %s,
                           complainant_phone_index = '', complainant_id_index = '' WHERE id = %s""",
                [
                    [
                        crypto.decrypt(phone, _label("complainant_phone")) if phone else "",
                        crypto.decrypt(idn, _label("complainant_id_number")) if idn else "",
                        pk,
                    ]
                    for pk, phone, idn in batch
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_encrypt_personal_data")]

    operations = [migrations.RunPython(encrypt, decrypt, elidable=False)]
