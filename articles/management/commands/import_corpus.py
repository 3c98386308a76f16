"""Restore an export made by export_corpus into an empty database: `import_corpus FILE`."""

from django.core.management.base import BaseCommand, CommandError

from articles.exporting import RestoreError, restore_lines


class Command(BaseCommand):
    help = "Restore a JSON Lines export (all or nothing) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by export_corpus ('-' for standard input)")

    stealth_options = ("stdin",)  # tests may hand in a stream; defaults to sys.stdin

    def execute(self, *args, **options):
        self.stdin = options.pop("stdin", None)
        return super().execute(*args, **options)

    def handle(self, *args, file, **options):
        import sys

        try:
            if file == "-":
                count = restore_lines(self.stdin or sys.stdin)
            else:
                with open(file, encoding="utf-8") as lines:
                    count = restore_lines(lines)
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text") from None
        except RestoreError as exc:
            raise CommandError(f"{file}: {exc}; nothing was restored") from None
        self.stdout.write(f"restored={count}")
