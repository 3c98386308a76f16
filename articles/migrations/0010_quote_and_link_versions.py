"""Version rows for quotes (with stance labels and speakers) and coverage links, moved on by
database triggers, so the article list can cache what it reads from them (see articles.caching).
"""

from django.db import migrations

NEW = ("quotes", "links")


def create(apps, schema_editor):
    from articles.caching import ensure_triggers

    ensure_triggers(schema_editor.connection)  # every trigger, the new ones among them


def drop(apps, schema_editor):
    from articles.caching import drop_triggers

    drop_triggers(schema_editor.connection, versions=NEW)
    apps.get_model("articles", "DataVersion").objects.filter(name__in=NEW).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_queue_tally")]

    operations = [migrations.RunPython(create, drop)]
