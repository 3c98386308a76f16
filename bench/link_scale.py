"""Coverage linking at scale: the whole corpus, one new article at a time, and planted copies.

Builds a synthetic corpus in a fresh SQLite (or DATABASE_URL) database: N base articles
about N/4 events (each event has its own names, topic words and date; the words around them
follow a Zipf law over a shared vocabulary), plus planted copies (a base article with ~3% of
its words changed, under another outlet) and planted rewrites (the same event's sentences
shuffled, a third of their words replaced). With --planted it instead uses the corpus
`bench/generate_corpus.py` generated and the pairs it planted (bench/out/planted_pairs.json).

Measures, for `rebuild_index` over the whole corpus: wall time, peak memory (ru_maxrss of this
process and of the worker processes), candidate pairs; then the time to index one newly
imported article (`index_article`, a planted copy of an existing one) and the recall of the
planted copies and rewrites (a suggested link at or above SUGGEST_THRESHOLD).

    .venv/bin/python bench/link_scale.py [--articles 100000] [--workers 2] [--new 200]
    .venv/bin/python bench/link_scale.py --planted bench/out/planted_pairs.json  # generated corpus
    .venv/bin/python bench/link_scale.py --articles 20000 --corpus var/scale-20000  # built once

With --corpus DIR the built corpus (before any indexing) and its planted pairs are kept in DIR
and copied from there by the next run with the same option, so before/after runs skip the build
and index the very same articles.
"""

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = "ka lo mi ne su ta ri po da ve zu ba ko li na se to ru pa de vi zo bu ga".split()


def word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


