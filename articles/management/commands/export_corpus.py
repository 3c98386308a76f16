"""Export the whole corpus as JSON Lines: `export_corpus [--output FILE]` (default stdout)."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from articles.exporting import export_lines


class Command(BaseCommand):
    help = "Write every article with its quotes, labels, claims and links as JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, output, **options):
        # One read transaction: the export is a consistent snapshot even while analysts write
        # (PostgreSQL gives REPEATABLE READ below; SQLite's WAL readers see one snapshot).
        # Only a transaction's first statement can choose its isolation; inside a caller's
        # transaction (a test, a script) the export reads in that one.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                self._set_snapshot()
            if not output:
                for line in export_lines():
                    self.stdout.write(line)
                return
            target = Path(output)
            # Write beside the target and rename: a failed export never leaves half a file.
            fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=".export-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                    for line in export_lines():
                        out.write(line + "\n")
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def _set_snapshot(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
