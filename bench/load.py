"""Load test: 50 simulated analysts (locust) against gunicorn + the benchmark database, and each
main page's throughput against a bare Django "hello" view served by the same gunicorn.

    .venv/bin/pip install '.[bench]'                                         # locust
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/generate_corpus.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py suggest_links --rebuild
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/load.py

Uses the benchmark database only (var/bench.sqlite3 unless DATABASE_URL is set). gunicorn and
the load both stay on 127.0.0.1, every phase is bounded in seconds and gunicorn is stopped at
the end. What it does, in one gunicorn, in this order:

1. Set-up (not timed): creates --users analysts `load-analyst-NN` (analyst group) and, when the
   corpus has no story yet, confirms some of the linker's best suggestions as `load-editor` so
   that the compare task has stories to open. Picks the articles, quotes, searches and
   filters the analysts use, at random from the corpus with a fixed seed.
2. Log in: every analyst opens the login page and posts the form with its CSRF token (a real
   session each); later POSTs send the page's CSRF token the way htmx does (X-CSRFToken).
3. Warm-up (--warmup seconds, not counted), then the mixed phase (--mixed-seconds): all
   analysts at once, think time --think (0 by default), a mix of browsing the list (first pages,
   deep pages, filters), searching (the corpus's 1% word and others), reading random articles,
   labelling a quote and undoing it (htmx), the coverage queue with a decision and its undo
   (htmx), comparing 2-4 articles of a story, and the hello view alongside.
4. Throughput: the same analysts do one thing only, back to back: each main page for
   --phase-seconds in --slices slices, each slice right after a slice of the hello view of the
   same length. A page's ratio is its requests/s over hello's in its own slices: same server,
   same concurrency, same run, and whatever else the machine does meanwhile weighs on both.
   The CPU ratio (hello's server CPU a request over the page's, gunicorn and the PostgreSQL
   backends of this database together) is printed too: it is what the throughput ratio would
   be on a machine of its own, and it moves far less when other work shares the cores.

Every request carries its phase and endpoint name in headers that gunicorn logs with its own
request time, so the report gives both the client's view (locust: includes queueing and the
client's own CPU share on this machine) and the server's time per request. A request counts in
a phase's window when it was sent in that phase and answered inside the window; a window opens
only once every task of the previous phase has finished (plus SETTLE seconds). Any answer
other than the expected one is a failure; a 409 from a coverage decision (another analyst
decided that link first) is the application's correct answer to a race and is counted apart
as `conflicts`, not hidden.

gunicorn runs 4 sync workers by default, two a core: the app is CPU-bound Python, and the
second worker a core covers the waits on PostgreSQL. On this 2-core machine, shared with other
work, 2 gthread workers x 4 threads and 8 sync workers measured within the noise of it (list
and reader, 8 s phases, one run each): choose with --workers and --threads.

Writes bench/out/load.json and prints a table.
"""
# ruff: noqa: E402 — gevent must patch the standard library before anything else imports it.

from gevent import monkey

monkey.patch_all()

import argparse
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import gevent
import psutil
from locust import FastHttpUser, constant, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: I001 — the page benchmark's helpers: settings, gunicorn, percentiles

ROOT = pages.ROOT
OUT = pages.OUT
PASSWORD = "load-test-only-Vq93k"  # bench database only; never the everyday one
SEED = 20240527
SETTLE = 0.3  # seconds after the previous phase has finished, not counted

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
LINK_CARD = re.compile(r'data-link="(\d+)"')

# The mixed phase: how often an analyst does each thing (the weights add up to 100).
MIX = {
    "list": 25,
    "search": 15,
    "reader": 25,
    "label": 10,
    "coverage": 8,
    "compare": 7,
    "hello": 10,
}
MAIN_PAGES = ["list", "search", "reader", "label", "coverage", "compare"]


# --- set-up in the benchmark database -------------------------------------------------------


