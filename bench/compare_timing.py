"""Time the compare page on four long generated articles (120+ quotes each) in a fresh SQLite
database, through the Django test client, against a bare "hello" view in the same run.

    .venv/bin/python bench/compare_timing.py [--quotes 120] [--runs 60] [--database-url URL]

Prints the cold first request, p50/p95 of the page made afresh before each request (the
comparison the process keeps dropped; also with the quote-diff cache cleared), and p50/p95 of
the page as shown again (its comparison kept), of reading the rows and making the comparison
(alignment, drift, framing, charts) without the page, of reading alone, of the htmx partial and
of the CSV export, and the page's p50 as a multiple of the hello view's.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEAKERS = ["Dmitry Peskov", "Sergei Lavrov", "Jens Stoltenberg", "Emmanuel Macron", "Olaf Scholz"]
CUES = ["said", "claimed", "explained", "argued", "added", "told reporters", "noted", "insisted"]


def vocabulary() -> list[str]:
    words = []
    for path in sorted((ROOT / "fixtures" / "seeds").glob("*.txt")):
        words += [w.strip(".,;:“”\"'()[]") for w in path.read_text(encoding="utf-8").split()]
    return [w for w in words if w.isalpha() and len(w) > 2]


def statements(rng, words, count):
    return [" ".join(rng.choice(words) for _ in range(rng.randint(8, 30))) for _ in range(count)]


def reworded(rng, words, text):
    """An outlet's rendering: some words cut, some changed, some added."""
    out = []
    for word in text.split():
        roll = rng.random()
        if roll < 0.08:
            continue
        out.append(rng.choice(words) if roll < 0.2 else word)
        if rng.random() < 0.05:
            out.append(rng.choice(words))
    return " ".join(out) or text


def build_corpus(quotes_per_article: int, seed: int = 11):
    from django.contrib.auth.models import Group, User

    from articles.models import (
        Article,
        Claim,
        ClaimQuote,
        FrameTag,
        LabelSet,
        Outlet,
        Quote,
        Speaker,
        StanceAnnotation,
        Story,
    )

    rng = random.Random(seed)
    words = vocabulary()
    user = User.objects.create_user("bench", password="bench-pw-123")
    user.groups.add(Group.objects.get(name="analyst"))
    speakers = [Speaker.objects.create(name=name) for name in SPEAKERS]
    pool = statements(rng, words, int(quotes_per_article * 1.4))
    story = Story.objects.create(title="Bench story")
    start = datetime(2023, 2, 28, 8, tzinfo=UTC)
    labels = LabelSet.objects.first()
    label_list = list(labels.labels.all()) if labels else []
    tag = FrameTag.objects.get_or_create(name="Security and defense")[0]
    claim = Claim.objects.create(text="NATO is at war with Russia", created_by=user)
    claim.tags.add(tag)
    compared = []
    for n in range(10):
        outlet = Outlet.objects.create(name=f"Outlet {n}")
        chosen = rng.sample(range(len(pool)), quotes_per_article)
        paragraphs, spans = [], []
        offset = 0
        for index in chosen:
            speaker = speakers[index % len(speakers)]
            text = reworded(rng, words, pool[index])
            cue = rng.choice(CUES)
            lead = " ".join(rng.choice(words) for _ in range(rng.randint(10, 40)))
            before = f"{lead}. {speaker.name} {cue}: “"
            paragraph = f"{before}{text}”."
            spans.append((offset + len(before), text, speaker, cue))
            paragraphs.append(paragraph)
            offset += len(paragraph) + 2
        body = "\n\n".join(paragraphs)
        article = Article.objects.create(
            outlet=outlet,
            title=f"Long article {n}: " + " ".join(rng.choice(words) for _ in range(8)),
            published=start + timedelta(hours=5 * n),
            published_has_time=True,
            sha256=f"{n:064d}",
            raw_text=body,
            encoding="utf-8",
            body=body,
            story=story,
        )
        quotes = Quote.objects.bulk_create(
            Quote(article=article, start=s, end=s + len(t), text=t, speaker=sp, cue=c)
            for s, t, sp, c in spans
        )
        assert all(body[q.start : q.end] == q.text for q in quotes)
        if label_list:
            StanceAnnotation.objects.bulk_create(
                StanceAnnotation(
                    annotator=user, quote=q, label_set=labels, label=rng.choice(label_list)
                )
                for q in quotes[::3]
            )
        ClaimQuote.objects.bulk_create(
            ClaimQuote(claim=claim, quote=q, added_by=user) for q in quotes[:5]
        )
        compared.append(article.pk)
    return user, compared[:4]


def timed(call, runs):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def summary(name, times):
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{name:<28} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")
    return statistics.median(times), p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=120)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="compare-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ["HTTPS"] = "false"
    os.environ["DEBUG"] = ""
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["NEWSDESK_BENCH"] = "1"
    # The real settings, with plain static storage (no collectstatic manifest needed).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from articles.comparing import COMPARISONS, _drift, build_comparison, make_comparison, read

    call_command("migrate", verbosity=0)
    user, ids = build_corpus(args.quotes)
    client = Client()
    client.force_login(user)
    url = "/compare/?articles=" + ",".join(map(str, ids))

    began = time.perf_counter()
    first = client.get(url)
    cold = (time.perf_counter() - began) * 1000
    assert first.status_code == 200, first.status_code
    comparison = build_comparison(ids)
    quotes = sum(len(c.quotes) for c in comparison.columns)
    print(
        f"4 articles, {quotes} quotes, {len(comparison.aligned_rows)} aligned rows, "
        f"{len(comparison.single_rows)} single quotes, page {len(first.content) // 1024} KiB"
    )
    # Cold: the process's first request (template compilation, empty similarity and diff caches).
    print(f"{'first request (cold)':<28} {cold:7.1f} ms")
    _drift.cache_clear()
    summary(
        "  page, diff cache cleared",
        timed(
            lambda: (COMPARISONS.clear(), _drift.cache_clear(), client.get(url)),
            max(10, args.runs // 3),
        ),
    )
    summary(
        "  page, made afresh",  # the comparison not kept; alignment and diffs kept
        timed(lambda: (COMPARISONS.clear(), client.get(url)), max(10, args.runs // 3)),
    )
    for _ in range(3):
        client.get(url)
        client.get("/bench/hello")

    page = summary("compare page", timed(lambda: client.get(url), args.runs))
    summary("  read + make_comparison", timed(lambda: make_comparison(read(ids)), args.runs))
    summary("  read only", timed(lambda: read(ids), args.runs))
    summary(
        "  htmx partial",
        timed(lambda: client.get(url, headers={"HX-Request": "true"}), args.runs),
    )
    summary("  CSV export", timed(lambda: client.get(url + "&format=csv"), args.runs))
    hello = summary("bare hello view", timed(lambda: client.get("/bench/hello"), args.runs))
    print(
        f"compare page p50 = {page[0] / hello[0]:.0f} x hello p50; p95 target 150 ms: "
        f"{'met' if page[1] < 150 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
