"""Full-text search over help requests: a GIN expression index, on PostgreSQL only.

The expression must stay identical to ``practice.selectors.search.document(REQUEST_SEARCH_FIELDS)`` so the planner
uses the index. SQLite has no tsvector; its search falls back to icontains and needs no index.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS helprequest_search ON practice_helprequest USING GIN ("
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(situation, '') || ' ' || "
    "COALESCE(tried, '')))"
)
DROP = "DROP INDEX IF EXISTS helprequest_search"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("practice", "0001_help_requests")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
