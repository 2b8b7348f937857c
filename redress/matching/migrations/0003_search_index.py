"""The search index of the cases' texts: a table of segmented words per case, and the database's own full-text
index over it (PostgreSQL: a generated tsvector with a GIN index; SQLite: an FTS5 table kept by triggers).

Existing cases are indexed by `redress reindex-search`, not here: segmenting a million matters takes
minutes, and a migration should not.
"""

import django.db.models.deletion
from django.db import migrations, models


FORWARD = {
    "postgresql": [
        # 'simple': the words are already segmented by jieba; no stemming or stop words of another language.
        "ALTER TABLE matching_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', matter_words), 'A') || "
        "setweight(to_tsvector('simple', handling_words), 'B')) STORED",
        "CREATE INDEX matching_search_document_idx ON matching_searchentry USING gin (document)",
    ],
    "sqlite": [
        # External content: the words are stored once, in matching_searchentry; FTS5 keeps only its index.
        "CREATE VIRTUAL TABLE matching_search_fts USING fts5(matter_words, handling_words, "
        "content='matching_searchentry', content_rowid='case_id', tokenize='unicode61 remove_diacritics 0')",
        "CREATE TRIGGER matching_search_ai AFTER INSERT ON matching_searchentry BEGIN "
        "INSERT INTO matching_search_fts(rowid, matter_words, handling_words) "
        "VALUES (new.case_id, new.matter_words, new.handling_words); END",
        "CREATE TRIGGER matching_search_ad AFTER DELETE ON matching_searchentry BEGIN "
        "INSERT INTO matching_search_fts(matching_search_fts, rowid, matter_words, handling_words) "
        "VALUES ('delete', old.case_id, old.matter_words, old.handling_words); END",
        "CREATE TRIGGER matching_search_au AFTER UPDATE ON matching_searchentry BEGIN "
        "INSERT INTO matching_search_fts(matching_search_fts, rowid, matter_words, handling_words) "
        "VALUES ('delete', old.case_id, old.matter_words, old.handling_words); "
        "INSERT INTO matching_search_fts(rowid, matter_words, handling_words) "
        "VALUES (new.case_id, new.matter_words, new.handling_words); END",
    ],
}
BACKWARD = {
    "postgresql": [
        "DROP INDEX IF EXISTS matching_search_document_idx",
        "ALTER TABLE matching_searchentry DROP COLUMN IF EXISTS document",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS matching_search_ai",
        "DROP TRIGGER IF EXISTS matching_search_ad",
        "DROP TRIGGER IF EXISTS matching_search_au",
        "DROP TABLE IF EXISTS matching_search_fts",
    ],
}


def _full_text(schema_editor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_reference_tokens"),
        ("matching", "0002_reference_tokens"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="cases.case",
                    ),
                ),
                ("matter_words", models.TextField(blank=True, default="")),
                ("handling_words", models.TextField(blank=True, default="")),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
            },
        ),
        migrations.RunPython(
            lambda apps, schema_editor: _full_text(schema_editor, FORWARD),
            lambda apps, schema_editor: _full_text(schema_editor, BACKWARD),
        ),
    ]
