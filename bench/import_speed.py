"""Import speed and memory: articles per second and peak memory of `import_articles` on SQLite.

Writes folders of realistic files (seed paragraphs recombined, with quotes, a title and a date,
every file distinct) and imports each into a fresh SQLite database in a child process, so the
figures include start-up, cleaning, quote extraction, speaker matching and all writes. Peak
memory is compared across folder sizes: it must not grow with the number of files.

    .venv/bin/python bench/import_speed.py [--sizes 1000 4000] [--database-url URL]
"""

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(SEEDS.glob("*.txt")):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if len(block) > 120:
                paragraphs.append(block)
    return paragraphs


def write_corpus(folder: Path, count: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    paragraphs = seed_paragraphs()
    total = 0
    for i in range(count):
        body = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(6, 12)))
        title = f"Report {i}: " + " ".join(rng.sample(body[0].split(), k=8))
        date = f"{MONTHS[i % 12]} {1 + i % 28}, {2015 + i % 10}"
        text = f"{title}\n\n{date}\n\n" + "\n\n".join(body) + f"\n\nFile number {i}.\n"
        data = text.encode("utf-8")
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"article_{i:06d}.txt").write_bytes(data)
        total += len(data)
    return total


def run_import(folder: Path, database_url: str) -> tuple[float, int, str]:
    env = dict(os.environ, SECRET_KEY="bench-only", DATABASE_URL=database_url, HTTPS="false")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    if result.returncode:
        print(result.stderr[-2000:], file=sys.stderr)
    return elapsed, max(peak_kib, before), summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    print(f"{'files':>6} {'MB':>6} {'seconds':>8} {'articles/s':>11} {'peak RSS MiB':>13}  summary")
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix="newsdesk-import-"))
        try:
            folder = work / "corpus"
            folder.mkdir()
            total = write_corpus(folder, size)
            url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
            elapsed, peak_kib, summary = run_import(folder, url)
            print(f"{size:>6} {total / 1e6:>6.1f} {elapsed:>8.2f} {size / elapsed:>11.0f} "
                  f"{peak_kib / 1024:>13.0f}  {summary}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
