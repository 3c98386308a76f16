"""The full-text search index (SQLite FTS5 with triggers, or a PostgreSQL GIN expression
index), and a partial index that lists visible articles newest first without reading rows.

Neither is visible to the model state: both are maintained by articles.search, which also
re-creates the SQLite triggers after any later migration that remakes articles_article.
"""

from django.db import migrations


def visible_newest(vendor):
    # Undated articles sort last on both databases (SQLite's DESC already puts NULLs last).
    if vendor == "postgresql":
        columns = "published DESC NULLS LAST, id DESC"
    else:
        # SQLite only counts through an index that holds every column the WHERE names;
        # without deleted_at it counts by reading whole rows, bodies and all.
        columns = "published DESC, id DESC, deleted_at"
    return (
        "CREATE INDEX IF NOT EXISTS article_visible_newest ON articles_article"
        f" ({columns}) WHERE deleted_at IS NULL"
    )


def create(apps, schema_editor):
    from articles.search import ensure_index

    ensure_index(schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(visible_newest(schema_editor.connection.vendor))


def drop(apps, schema_editor):
    from articles.search import drop_index

    drop_index(schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS article_visible_newest")


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_defaults")]

    operations = [migrations.RunPython(create, drop)]
