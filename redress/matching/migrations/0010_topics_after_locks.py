# The locks of a matter's band keys and the read of the topics sharing them, in one function (PostgreSQL), so
# that registration takes both inside the statement that writes its search entry instead of two statements
# (redress.matching.intake). A VOLATILE function's queries each take a fresh snapshot: the read, made after
# the locks, sees every alike registration committed while this one waited for them, as the next statement
# did before. SQLite has no such function and needs none (one writer at a time).

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION matching_topics_after_locks(keys bigint[]) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- In the keys' order, so that two registrations never wait on each other in a circle; to the commit.
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT unnest(keys) AS k ORDER BY 1) AS ordered;
    -- Each topic as its id, a space and its concepts (which hold no space between them and the id).
    RETURN ARRAY(
        SELECT t.id || ' ' || t.concepts FROM matching_topic t
         WHERE t.id IN (SELECT tk.topic_id FROM matching_topickey tk WHERE tk.key = ANY(keys))
         ORDER BY t.id);
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS matching_topics_after_locks(bigint[])"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0009_member_people'),
    ]

    operations = [migrations.RunPython(create, drop)]
