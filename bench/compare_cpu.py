"""CPU time of the compare page as bench/load.py asks for it, against a bare "hello" view, in one
process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/compare_cpu.py

Through the Django test client, as the analyst `bench-analyst` with a session cookie. The
requests are load.py's compare task: the first four articles (by id) of each of --stories
stories of two or more visible articles; a request draws one such set and asks for its first
two to four articles (as many as it has, drawn at random with a fixed seed), the full page. When the database has no
story yet (load.py makes some on its first run), the planted pairs of
bench/out/planted_pairs.json stand in for them, and the output says so.

Prints the queries of one request by number of articles, the CPU ms of the first pass over the
requests (nothing of them kept in this process yet), then the best of --rounds rounds of CPU
ms a request (time.process_time: what other work on a shared machine moves least) for hello,
for the compare requests as they come (each set's comparison kept since the first pass), and
for the same requests made afresh (what the page keeps per process emptied before each), each
against hello; on a local PostgreSQL, also with its server process's CPU added, as load.py's
CPU ratio counts it. bench/load.py's analysts mostly reopen sets their worker has kept, but not
always. Reads only (the session row aside).
"""

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["NEWSDESK_BENCH"] = "1"  # the hello view
SEED = 20240527


def compare_sets(stories: int) -> tuple[list[list[int]], str]:
    """The article sets load.py's compare task opens: up to four articles of each story."""
    import pages

    from articles.models import Article

    chosen = pages.stories_with_articles(stories)
    if chosen:
        return pages.compare_sets(chosen), "stories"
    pairs = json.loads((pages.OUT / "planted_pairs.json").read_text())
    visible = set(
        Article.objects.visible()
        .filter(pk__in=[p[k] for p in pairs for k in "ab"])
        .values_list("pk", flat=True)
    )
    sets = [[p["a"], p["b"]] for p in pairs if {p["a"], p["b"]} <= visible]
    return sets[:stories], "planted pairs (no story in this database)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=200, help="as load.py's --stories")
    parser.add_argument("--requests", type=int, default=60, help="compare requests a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hello", type=int, default=200, help="hello requests a round")
    args = parser.parse_args()

    import pages

    pages.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = pages.logged_in_client("bench-analyst", "analyst")
    sets, source = compare_sets(args.stories)
    rng = random.Random(SEED)
    urls = []
    for _ in range(args.requests):
        ids = rng.choice(sets)
        ids = ids[: rng.randint(2, len(ids))]
        urls.append("/compare/?articles=" + ",".join(map(str, ids)))
    sizes = defaultdict(int)
    for url in urls:
        sizes[url.count(",") + 1] += 1
    print(
        f"{connection.vendor}, {len(sets)} sets from {source}; {len(urls)} compare requests a "
        "round (" + ", ".join(f"{sizes[n]} of {n} articles" for n in sorted(sizes)) + ")"
    )

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    for _ in range(20):  # warm up: imports, templates, the connection
        get("/bench/hello")
    started = time.process_time()
    for url in urls:
        get(url)
    first = time.process_time() - started
    print(f"first pass   cpu {1000 * first / len(urls):6.2f} ms a compare request")
    queries = defaultdict(set)
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            get(url)
        queries[url.count(",") + 1].add(len(captured))
    print(
        "queries a request: "
        + ", ".join(f"{n} articles {sorted(q)}" for n, q in sorted(queries.items()))
    )

    backend = pages.database_backend()
    best = {"hello": float("inf"), "compare": float("inf"), "made afresh": float("inf")}
    # The database server's CPU, summed over all rounds: its clock ticks are too coarse for
    # one round.
    served = {name: [0.0, 0] for name in best}

    def timed(name, urls, before_each=None):
        spent = 0.0
        server = pages.backend_cpu(backend)
        for url in urls:
            if before_each:
                before_each()
            started = time.process_time()
            get(url)
            spent += time.process_time() - started
        served[name][0] += pages.backend_cpu(backend) - server
        served[name][1] += len(urls)
        best[name] = min(best[name], spent / len(urls))

    for _ in range(args.rounds):
        timed("hello", ["/bench/hello"] * args.hello)
        timed("compare", urls)
        timed("made afresh", urls, before_each=forget)
        for url in urls:  # kept again for the next round
            get(url)
    for name, seconds in best.items():
        ratio = seconds / best["hello"]
        print(
            f"{name:12s} cpu {1000 * seconds:6.2f} ms a request   "
            f"{ratio:.2f} x hello   hello/request {1 / ratio:.0%}"
        )
    if backend is not None:
        print("with the PostgreSQL backend's CPU (its mean over all rounds) added:")
        total = {name: best[name] + spent / n for name, (spent, n) in served.items()}
        for name, seconds in total.items():
            database = 1000 * served[name][0] / served[name][1]
            ratio = seconds / total["hello"]
            print(
                f"{name:12s} cpu {1000 * seconds:6.2f} ms a request (database {database:.2f})   "
                f"{ratio:.2f} x hello   hello/request {1 / ratio:.0%}"
            )


def forget():
    """Empty what the compare page keeps per process, so that the next request makes it all."""
    from articles import comparing
    from articles.text import align

    comparing.COMPARISONS.clear()
    comparing._alignment.cache_clear()
    comparing._drift.cache_clear()
    align._features.cache_clear()


if __name__ == "__main__":
    main()
