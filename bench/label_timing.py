"""Time the label request (htmx POST that saves a stance and returns the quote's entry) in a
fresh database holding N generated articles, through the Django test client, against a bare
"hello" view in the same run.

    .venv/bin/python bench/label_timing.py [--articles 100000] [--runs 400] [--database-url URL]

With --database-url naming a database that already holds --articles articles (the corpus of
bench/generate_corpus.py: sqlite:///var/bench.sqlite3 or the PostgreSQL bench database), that
corpus is labelled as it is instead of a fresh one being built.

Each run is a real write: the analyst cycles through quotes and labels, so every request creates
or changes a row and writes its history record. Prints p50/p95 of the label request, of the
undo request, and the label p50 as a multiple of the hello view's.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = (
    "The minister spoke on Tuesday. “{a}” he said, adding that talks would resume. "
    "Critics disagreed. “{b}” one of them told reporters.\n\nThe meeting ended late."
)


def analyst():
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username="bench-analyst")
    user.groups.add(Group.objects.get(name="analyst"))
    return user


def build(articles: int):
    from articles.models import Article, Quote

    user = analyst()
    batch = 5000
    for first in range(0, articles, batch):
        rows, quotes = [], []
        for n in range(first, min(articles, first + batch)):
            a, b = f"We will act number {n}.", f"It is a mistake {n}."
            body = BODY.format(a=a, b=b)
            rows.append(
                Article(
                    title=f"Article {n}",
                    sha256=f"{n:064x}",
                    raw_text=body,
                    body=body,
                    encoding="utf-8",
                )
            )
        Article.objects.bulk_create(rows, batch_size=1000)
        for article in Article.objects.filter(title__in=[r.title for r in rows]).only("pk", "body"):
            for text in article.body.split("“")[1:]:
                text = text.split("”")[0]
                start = article.body.index(text)
                quotes.append(Quote(article=article, start=start, end=start + len(text), text=text))
        Quote.objects.bulk_create(quotes, batch_size=1000)
    return user


def percentiles(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="label-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ["HTTPS"] = "false"
    os.environ["DEBUG"] = ""
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["NEWSDESK_BENCH"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from articles.models import Article, LabelSet, Quote, StanceAnnotation

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if args.database_url and Article.objects.count() >= args.articles:
        # A corpus already there (bench/generate_corpus.py's): label it as it is.
        user = analyst()
    else:
        user = build(args.articles)
    print(f"corpus: {Article.objects.count()} articles, {Quote.objects.count()} quotes, ready "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    client = Client()
    client.force_login(user)
    labels = list(LabelSet.objects.get(name="Presentation").labels.all())
    # Quotes spread over the whole corpus, not only the newest rows.
    ids = list(Quote.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // 97)
    sample = ids[::step][:97]
    hx = {"HTTP_HX_REQUEST": "true"}

    def timed(call):
        t = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    for _ in range(20):  # warm up
        client.get("/bench/hello")
    hello = [timed(lambda: client.get("/bench/hello")) for _ in range(args.runs)]
    label_times = []
    for i in range(args.runs):
        quote_id = sample[i % len(sample)]
        label = labels[(i // len(sample)) % len(labels)]
        label_times.append(
            timed(
                lambda q=quote_id, lb=label: client.post(
                    f"/quotes/{q}/label/", {"label": lb.pk, "note": ""}, **hx
                )
            )
        )
    article_id = Quote.objects.get(pk=sample[0]).article_id
    undo_times = [
        timed(lambda: client.post(f"/articles/{article_id}/undo/", **hx)) for _ in range(20)
    ]
    h50, h95 = percentiles(hello)
    l50, l95 = percentiles(label_times)
    u50, u95 = percentiles(undo_times)
    print(f"database: {os.environ['DATABASE_URL'].split(':')[0]}; stances now "
          f"{StanceAnnotation.objects.count()}")  # fmt: skip
    print(f"hello view     p50 {h50:6.2f} ms  p95 {h95:6.2f} ms  ({len(hello)} requests)")
    print(f"label request  p50 {l50:6.2f} ms  p95 {l95:6.2f} ms  ({len(label_times)} requests)")
    print(f"undo (panel)   p50 {u50:6.2f} ms  p95 {u95:6.2f} ms  ({len(undo_times)} requests)")
    print(f"label p50 / hello p50 = {l50 / h50:.1f}x")


if __name__ == "__main__":
    main()