def prepare(users: int, stories_wanted: int) -> dict:
    """Analysts, and what they will ask for: every choice is drawn here, with a fixed seed."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from articles import coverage
    from articles.models import Article, CoverageLink, LabelSet, Outlet, Quote, Speaker

    rng = random.Random(SEED)
    analyst = Group.objects.get(name="analyst")
    # One hash for all: hashing 50 passwords would take half a minute and prove nothing.
    password = make_password(PASSWORD)
    names = [f"load-analyst-{n:02d}" for n in range(1, users + 1)]
    for name in names:
        user, _ = User.objects.update_or_create(
            username=name, defaults={"password": password, "is_active": True}
        )
        user.groups.add(analyst)

    total = Article.objects.visible().count()
    if not CoverageLink.objects.exists():
        raise SystemExit(
            "No coverage links in this database: run `manage.py suggest_links --rebuild` on it "
            "first, so the coverage queue and the compare task have something to show."
        )
    stories = pages.stories_with_articles(stories_wanted)
    if len(stories) < stories_wanted:
        editor, _ = User.objects.get_or_create(username="load-editor")
        editor.groups.add(Group.objects.get(name="editor"))
        best = CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).order_by("-score", "id")
        for link in best[: 2 * (stories_wanted - len(stories))]:
            coverage.decide(editor, link.pk, CoverageLink.CONFIRMED, expected=link.status)
        stories = pages.stories_with_articles(stories_wanted)
    compare_sets = pages.compare_sets(stories)

    # Random articles: ids drawn from the whole id range, kept when visible.
    low, high = (
        Article.objects.order_by("pk").values_list("pk", flat=True)[:1][0],
        (Article.objects.order_by("-pk").values_list("pk", flat=True)[:1][0]),
    )
    wanted = sorted({rng.randint(low, high) for _ in range(3000)})
    readers = list(Article.objects.visible().filter(pk__in=wanted).values_list("pk", flat=True))
    quotes = defaultdict(list)
    for article_id, quote_id in (
        Quote.objects.visible()
        .filter(article_id__in=readers[:1000])
        .values_list("article_id", "id")
        .order_by("article_id", "start")
    ):
        quotes[article_id].append(quote_id)
    label_set = LabelSet.objects.filter(active=True).prefetch_related("labels").first()

    meta_file = OUT / f"corpus_meta_{pages.connection_vendor()}.json"
    word = json.loads(meta_file.read_text())["search_1pct"] if meta_file.exists() else "Tbilisi"
    surnames = sorted({name.split()[-1] for name in Speaker.objects.values_list("name", flat=True)})
    speakers = list(Speaker.objects.order_by("pk").values_list("name", flat=True)[:50])
    outlets = list(Outlet.objects.values_list("pk", flat=True))
    languages = sorted(
        set(Article.objects.order_by().values_list("language", flat=True).distinct()) - {""}
    )
    return {
        "articles": total,
        "num_pages": max(1, -(-total // 50)),
        "users": names,
        "readers": readers,
        "quotes": {a: q for a, q in quotes.items() if q},
        "label_set": label_set.pk,
        "labels": [label.pk for label in label_set.labels.all()],
        "compare_sets": compare_sets,
        "search_1pct": word,
        "search_other": [
            *(s for s in rng.sample(surnames, min(5, len(surnames)))),
            f'"{word} talks"',
            f"{word} -{surnames[0]}",
            "minister agenda",
        ],
        "speakers": speakers,
        "outlets": outlets,
        "languages": languages,
    }


# --- the simulated analyst --------------------------------------------------------------------


class Run:
    """What the analysts share: the plan, the current phase, and every answer they got."""

    plan: dict = {}
    phase = "login"
    logged_in = 0
    free_users: list[str] = []
    records: list = []  # (phase, name, sent, answered, ok, conflict)
    failures: list = []  # (phase, name, what) — the first few of each, to show
    busy: defaultdict = defaultdict(int)  # analysts in the middle of a task, by phase
    rng = random.Random(SEED + 1)


class Analyst(FastHttpUser):
    wait_time = constant(0)
    # A connection per analyst, as a browser keeps one: the server sees 50 clients.
    concurrency = 1
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        self.username = Run.free_users.pop()
        self.rng = random.Random(f"{SEED}-{self.username}")
        page = self.client.get("/accounts/login/", name="login page").text
        token = CSRF_INPUT.search(page).group(1)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
        home = self.client.get("/", name="login home").text
        # htmx sends the token that the page puts in hx-headers on <body>.
        self.csrf = CSRF_HEADER.search(home).group(1)
        Run.logged_in += 1

    @task
    def act(self):
        phase = Run.phase
        if phase in ("login", "done"):
            gevent.sleep(0.05)
            return
        if phase in ("mixed", "warmup"):
            kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        else:
            kind = "hello" if phase.startswith("hello") else phase
        Run.busy[phase] += 1
        try:
            getattr(self, f"do_{kind}")(phase)
        finally:
            Run.busy[phase] -= 1
        if Run.plan.get("think"):
            gevent.sleep(self.rng.uniform(0, 2 * Run.plan["think"]))

    # One request, timed by locust and tagged for gunicorn's log.
    def send(self, phase, name, method, path, expect=200, htmx=False, data=None):
        headers = {"X-Load-Phase": phase, "X-Load-Name": name}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf
        sent = time.perf_counter()
        with self.client.request(
            method, path, name=name, headers=headers, data=data, catch_response=True
        ) as response:
            answered = time.perf_counter()
            conflict = response.status_code == 409 and expect == (200, 409)
            ok = response.status_code in (expect if isinstance(expect, tuple) else (expect,))
            if ok:
                response.success()
            else:
                what = f"{response.status_code} {str(response.error or '')[:80]}"
                response.failure(what)
                if len(Run.failures) < 50:
                    Run.failures.append((phase, name, path, what))
            Run.records.append((phase, name, sent, answered, ok, conflict))
            return response.text if ok else ""

    def do_hello(self, phase):
        self.send(phase, "hello", "GET", "/bench/hello")

    def do_list(self, phase):
        plan, r = Run.plan, self.rng.random()
        if r < 0.4:
            self.send(phase, "list: first page", "GET", "/")
        elif r < 0.7:
            page = self.rng.randint(2, plan["num_pages"])
            self.send(phase, "list: deep page", "GET", f"/?page={page}", htmx=True)
        else:
            choice = self.rng.randrange(5)
            if choice == 0:
                query = f"outlet={self.rng.choice(plan['outlets'])}"
            elif choice == 1:
                query = f"language={self.rng.choice(plan['languages'])}"
            elif choice == 2:
                day = self.rng.randint(1, 28)
                month = self.rng.randint(1, 12)
                query = f"from=2023-{month:02d}-{day:02d}&to=2023-{month:02d}-{day:02d}"
            elif choice == 3:
                query = "unlabelled=1"
            else:
                query = "speaker=" + self.rng.choice(plan["speakers"]).replace(" ", "+")
            if self.rng.random() < 0.3:
                query += "&page=2"
            self.send(phase, "list: filtered", "GET", f"/?{query}", htmx=True)

    def do_search(self, phase):
        plan = Run.plan
        if self.rng.random() < 0.5:
            word, name = plan["search_1pct"], "search: 1% word"
        else:
            word, name = self.rng.choice(plan["search_other"]), "search: other"
        query = "q=" + word.replace(" ", "+").replace('"', "%22")
        if self.rng.random() < 0.3:
            query += "&sort=relevance"
        self.send(phase, name, "GET", f"/?{query}", htmx=self.rng.random() < 0.5)

    def do_reader(self, phase):
        article = self.rng.choice(Run.plan["readers"])
        self.send(phase, "reader", "GET", f"/articles/{article}/")

    def do_label(self, phase):
        plan = Run.plan
        article = self.rng.choice(list(plan["quotes"]))
        quote = self.rng.choice(plan["quotes"][article])
        data = {"label_set": plan["label_set"], "label": self.rng.choice(plan["labels"])}
        data["note"] = ""
        if self.send(phase, "label", "POST", f"/quotes/{quote}/label/", htmx=True, data=data):
            self.send(phase, "label undo", "POST", f"/articles/{article}/undo/", htmx=True)

    def do_coverage(self, phase):
        page = self.send(phase, "coverage queue", "GET", "/coverage/")
        links = LINK_CARD.findall(page)
        if not links:
            return
        link = self.rng.choice(links)
        action = self.rng.choice(["confirm", "reject"])
        answer = self.send(
            phase,
            "coverage decision",
            "POST",
            f"/coverage/{link}/decide/",
            expect=(200, 409),
            htmx=True,
            data={"action": action, "expected": "suggested"},
        )
        if answer and "Not saved" not in answer:
            # Put the link back, so that the queue stays as full as it was.
            self.send(phase, "coverage undo", "POST", "/coverage/undo/", htmx=True, data={})

    def do_compare(self, phase):
        ids = self.rng.choice(Run.plan["compare_sets"])
        ids = ids[: self.rng.randint(2, len(ids))]
        self.send(phase, "compare", "GET", "/compare/?articles=" + ",".join(map(str, ids)))


# --- measuring ---------------------------------------------------------------------------------


def cpu_seconds(server, database):
    """CPU seconds used so far, per process: gunicorn (master and workers), the PostgreSQL
    backends serving the benchmark database, and this client; and the whole machine's."""
    used = {}
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
            used[("gunicorn", process.pid)] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    if database:
        for process in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            # Backends name their database in the process title: "postgres: 15/main: user db …"
            if cmdline.startswith("postgres:") and f" {database} " in cmdline:
                try:
                    times = process.cpu_times()
                    used[("postgres", process.pid)] = times.user + times.system
                except psutil.NoSuchProcess:
                    pass
    own = psutil.Process().cpu_times()
    used[("client", 0)] = own.user + own.system
    machine = psutil.cpu_times()
    used[("machine_busy", 0)] = (
        machine.user + machine.system + machine.nice + machine.irq + machine.softirq
    )
    return used


