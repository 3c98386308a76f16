"""Version numbers that database triggers move on with every change of the articles a list
shows, so per-process caches of lists are keyed by them (see articles.caching)."""

from django.db import migrations, models


def create(apps, schema_editor):
    from articles.caching import ensure_triggers

    ensure_triggers(schema_editor.connection)


def drop(apps, schema_editor):
    from articles.caching import drop_triggers

    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_article_search_index")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
