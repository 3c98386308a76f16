"""CPU time of the coverage review (the queue, a decision, its undo) against a bare "hello" view,
in one process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/coverage_cpu.py

Through the Django test client (no CSRF check), as the analyst `bench-coverage` with a session
cookie, as bench/load.py's coverage task does: the queue as a full page, then a decision on its
best link (htmx, expected "suggested") and the undo that puts the link back, so that every
decision and every undo writes and the queue stays as it was. Decisions alternate between
confirm (which makes a story and the undo takes it away) and reject. Prints the queries of each
request, then the best of --rounds rounds of CPU ms a request (time.process_time: what the other
work on a shared machine moves least) and hello/request. On PostgreSQL it then adds the CPU of
the connection's server process (its mean over all rounds, read from /proc/PID/schedstat in
nanoseconds), since the load test's ratio counts the database's CPU too. Each run adds history
records for bench-coverage; the links end as they were.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["NEWSDESK_BENCH"] = "1"  # the hello view

LINK_CARD = re.compile(r'data-link="(\d+)"')
STEPS = ["queue", "confirm", "undo confirm", "reject", "undo reject"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()

    import pages

    pages.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = pages.logged_in_client("bench-coverage", "analyst")
    htmx = {"HTTP_HX_REQUEST": "true"}

    def hello():
        assert client.get("/bench/hello").status_code == 200

    def queue():
        response = client.get("/coverage/")
        assert response.status_code == 200, response.status_code
        links = LINK_CARD.findall(response.content.decode())
        assert links, "no suggested links: run manage.py suggest_links --rebuild first"
        return links[0]

    def decide(link, action):
        data = {"action": action, "expected": "suggested"}
        response = client.post(f"/coverage/{link}/decide/", data, **htmx)
        assert response.status_code == 200, response.status_code

    def undo():
        response = client.post("/coverage/undo/", {}, **htmx)
        assert response.status_code == 200, response.status_code

    backend = pages.database_backend()
    served = {"hello": 0.0, **dict.fromkeys(STEPS, 0.0)}  # database CPU seconds, all rounds

    def cycle(spent=None, queries=None):
        """queue, confirm, undo, reject, undo; CPU seconds (or queries) added per step."""
        link = None
        calls = [
            lambda: queue(),
            lambda: decide(link, "confirm"),
            undo,
            lambda: decide(link, "reject"),
            undo,
        ]
        for step, call in zip(STEPS, calls, strict=True):
            if queries is not None:
                with CaptureQueriesContext(connection) as captured:
                    result = call()
                queries[step] = len(captured)
            else:
                started, database = time.process_time(), pages.backend_cpu(backend)
                result = call()
                if spent is not None:
                    spent[step] += time.process_time() - started
                    served[step] += pages.backend_cpu(backend) - database
            if step == "queue":
                link = result

    for _ in range(10):  # warm up
        hello()
        cycle()
    queries = {}
    cycle(queries=queries)
    print("queries: " + ", ".join(f"{step} {n}" for step, n in queries.items()))
    best = {"hello": float("inf"), **{step: float("inf") for step in STEPS}}
    for _ in range(args.rounds):
        started, database = time.process_time(), pages.backend_cpu(backend)
        for _ in range(args.per_round):
            hello()
        best["hello"] = min(best["hello"], time.process_time() - started)
        served["hello"] += pages.backend_cpu(backend) - database
        spent = dict.fromkeys(STEPS, 0.0)
        for _ in range(args.per_round):
            cycle(spent)
        for step, seconds in spent.items():
            best[step] = min(best[step], seconds)
    pages.print_cpu_per_request(best, args.per_round)
    # The load test's coverage task: one queue, one decision, one undo (half confirm, half reject).
    print_task(best)
    if backend is not None:
        print("with the PostgreSQL server process's CPU (its mean over all rounds) added:")
        total = {
            name: best[name] + served[name] / args.rounds for name in best
        }  # per --per-round requests, as best
        for name in total:
            database = 1000 * served[name] / args.rounds / args.per_round
            print(f"{name:12s} database cpu {database:5.2f} ms a request")
        pages.print_cpu_per_request(total, args.per_round)
        print_task(total)


def print_task(seconds: dict[str, float]) -> None:
    """The load test's coverage task: one queue, one decision, one undo (half confirm, half
    reject), as requests a second against hello's."""
    task = seconds["queue"] + (seconds["confirm"] + seconds["undo confirm"]) / 2
    task += (seconds["reject"] + seconds["undo reject"]) / 2
    print(f"task (queue + decision + undo) hello/request {3 * seconds['hello'] / task:.0%}")


if __name__ == "__main__":
    main()
