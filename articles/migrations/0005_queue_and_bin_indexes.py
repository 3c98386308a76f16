"""Indexes for the coverage queue: its order in full (best score, then oldest link), and the
small set of binned articles that the queue leaves out."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_dataversion"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="coveragelink",
            name="link_queue",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", False)),
                fields=["id"],
                name="article_in_bin",
            ),
        ),
        migrations.AddIndex(
            model_name="coveragelink",
            index=models.Index(fields=["status", "-score", "id"], name="link_queue_order"),
        ),
    ]
