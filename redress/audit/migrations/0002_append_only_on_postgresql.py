"""On PostgreSQL, the chained tables refuse UPDATE and DELETE whoever asks (R10.4, decision 0029): the one
change allowed is the sealer's, giving a row written without a place its place and link, nothing else."""

from django.db import migrations

TABLES = ("cases_caseevent", "audit_auditentry")

FUNCTION = """
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
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # its % are PL/pgSQL's, not parameters
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_written_once BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION redress_written_once()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_written_once ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS redress_written_once()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("cases", "0018_event_seal_and_place")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
