"""Import speed and memory: articles per second and peak memory of `import_articles` on SQLite.

Writes folders of distinct article files (the scale-corpus generator's articles: topics, places,
250 speakers, quotes with cues, 2% copies and 2% rewrites; --dev-texts adds the ~400 real
dev-corpus texts) and imports each folder into a fresh SQLite database in a child process, so
the figures include start-up, decoding, cleaning, quote extraction, speaker matching and every
write. Each folder is imported twice: with --no-links (the corpus alone) and with coverage
linking (fingerprints, keys and suggested links for every new article). Also printed: the
analysis alone on one core, the CPU time per article of the import process alone (its writes
are the serial part) and of all processes, and the peak memory of the import process and of its workers,
which must not grow with the number of files.

    .venv/bin/python bench/import_speed.py [--sizes 1000 4000] [--dev-texts] [--modes no-links] [--workers N]
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DEV_TEXTS = ROOT.parent / "shared" / "data"


def write_corpus(folder: Path, count: int, seed: int = 7) -> int:
    """Write `count` distinct article files; returns their total size in bytes.

    The articles come from the scale-corpus generator (bench/generate_corpus.py: topics, places,
    250 speakers, quotes with cues), so files are as varied as a real feed: about 2% are copies
    of an earlier article under another outlet and 2% rewrites, like syndication. Each file has
    a title line, a date line in one of the formats the seeds use, and the body.
    """
    from datetime import UTC, datetime

    import generate_corpus as gen

    rng = random.Random(seed)
    speakers = gen.make_speakers(rng)
    start_day = datetime(2022, 1, 1, tzinfo=UTC)
    recent: list = []
    total = 0
    for i in range(count):
        roll = rng.random()
        if recent and roll < 0.02:
            draft = gen.copy_of(rng, *rng.choice(recent))
        elif recent and roll < 0.04:
            draft = gen.rewrite_of(rng, *rng.choice(recent))
        else:
            draft, paragraphs = gen.new_article(rng, speakers, start_day)
            recent = (recent + [(draft, paragraphs)])[-200:]
        when = draft.published
        date_line = (when.strftime("%H:%M %d.%m.%Y"), when.strftime("%A, %B %d, %Y"))[i % 2]
        text = f"{draft.title}\n\n{date_line}\n\n{draft.body}\n"
        data = text.encode("utf-8")
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"article_{i:06d}.txt").write_bytes(data)
        total += len(data)
    return total


def add_dev_texts(folder: Path) -> tuple[int, int]:
    """Copy the real dev-corpus texts (../shared/data, read only, never part of the project)
    into the folder: real length, real mess. Returns (files, bytes)."""
    target = folder / "dev-texts"
    target.mkdir()
    files = total = 0
    for path in sorted(DEV_TEXTS.rglob("*.txt")):
        data = path.read_bytes()
        (target / f"{files:05d}_{path.name}").write_bytes(data)
        files, total = files + 1, total + len(data)
    return files, total


# The import runs in a child process that reports its own peak memory and its workers' (the
# migrate step before it must not count). Peak RSS counts the pages of the SQLite file that the
# connection memory-maps (settings: mmap_size), which grow with the database; the anonymous
# memory at the end (Linux: RssAnon) is the importer's own, which must stay flat.
IMPORT_CHILD = """
import os, resource, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
django.setup()
from django.core.management import call_command
call_command("import_articles", *sys.argv[1:])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
own = me.ru_utime + me.ru_stime
status = open("/proc/self/status").read() if os.path.exists("/proc/self/status") else ""
anon = int(status.split("RssAnon:")[1].split()[0]) if "RssAnon:" in status else 0
print(f"peak-kib {me.ru_maxrss} {kids.ru_maxrss} {own + kids.ru_utime + kids.ru_stime:.2f} {own:.2f}"
      f" {anon}")
"""


def run_import(
    folder: Path, database_url: str, *options: str
) -> tuple[float, int, int, float, float, int, str]:
    env = dict(os.environ, SECRET_KEY="bench-only", DATABASE_URL=database_url, HTTPS="false")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, str(folder), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode:
        print(result.stderr[-2000:], file=sys.stderr)
        raise SystemExit("the import failed")
    lines = result.stdout.strip().splitlines()
    own, workers, cpu, main_cpu, anon = lines[-1].split()[1:]
    return elapsed, int(own), int(workers), float(cpu), float(main_cpu), int(anon), lines[-2]


def analysis_only(folder: Path) -> float:
    """Articles per second of the pure analysis (decode, clean, quotes) on one core, no database:
    the share of the import's time that text analysis takes."""
    sys.path.insert(0, str(ROOT))
    from articles.text.pipeline import analyse

    paths = sorted(folder.rglob("*.txt"))
    started = time.perf_counter()
    for path in paths:
        analyse(path.read_bytes())
    return len(paths) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument(
        "--dev-texts", action="store_true", help="add the ~400 real dev-corpus texts to each folder"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=["no-links", "links"],
        default=["no-links", "links"],
        help="which imports to time (default both)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="import_articles --workers (default: its own)"
    )
    args = parser.parse_args()
    if args.database_url:
        raise SystemExit("--database-url: each run needs a fresh database; SQLite only for now")
    # CPU ms per article (the import process and its workers, user + system) hardly depends on
    # what else the machine runs; wall-clock articles/s does. The main process's own share is
    # the serial part (its writes); the rest is the workers' analysis, spread over the cores.
    print(f"{'files':>6} {'MB':>6} {'mode':>9} {'seconds':>8} {'articles/s':>11} "
          f"{'CPU ms/article':>15} {'main CPU ms':>12} {'analysis/s 1 core':>18} {'peak MiB main':>14} "
          f"{'anon MiB main':>14} {'peak MiB worker':>16}  summary")  # fmt: skip
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="newsdesk-import-"))
        try:
            folder = work / "corpus"
            folder.mkdir()
            total = write_corpus(folder, size)
            files = size
            if args.dev_texts:
                extra_files, extra_bytes = add_dev_texts(folder)
                files, total = files + extra_files, total + extra_bytes
            alone = analysis_only(folder)
            # Without links: cleaning, quotes, speakers and every write. With links: the same
            # plus coverage fingerprints, keys and suggestions for each new article.
            for mode, options in (("no links", ("--no-links",)), ("links", ())):
                if mode.replace(" ", "-") not in args.modes:
                    continue
                if args.workers is not None:
                    options = (*options, "--workers", str(args.workers))
                database = work / f"bench-{mode.replace(' ', '-')}.sqlite3"
                elapsed, own_kib, worker_kib, cpu, main_cpu, anon_kib, summary = run_import(
                    folder, f"sqlite:///{database}", *options
                )
                print(f"{files:>6} {total / 1e6:>6.1f} {mode:>9} {elapsed:>8.2f} "
                      f"{files / elapsed:>11.0f} {cpu * 1000 / files:>15.2f} "
                      f"{main_cpu * 1000 / files:>12.2f} "
                      f"{alone:>18.0f} {own_kib / 1024:>14.0f} {anon_kib / 1024:>14.0f} "
                      f"{worker_kib / 1024:>16.0f}  {summary}", flush=True)  # fmt: skip
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
