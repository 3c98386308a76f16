"""The size of the corpus when all its candidate pairs were last scored together, so an import
can rescore a small corpus once it has grown by half (see articles.coverage.rescore_if_grown)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_quote_and_link_versions"),
    ]

    operations = [
        migrations.CreateModel(
            name="CorpusScoring",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("articles", models.PositiveIntegerField(default=0)),
            ],
        ),
    ]