def cpu_used(before, after):
    """CPU seconds between two snapshots by kind; a process that started meanwhile counts in
    full, one that ended meanwhile is lost (backends live on: connections are kept)."""
    totals = {"gunicorn": 0.0, "postgres": 0.0, "client": 0.0, "machine_busy": 0.0}
    for key, seconds in after.items():
        totals[key[0]] += seconds - before.get(key, 0.0)
    return totals


def run_phase(name, seconds, server, database):
    """Switch every analyst to `name`; once nothing of the previous phase is still running
    (a label's undo, a decision's undo, a request queued behind others), count `seconds`."""
    Run.phase = name
    deadline = time.perf_counter() + 60
    while any(n for phase, n in Run.busy.items() if phase != name):
        if time.perf_counter() > deadline:
            raise SystemExit(f"the analysts did not finish {dict(Run.busy)} within 60 s")
        gevent.sleep(0.02)
    gevent.sleep(SETTLE)
    cpu_before, start = cpu_seconds(server, database), time.perf_counter()
    gevent.sleep(seconds)
    end, cpu_after = time.perf_counter(), cpu_seconds(server, database)
    cpu = cpu_used(cpu_before, cpu_after)
    return {"phase": name, "windows": [(start, end)], "cpu_seconds": cpu}


def merge(phases):
    """One phase's windows and CPU seconds, added up over its slices."""
    merged = {"phase": phases[0]["phase"], "windows": [], "cpu_seconds": {}}
    for phase in phases:
        merged["windows"] += phase["windows"]
        for k, v in phase["cpu_seconds"].items():
            merged["cpu_seconds"][k] = merged["cpu_seconds"].get(k, 0.0) + v
    return merged


