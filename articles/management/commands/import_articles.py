"""Import text files as articles: `import_articles PATH [PATH ...] [--outlet NAME] [--language CODE] [--dry-run] [--no-links] [--workers N]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importing import DUPLICATE, FAILED, IMPORTED, ArticleImporter


class Command(BaseCommand):
    help = "Import *.txt files (or folders of them, recursively) as articles."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument("--outlet", default="", help="the outlet that published these files")
        parser.add_argument("--language", default="", help="language code, e.g. en")
        parser.add_argument(
            "--dry-run", action="store_true", help="analyse and report, write nothing"
        )
        parser.add_argument(
            "--no-links",
            action="store_true",
            help="do not suggest coverage links while importing (faster bulk loads); "
            "run `suggest_links` afterwards to index the new articles",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that analyse the text of a large import while this one writes "
            "(default: the cores left beside this one, at most 2; 0: analyse here)",
        )

    def handle(
        self, *args, paths, outlet, language, dry_run, no_links, workers, verbosity, **options
    ):
        if workers is not None and workers < 0:
            raise CommandError("--workers must be 0 or more")
        counts = {IMPORTED: 0, DUPLICATE: 0, FAILED: 0}
        present = []
        for path in paths:
            if Path(path).exists():
                present.append(path)
            else:
                self.stderr.write(f"{path}: failed: no such file or folder")
                counts[FAILED] += 1
        importer = ArticleImporter(
            outlet=outlet.strip(),
            language=language.strip(),
            dry_run=dry_run,
            suggest_links=not no_links,
            workers=workers,
        )
        # Folders are worth a process pool for the text analysis; single files are not.
        expected = 10_000 if any(Path(p).is_dir() for p in present) else len(present)
        for result in importer.import_paths(present, expected=expected):
            counts[result.status] += 1
            if result.status == FAILED:
                self.stderr.write(f"{result.name}: failed: {result.reason}")
            elif verbosity >= 2:
                self.stdout.write(f"{result.name}: {result.status} {result.reason}".rstrip())
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}imported={counts[IMPORTED]} duplicates={counts[DUPLICATE]} "
            f"failed={counts[FAILED]}"
        )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} file(s) failed", returncode=1)
