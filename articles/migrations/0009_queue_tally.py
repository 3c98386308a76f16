"""The number of suggestions left to review, kept by triggers (see articles.queue_tally)."""

from django.db import migrations


def create(apps, schema_editor):
    from articles.queue_tally import install

    install(schema_editor.connection)


def drop(apps, schema_editor):
    from articles.queue_tally import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_link_suggested_pairs")]

    operations = [migrations.RunPython(create, drop)]