def summarise(window):
    """Per endpoint: requests, failures, conflicts, requests/s, client-side p50/p95/p99 in ms;
    for the phase: CPU cores used and server CPU (gunicorn + PostgreSQL) per request."""
    phase, windows = window["phase"], window["windows"]
    by_name = defaultdict(list)
    for rec_phase, name, sent, answered, ok, conflict in Run.records:
        if rec_phase == phase and any(start <= answered <= end for start, end in windows):
            by_name[name].append((answered - sent, ok, conflict))
    seconds = sum(end - start for start, end in windows)
    rows = {}
    for name, items in sorted(by_name.items()):
        times = [t * 1000 for t, _, _ in items]
        rows[name] = {
            "requests": len(items),
            "failures": sum(not ok for _, ok, _ in items),
            "conflicts": sum(c for _, _, c in items),
            "requests_per_s": round(len(items) / seconds, 1),
            "p50_ms": round(pages.percentile(times, 50), 1),
            "p95_ms": round(pages.percentile(times, 95), 1),
            "p99_ms": round(pages.percentile(times, 99), 1),
        }
    total = sum(r["requests"] for r in rows.values())
    cpu = window["cpu_seconds"]
    server_cpu = cpu["gunicorn"] + cpu["postgres"]
    return {
        "seconds": round(seconds, 1),
        "requests": total,
        "requests_per_s": round(total / seconds, 1),
        "failures": sum(r["failures"] for r in rows.values()),
        "cpu_cores": {k: round(v / seconds, 2) for k, v in cpu.items()},
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, total), 2),
        "endpoints": rows,
    }


