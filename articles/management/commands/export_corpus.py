"""Export the whole corpus as JSON Lines: `export_corpus [--output FILE]` (default stdout)."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from articles.exporting import export_lines


@contextmanager
def snapshot():
    """One read transaction, so the export is a consistent picture even while analysts write.

    PostgreSQL: REPEATABLE READ, READ ONLY (only a transaction's first statement can set it).
    SQLite: a plain deferred transaction, which in WAL mode reads one snapshot and takes no
    lock; Django's own transactions here are IMMEDIATE (see settings), which would hold the
    write lock for the whole export and make every analyst's save wait, then fail.
    Inside a caller's transaction (a test, a script) the export reads in that one.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # it only read
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield


class Command(BaseCommand):
    help = "Write every article with its quotes, labels, claims and links as JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, output, **options):
        with snapshot():
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