class Corpus:
    def __init__(self, seed: int = 11):
        self.rng = random.Random(seed)
        rng = self.rng
        # Sorted, not set order: string hashing differs between runs, the corpus must not.
        self.vocabulary = sorted({word(rng, rng.choice((2, 2, 3, 3, 4))) for _ in range(8000)})
        # Cumulative weights once: choices() with plain weights sums them again on every call.
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(self.vocabulary)))
        )
        self.names = sorted({word(rng, 3).capitalize() for _ in range(40000)})

    def event(self, number: int) -> dict:
        rng = self.rng
        return {
            "names": rng.sample(self.names, 3),
            "topic": [word(rng, 4) for _ in range(8)],
            "day": datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(1500)),
        }

    def sentence(self, event: dict) -> str:
        rng = self.rng
        words = rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=rng.randint(12, 22))
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(1, len(words)), rng.choice(event["topic"]))
        if rng.random() < 0.7:
            words.insert(rng.randrange(1, len(words)), rng.choice(event["names"]))
        return " ".join(words).capitalize() + "."

    def article(self, event: dict) -> tuple[str, str]:
        title = f"{event['names'][0]} {' '.join(self.rng.sample(event['topic'], 3))}"
        body = " ".join(self.sentence(event) for _ in range(self.rng.randint(10, 16)))
        return title, body

    def copy(self, title: str, body: str, change: float = 0.03) -> tuple[str, str]:
        words = body.split(" ")
        for i in range(len(words)):
            if self.rng.random() < change:
                words[i] = self.rng.choice(self.vocabulary)
        return title, " ".join(words)

    def rewrite(self, event: dict, body: str) -> tuple[str, str]:
        sentences = body.split(". ")
        self.rng.shuffle(sentences)
        title, _ = self.article(event)
        return title, self.copy(title, ". ".join(sentences), change=0.33)[1]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(corpus: Corpus, count: int, planted_share: float = 0.01):
    """Insert the corpus; returns (copy pairs, rewrite pairs) as lists of article-id pairs."""
    from articles.models import Article, Outlet

    outlets = [Outlet.objects.create(name=f"Outlet {i}") for i in range(20)]
    events = [corpus.event(i) for i in range(max(1, count // 4))]
    planted = int(count * planted_share)
    rows, plan = [], []
    for _ in range(count - 2 * planted):
        event_no = corpus.rng.randrange(len(events))
        event = events[event_no]
        title, body = corpus.article(event)
        rows.append((title, body, event["day"], event_no))
    for kind in ("copy", "rewrite"):
        for _ in range(planted):
            source = corpus.rng.randrange(len(rows))
            title, body, day, event_no = rows[source]
            if kind == "copy":
                title, body = corpus.copy(title, body)
            else:
                title, body = corpus.rewrite(events[event_no], body)
            plan.append((kind, source, len(rows)))
            rows.append((title, body, day + timedelta(hours=6), event_no))
    batch = []
    for n, (title, body, day, _) in enumerate(rows):
        batch.append(
            Article(
                outlet=outlets[n % len(outlets)],
                title=title,
                body=body,
                raw_text=body,
                published=day,
                sha256=f"{n:064x}",
                encoding="utf-8",
                language="en",
            )
        )
        if len(batch) == 2000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    copies = [(ids[a], ids[b]) for kind, a, b in plan if kind == "copy"]
    rewrites = [(ids[a], ids[b]) for kind, a, b in plan if kind == "rewrite"]
    return copies, rewrites, rows, events


def recall(pairs, threshold) -> float:
    from django.db.models import Q

    from articles.models import CoverageLink

    if not pairs:
        return 1.0
    found = 0
    for a, b in pairs:
        lo, hi = sorted((a, b))
        if CoverageLink.objects.filter(
            Q(score__gte=threshold) | Q(status="confirmed"), article_a_id=lo, article_b_id=hi
        ).exists():
            found += 1
    return found / len(pairs)


def peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def anonymous_mb(pid: int | str = "self") -> float:
    """Anonymous resident memory of a process (its heap), in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class AnonymousPeak(threading.Thread):
    """The highest anonymous memory of this process and of any one of its children, sampled
    five times a second. ru_maxrss also counts the pages of SQLite's memory-mapped database
    file (page cache, shared and given back under pressure), which grow with the corpus."""

    def __init__(self):
        super().__init__(daemon=True)
        self.main = self.child = 0.0

    def run(self) -> None:
        while True:
            self.main = max(self.main, anonymous_mb())
            for pid in self._children():
                self.child = max(self.child, anonymous_mb(pid))
            time.sleep(0.2)

    @staticmethod
    def _children() -> list[str]:
        pids = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as children:
                    pids.extend(children.read().split())
            except OSError:
                pass
        return pids


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: on a shared, loaded machine this
    says more about the code than wall time does."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def generated_pairs(path: Path) -> tuple[list, list]:
    """Copies and rewrites planted by bench/generate_corpus.py (ids of its database)."""
    pairs = json.loads(path.read_text())
    copies = [(p["a"], p["b"]) for p in pairs if p["relation"] == "duplicate"]
    rewrites = [(p["a"], p["b"]) for p in pairs if p["relation"] == "rewrite"]
    return copies, rewrites


def keep_corpus(connection, folder: str, keep: Path, copies: list, rewrites: list) -> None:
    """Keep a copy of the just-built corpus (the database file, its WAL folded in) and its
    planted pairs in `keep`, for the next run's --corpus."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(f"{folder}/bench.sqlite3", keep / "bench.sqlite3")
    (keep / "planted.json").write_text(json.dumps({"copies": copies, "rewrites": rewrites}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--new", type=int, default=200, help="new articles indexed one by one")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--planted",
        type=Path,
        help="use the corpus bench/generate_corpus.py left in --database-url (or DATABASE_URL, "
        "or var/bench.sqlite3) and its planted pairs (bench/out/planted_pairs.json) instead "
        "of building one; the coverage tables of that database are rebuilt",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="folder that keeps the built SQLite corpus and its planted pairs: copied from "
        "there when present (the --articles it was built with), else built and kept there",
    )
    args = parser.parse_args()

    if args.planted:
        url = (
            args.database_url
            or os.environ.get("DATABASE_URL")
            or (f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
        )
    else:
        folder = tempfile.mkdtemp(prefix="newsdesk-link-scale-")
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        kept = args.corpus and (args.corpus / "bench.sqlite3").exists()
        if kept:
            shutil.copyfile(args.corpus / "bench.sqlite3", f"{folder}/bench.sqlite3")
    setup_django(url)
    from django.db import connection, transaction

    from articles.coverage import KEY_CAP, index_article, rebuild_index
    from articles.models import Article, CoverageLink, Outlet
    from articles.text.story import SUGGEST_THRESHOLD

    corpus = Corpus()
    started = time.perf_counter()
    if args.planted:
        copies, rewrites = generated_pairs(args.planted)
        source = f"generate_corpus.py's corpus and {args.planted}"
    elif args.corpus and kept:
        pairs = json.loads((args.corpus / "planted.json").read_text())
        copies, rewrites = pairs["copies"], pairs["rewrites"]
        source = f"copied from {args.corpus}"
    elif args.corpus:
        copies, rewrites, _, _ = build(corpus, args.articles)
        keep_corpus(connection, folder, args.corpus, copies, rewrites)
        source = f"built and kept in {args.corpus}"
    else:
        copies, rewrites, _, _ = build(corpus, args.articles)
        source = "built"
    built = time.perf_counter() - started
    print(
        f"corpus: {Article.objects.count()} articles ({len(copies)} planted copies, "
        f"{len(rewrites)} planted rewrites) on {connection.vendor}, {source} in {built:.1f}s",
        flush=True,
    )

    def progress(message: str) -> None:
        print(
            f"  {time.perf_counter() - started:7.1f}s  {message}  (main CPU "
            f"{time.process_time():.1f}s, RSS peak {peak_mb(resource.RUSAGE_SELF):.0f} MB)",
            flush=True,
        )

    anonymous = AnonymousPeak()
    anonymous.start()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    stats = rebuild_index(batch=1000, workers=args.workers, progress=progress)
    whole = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    print(
        f"whole corpus: {whole:.1f}s wall ({whole * 1000 / stats['articles']:.2f} ms/article), "
        f"{cpu:.1f}s CPU over all processes, {stats['pairs']} candidate pairs "
        f"({stats['pairs'] / stats['articles']:.1f}/article, KEY_CAP={KEY_CAP}), "
        f"{stats['suggested']} links suggested, workers={args.workers}"
    )
    print(
        f"peak memory (ru_maxrss, with mapped database pages): main "
        f"{peak_mb(resource.RUSAGE_SELF):.0f} MB, largest worker "
        f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB; anonymous (sampled): main "
        f"{anonymous.main:.0f} MB, largest worker {anonymous.child:.0f} MB"
    )
    print(
        f"recall at {SUGGEST_THRESHOLD}: planted copies {recall(copies, SUGGEST_THRESHOLD):.4f}, "
        f"planted rewrites {recall(rewrites, SUGGEST_THRESHOLD):.4f}",
        flush=True,
    )

    # New arrivals: planted copies of random existing articles, indexed one at a time as the
    # importer does (each in its own transaction).
    outlet = Outlet.objects.create(name=f"Late outlet {time.time_ns()}")
    new_pairs, timings, cpu_timings = [], [], []
    ids = list(Article.objects.values_list("pk", flat=True))
    picked = random.Random(5).sample(ids, min(args.new, len(ids)))
    sources = Article.objects.filter(pk__in=picked).values_list("pk", "title", "body", "published")
    for n, (pk, title, body, published) in enumerate(sources):
        title, body = corpus.copy(title, body)
        article = Article.objects.create(
            outlet=outlet,
            title=title,
            body=body,
            raw_text=body,
            published=published,
            sha256=f"new{time.time_ns()}{n}",
            encoding="utf-8",
            language="en",
        )
        t0, c0 = time.perf_counter(), time.process_time()
        with transaction.atomic():
            index_article(article)
        timings.append(time.perf_counter() - t0)
        cpu_timings.append(time.process_time() - c0)
        new_pairs.append((pk, article.pk))
    timings.sort()
    cpu_timings.sort()
    mean = sum(timings) / len(timings)
    print(
        f"new article: mean {mean * 1000:.1f} ms, median {timings[len(timings) // 2] * 1000:.1f} "
        f"ms, p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms wall; median "
        f"{cpu_timings[len(cpu_timings) // 2] * 1000:.1f} ms CPU (this process; the database "
        f"server's time is in wall only on PostgreSQL) over {len(timings)}; "
        f"recall of these copies {recall(new_pairs, SUGGEST_THRESHOLD):.4f}"
    )
    print(f"links in total: {CoverageLink.objects.count()}")


if __name__ == "__main__":
    main()
