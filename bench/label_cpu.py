"""CPU time of the label request and of its undo against a bare "hello" view, in one process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/label_cpu.py

Through the Django test client (no CSRF check), as the analyst `bench-analyst` with a session
cookie, on the first quote of --article in the benchmark corpus: first --label 1 of the
'Presentation' set, then rounds of (label 0, undo), as bench/load.py's label task does, so that
every label and every undo writes. Prints the queries of one label and one undo, then the best
of --rounds rounds of CPU ms a request (time.process_time: what the other work on a shared
machine moves least) and hello/request. Each run adds history records for bench-analyst.

With --new-labels, as bench/load.py's analysts mostly do, each label is a new one (the first
quote of each of --per-round articles from --article on that bench-analyst has not labelled)
and each undo removes it again.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["NEWSDESK_BENCH"] = "1"  # the hello view


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--new-labels", action="store_true", help="label new, undo removes")
    args = parser.parse_args()

    import pages

    pages.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import LabelSet, Quote

    client = pages.logged_in_client("bench-analyst", "analyst")
    labels = list(LabelSet.objects.get(name="Presentation").labels.all())[:2]
    quote = Quote.objects.filter(article_id=args.article, deleted_at__isnull=True).earliest("start")
    htmx = {"HTTP_HX_REQUEST": "true"}

    def hello():
        assert client.get("/bench/hello").status_code == 200

    def label(which):
        url = f"/quotes/{quote.pk}/label/"
        response = client.post(url, {"label": labels[which].pk, "note": ""}, **htmx)
        assert response.status_code == 200, response.status_code

    def undo():
        response = client.post(f"/articles/{quote.article_id}/undo/", **htmx)
        assert response.status_code == 200, response.status_code

    if args.new_labels:
        return new_labels(args, client, labels[0], hello)
    label(1)
    for _ in range(20):  # warm up
        hello(), label(0), undo()
    with CaptureQueriesContext(connection) as label_queries:
        label(0)
    with CaptureQueriesContext(connection) as undo_queries:
        undo()  # back to label 1, so that the next label writes
    print(f"queries: label {len(label_queries)}, undo {len(undo_queries)}")
    best = {"hello": float("inf"), "label": float("inf"), "undo": float("inf")}
    for _ in range(args.rounds):
        started = time.process_time()
        for _ in range(args.per_round):
            hello()
        best["hello"] = min(best["hello"], time.process_time() - started)
        spent = {"label": 0.0, "undo": 0.0}
        for _ in range(args.per_round):
            t0 = time.process_time()
            label(0)
            t1 = time.process_time()
            undo()
            spent["label"] += t1 - t0
            spent["undo"] += time.process_time() - t1
        for name, seconds in spent.items():
            best[name] = min(best[name], seconds)
    pages.print_cpu_per_request(best, args.per_round)


def new_labels(args, client, label, hello):
    """Rounds of (a new label, its undo) on the first quote of --per-round articles."""
    import pages
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Quote, StanceAnnotation

    mine = StanceAnnotation.objects.filter(annotator__username="bench-analyst")
    labelled = set(mine.values_list("quote_id", flat=True))
    quotes = []
    for article_id in range(args.article, args.article + 10 * args.per_round):
        quote = Quote.objects.filter(article_id=article_id, deleted_at__isnull=True)
        quote = quote.order_by("start").values_list("pk", "article_id").first()
        if quote is not None and quote[0] not in labelled:
            quotes.append(quote)
        if len(quotes) == args.per_round:
            break
    htmx = {"HTTP_HX_REQUEST": "true"}
    data = {"label": label.pk, "label_set": label.label_set_id, "note": ""}

    def both(pk, article_id, queries=None):
        with CaptureQueriesContext(connection) as labelled:
            response = client.post(f"/quotes/{pk}/label/", data, **htmx)
        assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as undone:
            response = client.post(f"/articles/{article_id}/undo/", **htmx)
        assert response.status_code == 200, response.status_code
        return len(labelled), len(undone)

    for pk, article_id in quotes[:10]:  # warm up
        hello(), both(pk, article_id)
    print("queries: new label {}, undo {}".format(*both(*quotes[0])))
    best = {"hello": float("inf"), "label": float("inf"), "undo": float("inf")}
    for _ in range(args.rounds):
        started = time.process_time()
        for _ in quotes:
            hello()
        best["hello"] = min(best["hello"], time.process_time() - started)
        spent = {"label": 0.0, "undo": 0.0}
        for pk, article_id in quotes:
            t0 = time.process_time()
            response = client.post(f"/quotes/{pk}/label/", data, **htmx)
            t1 = time.process_time()
            undone = client.post(f"/articles/{article_id}/undo/", **htmx)
            spent["undo"] += time.process_time() - t1
            spent["label"] += t1 - t0
            assert response.status_code == undone.status_code == 200
        for name, seconds in spent.items():
            best[name] = min(best[name], seconds)
    assert not mine.filter(quote_id__in=[pk for pk, _ in quotes]).exists()
    pages.print_cpu_per_request(best, len(quotes))


if __name__ == "__main__":
    main()
