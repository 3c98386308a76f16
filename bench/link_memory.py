"""Memory of an import with coverage linking on: resident memory after every 1,000 files.

Writes generated article files (bench/import_speed.py's `write_corpus`), then imports them in
this process with `ArticleImporter(workers=2)` into a fresh SQLite database (or --database-url,
which must be an empty one), a folder of 1,000 files at a time as `import_articles` would.
After each folder it prints the resident set size once garbage is collected and glibc has given
free pages back (`malloc_trim`), so what is left is memory still held: it must not grow with
the number of files imported.

    .venv/bin/python bench/link_memory.py [--files 4000] [--no-links]
"""

import argparse
import ctypes
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def rss_mib() -> dict[str, float]:
    """Resident memory in MiB: anonymous (the heap: what a leak grows) and file-backed
    (SQLite's memory-mapped database pages: the kernel's cache, given back under pressure)."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("RssAnon", "RssFile")}


def settled_rss_mib() -> dict[str, float]:
    """Resident memory once collectable objects are gone and free heap is handed back."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mib()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--per-step", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-links", action="store_true")
    args = parser.parse_args()

    from import_speed import write_corpus

    work = Path(tempfile.mkdtemp(prefix="newsdesk-link-memory-"))
    try:
        folder = work / "corpus"
        folder.mkdir()
        write_corpus(folder, args.files)
        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work}/memory.sqlite3"
        os.environ.setdefault("SECRET_KEY", "bench")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from articles.importing import ArticleImporter

        steps = sorted(folder.iterdir())  # write_corpus puts 1,000 files in each sub-folder
        print(f"before import: {settled_rss_mib()}", flush=True)
        done = 0
        for step in steps:
            started = time.perf_counter()
            importer = ArticleImporter(workers=2, suggest_links=not args.no_links)
            files = len(list(step.iterdir()))
            statuses = [r.status for r in importer.import_paths([step], expected=files)]
            done += len(statuses)
            rss = settled_rss_mib()
            print(
                f"{done:>6} files: {rss['RssAnon']:6.0f} MiB anonymous, "
                f"{rss['RssFile']:6.0f} MiB file-backed (settled), "
                f"{sys.getallocatedblocks():>8} Python blocks, "
                f"{time.perf_counter() - started:5.1f}s "
                f"({statuses.count('imported')} imported)",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
