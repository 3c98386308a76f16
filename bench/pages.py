"""Page benchmark: server time of the reading-room pages, and list-page throughput against a bare
Django "hello" view served by the same gunicorn in the same run.

    .venv/bin/python bench/generate_corpus.py            # first: 100,000 articles
    .venv/bin/python bench/pages.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/pages.py

Uses the benchmark database (var/bench.sqlite3 unless DATABASE_URL is set), never the everyday
one. gunicorn listens on 127.0.0.1 only and is stopped at the end; every phase is bounded in
requests or seconds. Server time is gunicorn's own request time (%(D)s in its access log), so
the client's overhead is not counted. Results go to bench/out/pages_<database>.json.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def hammer(args):
    """One client process: request `path` back to back for `seconds`; count answers."""
    port, path, cookie, seconds = args
    done = errors = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            ok = get(port, path, cookie) == 200
        except OSError:
            ok = False
        done += ok
        errors += not ok
    return done, errors


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def setup():
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    os.environ.setdefault("SECRET_KEY", "bench-only-key")
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def session_cookie(username: str = "bench-viewer", role: str = "viewer"):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = User.objects.get_or_create(username=username)
    user.groups.add(*Group.objects.filter(name=role))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def print_cpu_per_request(best: dict[str, float], requests: int) -> None:
    """The in-process CPU benchmarks' report: for each name in `best` (the best round's CPU
    seconds for `requests` requests, "hello" among them), ms a request and hello's share."""
    width = max(map(len, best))
    for name, seconds in best.items():
        ms = 1000 * seconds / requests
        print(
            f"{name:{width}s} cpu {ms:6.2f} ms a request  hello/request {best['hello'] / seconds:.0%}"
        )


def database_backend() -> Path | None:
    """/proc/PID/schedstat of this connection's PostgreSQL server process, when it runs on this
    machine (the connection is kept between requests: CONN_MAX_AGE). Read by `backend_cpu`, so
    the in-process benchmarks count the database's CPU too, as the load test's ratios do."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    return path if path.exists() else None


def backend_cpu(backend: Path | None) -> float:
    """CPU seconds the server process has run: schedstat's first field, in nanoseconds (the
    process's cpu_times tick in hundredths of a second, coarse for a round of fast requests)."""
    if backend is None:
        return 0.0
    return int(backend.read_text().split()[0]) / 1e9


