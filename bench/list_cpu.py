"""CPU time of the article list as bench/load.py asks for it, against a bare "hello" view, in one
process, with the PostgreSQL server's own CPU for each.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/list_cpu.py

Through the Django test client, as the viewer `bench-lister` with a session cookie. The
variants are load.py's list mix (do_list): the first page (the full page), deep pages (htmx,
a page drawn at random from the whole list each time, so rarely one this process has made
before), and five filters (htmx): an outlet, a language, a one-day date range, unlabelled=1 and
a speaker (one of the first 50 by id), each drawn at random with a fixed seed as load.py draws
them, 30% of them with &page=2. The per-process caches are warmed by one pass first.

Prints the queries of one request of each variant, then the best of --rounds rounds of CPU ms
a request (time.process_time: what other work on a shared machine moves least) for each and
hello/request; on a local PostgreSQL also the server process's CPU a request (the mean of all
rounds: it is counted in 10 ms clock ticks) and the same
ratio with it added (what load.py's CPU ratio counts), and the list mix weighted as load.py
weighs it (40% first page, 30% deep, 30% filters evenly). Reads only (the session row aside).
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["NEWSDESK_BENCH"] = "1"  # the hello view
SEED = 20240527
FILTERS = ["outlet", "language", "date", "unlabelled", "speaker"]
VARIANTS = ["first page", "deep page", *FILTERS]


def plan():
    """What load.py's analysts choose from (load.prepare, without its gevent patching)."""
    from articles.models import Article, Outlet, Speaker

    total = Article.objects.visible().count()
    languages = set(Article.objects.order_by().values_list("language", flat=True).distinct())
    return {
        "num_pages": max(1, -(-total // 50)),
        "outlets": list(Outlet.objects.values_list("pk", flat=True)),
        "languages": sorted(languages - {""}),
        "speakers": list(Speaker.objects.order_by("pk").values_list("name", flat=True)[:50]),
    }


def url(variant: str, p: dict, rng: random.Random) -> tuple[str, bool]:
    """A request of the variant as load.py's do_list draws it: (path, htmx)."""
    if variant == "first page":
        return "/", False
    if variant == "deep page":
        return f"/?page={rng.randint(2, p['num_pages'])}", True
    if variant == "outlet":
        query = f"outlet={rng.choice(p['outlets'])}"
    elif variant == "language":
        query = f"language={rng.choice(p['languages'])}"
    elif variant == "date":
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        query = f"from=2023-{month:02d}-{day:02d}&to=2023-{month:02d}-{day:02d}"
    elif variant == "unlabelled":
        query = "unlabelled=1"
    else:
        query = "speaker=" + rng.choice(p["speakers"]).replace(" ", "+")
    if rng.random() < 0.3:
        query += "&page=2"
    return f"/?{query}", True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=40)
    args = parser.parse_args()

    import pages

    pages.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = pages.logged_in_client("bench-lister", "viewer")
    p = plan()
    rng = random.Random(SEED)
    htmx = {"HTTP_HX_REQUEST": "true"}

    def get(path, is_htmx=False):
        response = client.get(path, **(htmx if is_htmx else {}))
        assert response.status_code == 200, (path, response.status_code)

    def hello():
        get("/bench/hello")

    for variant in VARIANTS:  # warm up: what each worker of the load test would have kept
        for _ in range(args.per_round):
            get(*url(variant, p, rng))
    for _ in range(args.per_round):
        hello()
    counts = []
    for variant in VARIANTS:
        with CaptureQueriesContext(connection) as captured:
            get(*url(variant, p, rng))
        counts.append(f"{variant} {len(captured)}")
    with CaptureQueriesContext(connection) as captured:
        hello()
    print("queries: " + ", ".join(counts) + f", hello {len(captured)}")

    backend = pages.database_backend()
    names = ["hello", *VARIANTS]
    best = dict.fromkeys(names, float("inf"))
    # The server's CPU is counted in clock ticks (10 ms): summed over every round, not the best.
    spent_db = dict.fromkeys(names, 0.0)
    for _ in range(args.rounds):
        for name in names:
            requests = [url(name, p, rng) for _ in range(args.per_round)] if name != "hello" else []
            db = pages.backend_cpu(backend)
            started = time.process_time()
            if name == "hello":
                for _ in range(args.per_round):
                    hello()
            else:
                for path, is_htmx in requests:
                    get(path, is_htmx)
            best[name] = min(best[name], time.process_time() - started)
            spent_db[name] += pages.backend_cpu(backend) - db
    pages.print_cpu_per_request(best, args.per_round)
    mix = {"first page": 0.4, "deep page": 0.3, **{f: 0.3 / len(FILTERS) for f in FILTERS}}
    app = sum(share * best[name] for name, share in mix.items())
    print(f"list mix (load.py's weights) hello/request {best['hello'] / app:.0%}")
    if backend is None:
        return
    print("with the PostgreSQL server process's CPU added (as load.py's CPU ratio):")
    db = {name: seconds / args.rounds for name, seconds in spent_db.items()}  # a round's
    both = {name: best[name] + db[name] for name in names}
    width = max(map(len, names))
    for name in names:
        ms, db_ms = (1000 * s / args.per_round for s in (both[name], db[name]))
        print(
            f"{name:{width}s} cpu {ms:6.2f} ms a request (server {db_ms:5.2f})"
            f"  hello/request {both['hello'] / both[name]:.0%}"
        )
    total = sum(share * both[name] for name, share in mix.items())
    print(f"list mix (load.py's weights) hello/request {both['hello'] / total:.0%}")


if __name__ == "__main__":
    main()