def server_times(log_path):
    """gunicorn's own request times (ms) per (phase, endpoint), from the tagged access log."""
    times = defaultdict(list)
    with log_path.open() as log:
        for line in log:
            parts = line.rstrip("\n").split("|")
            if len(parts) == 4 and parts[0] != "-":
                times[(parts[0], parts[1])].append(int(parts[3]) / 1000)
    return times


# --- the run -----------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated analysts at once")
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument(
        "--phase-seconds", type=float, default=12, help="each page's throughput phase (and hello's)"
    )
    parser.add_argument("--slices", type=int, default=3, help="alternations with hello a page")
    parser.add_argument("--warmup", type=float, default=10, help="seconds, not counted")
    parser.add_argument("--think", type=float, default=0, help="mean think time, seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--phases", default=",".join(MAIN_PAGES), help="main pages to measure")
    parser.add_argument("--skip-mixed", action="store_true", help="throughput phases only")
    parser.add_argument("--stories", type=int, default=200, help="stories the compare task uses")
    args = parser.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - set(MAIN_PAGES)
    if unknown:
        raise SystemExit(f"unknown phases: {', '.join(sorted(unknown))}")

    pages.setup()
    vendor = pages.connection_vendor()
    from django.db import connection

    database = connection.settings_dict["NAME"] if vendor == "postgresql" else None
    plan = prepare(args.users, args.stories)
    plan["think"] = args.think
    from django.db import connections

    connections.close_all()

    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"load_access_{vendor}.log"
    worker_args = ["--workers", str(args.workers)]
    if args.threads > 1:
        worker_args += ["--worker-class", "gthread", "--threads", str(args.threads)]
    worker_args += [
        "--access-logformat",
        "%({x-load-phase}i)s|%({x-load-name}i)s|%(s)s|%(D)s",
        "--backlog",
        "2048",
    ]
    server_process, port = pages.start_gunicorn(log_path, worker_args)
    server = psutil.Process(server_process.pid)
    Run.plan, Run.free_users = plan, list(plan["users"])
    env = Environment(user_classes=[Analyst], host=f"http://127.0.0.1:{port}")
    runner = env.create_local_runner()
    windows = []
    try:
        runner.start(args.users, spawn_rate=args.users)
        deadline = time.time() + 180
        while Run.logged_in < args.users:
            if time.time() > deadline:
                raise SystemExit(f"only {Run.logged_in} of {args.users} analysts logged in")
            gevent.sleep(0.5)
        Run.phase = "warmup"
        gevent.sleep(args.warmup)
        if not args.skip_mixed:
            windows.append(run_phase("mixed", args.mixed_seconds, server, database))
        # Each page in slices, alternating with the hello view's slices: whatever else the
        # machine is doing meanwhile weighs on both alike.
        slice_seconds = args.phase_seconds / args.slices
        for page in phases:
            hello, measured = [], []
            for _ in range(args.slices):
                hello.append(run_phase(f"hello ({page})", slice_seconds, server, database))
                measured.append(run_phase(page, slice_seconds, server, database))
            windows += [merge(hello), merge(measured)]
        Run.phase = "done"
        gevent.sleep(SETTLE)
    finally:
        runner.quit()
        pages.stop_gunicorn(server_process)

    logins = [r for r in Run.records if r[0] == "login"]
    results = {
        "database": vendor,
        "articles": plan["articles"],
        "users": args.users,
        "think_s": args.think,
        "gunicorn": {
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": "gthread" if args.threads > 1 else "sync",
        },
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "login_failures": sum(not r[4] for r in logins),
        "phases": {},
    }
    served = server_times(log_path)
    for window in windows:
        summary = summarise(window)
        for name, row in summary["endpoints"].items():
            times = served.get((window["phase"], name), [])
            if times:
                row["server_p50_ms"] = round(pages.percentile(times, 50), 1)
                row["server_p95_ms"] = round(pages.percentile(times, 95), 1)
        results["phases"][window["phase"]] = summary
    results["ratio_to_hello"] = {}
    for page in phases:
        own, hello = results["phases"][page], results["phases"][f"hello ({page})"]
        results["ratio_to_hello"][page] = {
            "requests_per_s": own["requests_per_s"],
            "hello_requests_per_s": hello["requests_per_s"],
            "throughput_ratio": round(own["requests_per_s"] / hello["requests_per_s"], 3),
            # Less sensitive to the rest of the machine: server CPU a request, hello's over
            # the page's (the same ratio the throughput would have on a machine of its own).
            "cpu_ratio": round(
                hello["server_cpu_ms_per_request"] / own["server_cpu_ms_per_request"], 3
            ),
        }
    results["failures"] = sum(p["failures"] for p in results["phases"].values())
    results["failures"] += results["login_failures"]
    results["failure_examples"] = Run.failures[:20]
    (OUT / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    report(results)


def report(results):
    g = results["gunicorn"]
    print(
        f"\n{results['database']}, {results['articles']:,} articles, {results['users']} analysts, "
        f"gunicorn {g['workers']} {g['worker_class']} workers"
        + (f" x {g['threads']} threads" if g["threads"] > 1 else "")
        + " on 127.0.0.1"
    )
    head = (
        f"{'phase / endpoint':<32}{'req':>7}{'fail':>6}{'req/s':>8}"
        f"{'p50':>8}{'p95':>8}{'p99':>8}{'srv p50':>9}{'srv p95':>9}"
    )
    for phase, summary in results["phases"].items():
        cpu = summary["cpu_cores"]
        print(
            f"\n[{phase}] {summary['seconds']}s, {summary['requests_per_s']} req/s, CPU cores "
            f"used: gunicorn {cpu['gunicorn']}, postgres {cpu['postgres']}, client "
            f"{cpu['client']}, machine {cpu['machine_busy']}; server CPU "
            f"{summary['server_cpu_ms_per_request']} ms a request"
        )
        print(head)
        for name, row in summary["endpoints"].items():
            extra = f" ({row['conflicts']} 409 conflicts)" if row["conflicts"] else ""
            print(
                f"{name:<32}{row['requests']:>7}{row['failures']:>6}{row['requests_per_s']:>8}"
                f"{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}"
                f"{row.get('server_p50_ms', ''):>9}{row.get('server_p95_ms', ''):>9}{extra}"
            )
    print(
        f"\n{'page':<10}{'req/s':>8}{'hello req/s':>13}{'ratio':>7}"
        f"{'srv CPU ms/req':>16}{'hello CPU ms/req':>18}{'CPU ratio':>11}"
    )
    for page, r in results["ratio_to_hello"].items():
        own = results["phases"][page]["server_cpu_ms_per_request"]
        hello = results["phases"][f"hello ({page})"]["server_cpu_ms_per_request"]
        print(
            f"{page:<10}{r['requests_per_s']:>8}{r['hello_requests_per_s']:>13}"
            f"{r['throughput_ratio']:>7.0%}{own:>16}{hello:>18}{r['cpu_ratio']:>11.0%}"
        )
    print(f"failures: {results['failures']} (ms: client-side; srv: gunicorn's own time)")


if __name__ == "__main__":
    main()