def stories_with_articles(limit: int) -> list[int]:
    """Up to `limit` stories of two or more visible articles: what load.py's compare task
    opens (here, because load.py patches the standard library with gevent when imported)."""
    from django.db.models import Count

    from articles.models import Article

    return list(
        Article.objects.visible()
        .filter(story__isnull=False)
        .values("story_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values_list("story_id", flat=True)[:limit]
    )


def compare_sets(stories: list[int]) -> list[list[int]]:
    """The article sets the compare task opens: the first four visible articles (by id) of
    each of these stories that has two or more."""
    from collections import defaultdict

    from articles.models import Article

    by_story = defaultdict(list)
    for pk, story in (
        Article.objects.visible()
        .filter(story_id__in=stories)
        .order_by("pk")
        .values_list("pk", "story_id")
    ):
        by_story[story].append(pk)
    return [ids[:4] for ids in by_story.values() if len(ids) >= 2]


def logged_in_client(username: str, role: str):
    """A Django test client (no CSRF checks) logged in as `username` with `role`, for the
    benchmarks that time requests in process (label_cpu, coverage_cpu, compare_cpu)."""
    from django.test import Client

    name, value = session_cookie(username, role).split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[name] = value
    return client


def pages():
    from django.db.models import Count

    from articles.models import Article

    meta_file = OUT / f"corpus_meta_{connection_vendor()}.json"
    word = json.loads(meta_file.read_text())["search_1pct"] if meta_file.exists() else "Tbilisi"
    total = Article.objects.count()
    deep_page = min(90_000, max(total - 50, 0)) // 50 + 1
    # A reader page with many quotes: the most quoted of a bounded sample of articles.
    sample = Article.objects.order_by("pk").values_list("pk", flat=True)[
        total // 2 : total // 2 + 500
    ]
    reader = (
        Article.objects.filter(pk__in=list(sample))
        .annotate(n=Count("quotes"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return total, {
        "list, first page": "/",
        f"list, page {deep_page} ({(deep_page - 1) * 50:,} deep)": f"/?page={deep_page}",
        f"search “{word}”": f"/?q={word}",
        "reader": f"/articles/{reader}/",
        "hello": "/bench/hello",
    }


def connection_vendor():
    from django.db import connection

    return connection.vendor


def server_times(log, path):
    """Request times in ms of the access-log lines for `path` (format: path?query status us)."""
    times = []
    for line in log:
        parts = line.split()
        if len(parts) == 3 and parts[0].rstrip("?") == path and parts[1] == "200":
            times.append(int(parts[2]) / 1000)
    return times


def start_gunicorn(log_path, options):
    """gunicorn on a free loopback port with the benchmark's "hello" view switched on, logging
    each request as `path?query status microseconds` to `log_path`; returns once /healthz
    answers. `options` come last, so they override these (e.g. ["--workers", "4"])."""
    log_path.write_text("")
    port = free_port()
    env = dict(os.environ, NEWSDESK_BENCH="1", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING")
    env.pop("DEBUG", None)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "newsdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--access-logfile",
            str(log_path),
            "--access-logformat",
            "%(U)s?%(q)s %(s)s %(D)s",
            *options,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while True:
        try:
            if get(port, "/healthz", "") == 200:
                return server, port
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            stop_gunicorn(server)
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)


def stop_gunicorn(server):
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=10, help="per throughput run")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    setup()
    vendor = connection_vendor()
    total, urls = pages()
    cookie = session_cookie()
    from django.db import connections

    connections.close_all()

    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"gunicorn_access_{vendor}.log"
    server, port = start_gunicorn(log_path, ["--workers", str(args.workers)])
    results = {"database": vendor, "articles": total, "workers": args.workers, "pages": {}}
    try:
        for name, path in urls.items():
            for _ in range(10):  # warm every worker's connection and caches
                assert get(port, path, cookie) == 200, (name, path)
            offset = log_path.stat().st_size
            for _ in range(args.requests):
                get(port, path, cookie)
            time.sleep(0.3)  # let gunicorn flush its log
            with log_path.open() as log:
                log.seek(offset)
                times = server_times(log, path)
            results["pages"][name] = {
                "path": path,
                "n": len(times),
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 95), 2),
            }

        throughput = {}
        with multiprocessing.Pool(args.clients) as pool:
            for name, path in [("hello", "/bench/hello"), ("list, first page", "/")]:
                runs = pool.map(hammer, [(port, path, cookie, args.seconds)] * args.clients)
                done = sum(r[0] for r in runs)
                throughput[name] = {
                    "requests_per_s": round(done / args.seconds, 1),
                    "errors": sum(r[1] for r in runs),
                }
        throughput["list / hello"] = round(
            throughput["list, first page"]["requests_per_s"]
            / throughput["hello"]["requests_per_s"],
            3,
        )
        results["throughput"] = throughput
    finally:
        stop_gunicorn(server)

    (OUT / f"pages_{vendor}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{vendor}, {total:,} articles, gunicorn {args.workers} sync workers on 127.0.0.1")
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>10}")
    for name, row in results["pages"].items():
        print(f"{name:<34}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}")
    t = results["throughput"]
    print(
        f"throughput ({args.clients} clients, {args.seconds:g}s each): "
        f"hello {t['hello']['requests_per_s']}/s, list {t['list, first page']['requests_per_s']}/s "
        f"= {t['list / hello']:.0%} of hello; errors "
        f"{t['hello']['errors'] + t['list, first page']['errors']}"
    )


if __name__ == "__main__":
    main()
