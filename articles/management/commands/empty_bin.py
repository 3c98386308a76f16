"""Delete for good the articles binned more than NEWSDESK_BIN_DAYS days ago:
`empty_bin [--days N] [--dry-run] [--include-annotated] [--archive-dir DIR]`.

Articles carrying analysts' work (labels, notes, claims, hand-made quotes, corrections, reviewed
links, alignments, adjudications) are kept unless --include-annotated is given. Whatever is
deleted is first written, in export_corpus's format, to an archive file named in the output.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles import article_bin
from articles.exporting import export_lines


class Command(BaseCommand):
    help = "Delete for good the articles binned long ago, archiving them first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="grace period in days (default: the NEWSDESK_BIN_DAYS setting)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
        parser.add_argument(
            "--include-annotated",
            action="store_true",
            help="also delete articles that carry analysts' work (archived first)",
        )
        parser.add_argument(
            "--archive-dir",
            default=None,
            help="where the archive of deleted articles goes (default: var/bin/)",
        )

    def handle(self, *args, days, dry_run, include_annotated, archive_dir, **options):
        days = settings.NEWSDESK_BIN_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days cannot be negative")
        folder = Path(archive_dir) if archive_dir else Path(settings.BASE_DIR) / "var" / "bin"
        verb = "would delete" if dry_run else "deleted"
        with transaction.atomic():
            # Locked until the end, so nobody restores an article between archive and delete.
            articles = list(article_bin.expired(days).select_for_update().only("pk", "title"))
            work = article_bin.work_on(a.pk for a in articles)
            kept = [a for a in articles if a.pk in work.annotated and not include_annotated]
            doomed = [a for a in articles if a not in kept]
            for article in kept:
                own = article_bin.work_on([article.pk])
                self.stdout.write(
                    f"kept {article.pk} “{article.title[:80]}”: carries "
                    + "; ".join(own.lines())
                    + " (use --include-annotated to delete it, archived)"
                )
            for article in doomed:
                self.stdout.write(f"{verb} {article.pk} “{article.title[:80]}”")
            archive = ""
            if doomed and not dry_run:
                archive = str(self._archive(folder, [a.pk for a in doomed]))
                article_bin.delete_for_good([a.pk for a in doomed], archive=archive)
        summary = f"{verb.replace(' ', '_')}={len(doomed)} kept={len(kept)}"
        if archive:
            summary += f" archive={archive}"
        self.stdout.write(summary)

    def _archive(self, folder: Path, ids: list[int]) -> Path:
        """Write the articles to a new file, synced to disk before anything is deleted."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"emptied-bin-{stamp}.jsonl"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".emptied-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                for line in export_lines(ids):
                    out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
