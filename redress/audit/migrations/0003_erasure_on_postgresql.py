"""On PostgreSQL, the chained tables still refuse UPDATE and DELETE, with one more change allowed (decision
0037): retention replacing a case event's `data` by the erasure marker (`{"erased": {...}}`), every other
column the same. Whether the marker is genuine is `redress audit verify`'s to check (a keyed residue)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION redress_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(OLD) - 'seq' - 'link') = (to_jsonb(NEW) - 'seq' - 'link') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'cases_caseevent'
       AND (to_jsonb(OLD) - 'data') = (to_jsonb(NEW) - 'data')
       AND NOT ((to_jsonb(OLD) -> 'data') ? 'erased')
       AND jsonb_typeof(to_jsonb(NEW) -> 'data') = 'object'
       AND (SELECT array_agg(k) FROM jsonb_object_keys(to_jsonb(NEW) -> 'data') AS k) = ARRAY['erased'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rows of % are written once: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION redress_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(OLD) - 'seq' - 'link') = (to_jsonb(NEW) - 'seq' - 'link') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rows of % are written once: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # its % are PL/pgSQL's, not parameters


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_on_postgresql")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
