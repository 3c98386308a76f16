"""(Re)index the whole corpus for coverage and suggest links: `suggest_links [--rebuild] [--batch N]`."""

import time

from django.core.management.base import BaseCommand

from articles.coverage import index_article, rebuild_index
from articles.models import Article, ArticleFingerprint


class Command(BaseCommand):
    help = (
        "Index articles for coverage linking and suggest links. Without --rebuild only articles "
        "not indexed yet (e.g. after a restore) are indexed; --rebuild starts from scratch. "
        "Links already reviewed are never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="drop every fingerprint and key and start again"
        )
        parser.add_argument("--batch", type=int, default=500, help="articles per batch")

    def handle(self, *args, rebuild, batch, verbosity, **options):
        started = time.perf_counter()
        if rebuild or not ArticleFingerprint.objects.exists():
            progress = self.stdout.write if verbosity >= 2 else None
            stats = rebuild_index(batch=max(1, batch), progress=progress)
            self.stdout.write(
                f"indexed={stats['articles']} pairs={stats['pairs']} "
                f"suggested={stats['suggested']} seconds={time.perf_counter() - started:.1f}"
            )
            return
        missing = (
            Article.objects.visible()
            .filter(fingerprint__isnull=True)
            .order_by("pk")
            .iterator(chunk_size=max(1, batch))
        )
        indexed = suggested = 0
        for article in missing:
            suggested += index_article(article)
            indexed += 1
        self.stdout.write(
            f"indexed={indexed} pairs=0 suggested={suggested} "
            f"seconds={time.perf_counter() - started:.1f}"
        )
