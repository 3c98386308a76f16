"""PostgreSQL: the searched text of each article stored as a tsvector column kept by a trigger,
indexed instead of the expression (see articles.search). Existing articles are filled in once.
SQLite keeps its FTS5 table: nothing changes there."""

from django.db import migrations


def create(apps, schema_editor):
    from articles.search import ensure_index

    ensure_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_queue_and_bin_indexes")]

    # Going back leaves the column: 0003's reversal (articles.search.drop_index) removes it.
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
