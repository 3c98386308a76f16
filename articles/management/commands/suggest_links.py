"""(Re)index the whole corpus for coverage and suggest links: `suggest_links [--rebuild] [--batch N] [--workers N]`."""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from articles.coverage import index_article, rebuild_index, restore_key_indexes
from articles.models import (
    Article,
    ArticleFingerprint,
    BandKey,
    BlockingKey,
    CoverageLink,
    Story,
    TermCount,
)

# The tables a rebuild rewrites whole, and the articles whose stories it sets.
REBUILT = (Article, ArticleFingerprint, BandKey, BlockingKey, CoverageLink, Story, TermCount)


def refresh_statistics():
    """Have the database re-read the rebuilt tables' statistics at once.

    The query planner's statistics still describe the tables as they were before the
    rebuild until autovacuum (PostgreSQL) or an ANALYZE (SQLite, never on its own) catches up.
    Until then the pages chose plans for tables that no longer exist: SQLite scanned every
    article for a story's articles, and PostgreSQL planned the list's link counts so expensively
    that it compiled them (JIT) on every request.
    """
    with connection.cursor() as cursor:
        for model in REBUILT:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


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
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that read and compare articles while this one reads and writes the "
            "database, for a whole-corpus index (default: the cores, at most 2; 1: all here)",
        )

    def handle(self, *args, rebuild, batch, workers, verbosity, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more")
        workers = workers or min(2, os.cpu_count() or 1)
        started = time.perf_counter()
        if rebuild or not ArticleFingerprint.objects.exists():
            progress = self.stdout.write if verbosity >= 2 else None
            stats = rebuild_index(batch=max(1, batch), workers=workers, progress=progress)
            refresh_statistics()
            self.stdout.write(
                f"indexed={stats['articles']} pairs={stats['pairs']} "
                f"suggested={stats['suggested']} seconds={time.perf_counter() - started:.1f}"
            )
            return
        # A rebuild killed midway leaves the key indexes it set aside missing.
        restore_key_indexes()
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
