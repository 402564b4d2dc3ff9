"""Full-text search over learning artefacts: a GIN expression index, on PostgreSQL only.

The expression must stay identical to ``practice.selectors.search.document(SEARCH_FIELDS)``
so the planner uses the index. SQLite has no tsvector; its search falls back to icontains.
"""

from django.db import migrations

COLUMNS = (
    "title",
    "question",
    "answer",
    "period",
    "key_points",
    "situation",
    "what_we_did",
    "result",
    "what_happened",
    "what_we_learned",
    "what_wed_do_differently",
    "insight",
)
CREATE = (
    "CREATE INDEX IF NOT EXISTS artefact_search ON practice_artefact USING GIN ("
    "to_tsvector('english'::regconfig, "
    + " || ' ' || ".join(f"COALESCE({column}, '')" for column in COLUMNS)
    + "))"
)
DROP = "DROP INDEX IF EXISTS artefact_search"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("practice", "0003_learning_artefacts")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
