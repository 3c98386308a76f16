"""Fault drills: PostgreSQL restarted while analysts label, an import killed mid-way, a gunicorn
worker killed mid-request, a full export while analysts write. Each prints its result and its
figures; all go to bench/out/drills.json.

    .venv/bin/python bench/drills.py                     # all four
    .venv/bin/python bench/drills.py --drills import,worker,export   # without the restart

Everything runs on this machine: gunicorn on 127.0.0.1, the local PostgreSQL, scratch
databases `drills` (a generated corpus of --articles articles), `drills_import` and
`drills_restore`, each dropped, created and migrated by this script. Every loop is bounded in
time. The restart drill restarts the local PostgreSQL cluster once (`pg_ctlcluster ...
restart`, as root): other sessions' connections to it drop for a few seconds, so run it
sparingly.

Analysts are simulated over real HTTP: each logs in through the login form (session cookie and
CSRF token) and posts labels as htmx does. Every label request carries a unique note, so the
database can be asked afterwards which requests were stored, and how many times.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = OUT / "drills"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PASSWORD = "drill-pw-20240527"
# Databases other people rely on: never touched by a drill.
PROTECTED = {"postgres", "test", "bench", "template0", "template1"}


# --- plumbing ----------------------------------------------------------------------------------


def log(message):
    print(message, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_url(url):
    return urlparse(url)._replace(path="/postgres").geturl()


def db_name(url):
    return urlparse(url).path.lstrip("/")


def recreate_database(url):
    import psycopg

    name = db_name(url)
    if name in PROTECTED or name.startswith("test"):
        raise SystemExit(f"refusing to drop the database {name!r}: use a scratch database")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def env_for(url):
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="drills-only-key", HTTPS="false")
    env.update(ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING")
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py and wsgi.py choose the real settings
    env.pop("DEBUG", None)
    return env


def manage(url, *args, timeout=600, check=True):
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env_for(url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def generate_corpus(url, articles):
    """bench/generate_corpus.py, with its planted-pairs files kept out of bench/out/."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'bench');"
        "import generate_corpus as g; g.OUT = Path(sys.argv[1]);"
        "sys.argv = ['generate_corpus', '--articles', sys.argv[2]]; g.main()"
    )
    subprocess.run(
        [PY, "-c", code, str(WORK), str(articles)],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
        timeout=600,
    )


def setup_django(url):
    os.environ.update(env_for(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsdesk.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def close_db():
    from django.db import connections

    connections.close_all()


class Server:
    """gunicorn on 127.0.0.1 with sync workers, stopped by stop()."""

    def __init__(self, url, workers, name):
        self.port = free_port()
        self.log_path = WORK / f"gunicorn_{name}.log"
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "newsdesk.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=env_for(url),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while True:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or self.process.poll() is not None:
                self.stop()
                raise SystemExit(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.2)

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def log_lines(self, needle):
        return sum(needle in line for line in self.log_path.read_text().splitlines())

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


class Analyst:
    """One analyst in a browser: logs in through the form, then posts labels as htmx does."""

    def __init__(self, port, username):
        self.port, self.username, self.cookies = port, username, {}
        status, page, response = self._send("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        status, _, response = self._send(
            "POST", "/accounts/login/", urlencode(form), {"Content-Type": FORM}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"{username} could not log in (status {status})")

    def _send(self, method, path, body=None, headers=None, timeout=10):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, content, response = request(
            self.port, method, path, body, {"Cookie": cookie, **(headers or {})}, timeout
        )
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, content, response

    def label(self, quote_id, label_id, label_set_id, note, timeout=10):
        body = urlencode({"label": label_id, "label_set": label_set_id, "note": note})
        headers = {
            "Content-Type": FORM,
            "HX-Request": "true",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }
        return self._send("POST", f"/quotes/{quote_id}/label/", body, headers, timeout)


FORM = "application/x-www-form-urlencoded"


def make_analysts(count, prefix):
    from django.contrib.auth.models import Group, User

    names = []
    for i in range(count):
        user, _ = User.objects.get_or_create(username=f"{prefix}-{i}")
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name="analyst"))
        names.append(user.username)
    return names


def label_choices():
    from articles.models import LabelSet

    label_set = LabelSet.objects.get(name="Presentation")
    return label_set.pk, list(label_set.labels.order_by("order").values_list("pk", flat=True))


def quotes_for(count, offset):
    """Quotes of distinct visible articles, spread over the corpus."""
    from articles.models import Quote

    ids = (
        Quote.objects.filter(deleted_at__isnull=True, article__deleted_at__isnull=True)
        .order_by("article_id", "start")
        .distinct("article_id")
        .values_list("pk", flat=True)
    )
    return list(ids[offset : offset + count])


class Labelling:
    """Analysts labelling back to back in threads until stop(); every request is recorded."""

    def __init__(self, port, usernames, quotes_each, offset):
        self.label_set, self.labels = label_choices()
        self.stopping = threading.Event()
        self.records = []  # (sent, done, username, note, status, outcome)
        self.lock = threading.Lock()
        self.threads = []
        for i, username in enumerate(usernames):
            analyst = Analyst(port, username)
            quotes = quotes_for(quotes_each, offset + i * quotes_each)
            thread = threading.Thread(target=self._run, args=(analyst, quotes), daemon=True)
            self.threads.append(thread)
        close_db()

    def start(self):
        for thread in self.threads:
            thread.start()

    def _run(self, analyst, quotes):
        n = 0
        while not self.stopping.is_set():
            quote = quotes[n % len(quotes)]
            label = self.labels[n % len(self.labels)]
            note = f"{analyst.username}#{n}"
            sent = time.monotonic()
            try:
                status, body, response = analyst.label(quote, label, self.label_set, note)
                outcome = {"status": status}
                if status == 503:
                    outcome["retry_after"] = response.headers.get("Retry-After")
                    outcome["body"] = body.decode("utf-8", "replace")
            except TimeoutError:
                status, outcome = None, {"error": "timeout"}
            except OSError as exc:
                status, outcome = None, {"error": type(exc).__name__}
            with self.lock:
                self.records.append(
                    (sent, time.monotonic(), analyst.username, note, status, outcome)
                )
            n += 1
            if status != 200:
                time.sleep(0.1)  # as a person would, wait a moment before trying again

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)


def stored_notes(usernames):
    """How many history records each label request's note has (the label and its record are
    written in one transaction: a stored request has exactly one)."""
    from collections import Counter

    from articles.models import ChangeRecord

    close_db()
    notes = ChangeRecord.objects.filter(subject="stance", user__username__in=usernames).values_list(
        "after__note", flat=True
    )
    return Counter(notes)


def export_problems(path):
    from articles import export_check

    rows = export_check.read(Path(path).read_text(encoding="utf-8").splitlines())
    return rows, export_check.problems(rows)


def whole_corpus_problems(url, name):
    """Export the whole database and check labels against their history everywhere."""
    target = WORK / f"check_{name}.jsonl"
    manage(url, "export_corpus", "--output", str(target))
    rows, problems = export_problems(target)
    return len(rows), problems


def storage_result(records, usernames):
    counts = stored_notes(usernames)
    ok = [r for r in records if r[4] == 200]
    failed = [r for r in records if r[4] != 200]
    return {
        "ok_stored_once": sum(counts[r[3]] == 1 for r in ok),
        "ok_not_stored_or_twice": [r[3] for r in ok if counts[r[3]] != 1],
        "failed_not_stored": sum(counts[r[3]] == 0 for r in failed),
        "failed_but_stored_whole": [r[3] for r in failed if counts[r[3]] == 1],
        "stored_more_than_once": [note for note, c in counts.items() if c > 1],
    }


# --- a. PostgreSQL restarted while analysts label ----------------------------------------------


def drill_restart(url, args):
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    usernames = make_analysts(args.analysts, "drill-restart")
    server = Server(url, args.workers, "restart")
    try:
        labelling = Labelling(server.port, usernames, 10, 0)
        workers_before = server.workers()
        labelling.start()
        time.sleep(args.before)
        log(f"  restarting PostgreSQL {version}/main …")
        restart_began = time.monotonic()
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        restart_ended = time.monotonic()
        # Keep labelling until every analyst has had a label saved after the restart, then a
        # few seconds more (bounded).
        deadline = restart_ended + args.after_max
        while time.monotonic() < deadline:
            with labelling.lock:
                recovered = {
                    r[2] for r in labelling.records if r[0] > restart_ended and r[4] == 200
                }
            if len(recovered) == len(usernames):
                break
            time.sleep(0.2)
        time.sleep(args.after)
        labelling.stop()
        errors_500 = server.log_lines("Internal Server Error")
        logged_503 = server.log_lines("Service Unavailable")
        # The same master and workers throughout: recovery came from the app, not a restart.
        same_workers = server.process.poll() is None and server.workers() == workers_before
    finally:
        server.stop()
    close_db()
    records = sorted(labelling.records)
    failures = [r for r in records if r[4] != 200]
    by_status = {}
    for r in records:
        key = str(r[4]) if r[4] is not None else r[5]["error"]
        by_status[key] = by_status.get(key, 0) + 1
    last_failure = max((r[1] for r in failures), default=None)
    first_ok_after = min(
        (r[1] for r in records if r[4] == 200 and last_failure and r[0] > last_failure),
        default=None,
    )
    fragments = {r[5].get("body") for r in records if r[4] == 503}
    retry = {r[5].get("retry_after") for r in records if r[4] == 503}
    storage = storage_result(records, usernames)
    counts = stored_notes(usernames)
    failure_log = [
        {
            "sent_s": round(r[0] - restart_began, 2),
            "took_s": round(r[1] - r[0], 3),
            "status": r[4] if r[4] is not None else r[5]["error"],
            "note": r[3],
            "history_records": counts[r[3]],
        }
        for r in failures
    ]
    articles, problems = whole_corpus_problems(url, "restart")
    result = {
        "postgresql": version,
        "restart_command": {
            "returncode": done.returncode,
            "seconds": round(restart_ended - restart_began, 2),
        },
        "requests": len(records),
        "by_status": by_status,
        "failures_from_s": round(min((r[0] for r in failures), default=0) - restart_began, 2)
        if failures
        else None,
        "failures_until_s": round(last_failure - restart_began, 2) if failures else None,
        "recovered_after_s": round(first_ok_after - restart_began, 2) if first_ok_after else None,
        "slowest_request_s": round(max(r[1] - r[0] for r in records), 2),
        "retry_after": sorted(x for x in retry if x),
        "fragments_503": sorted(x for x in fragments if x),
        "gunicorn_logged": {"Internal Server Error": errors_500, "Service Unavailable": logged_503},
        "gunicorn_same_workers_throughout": same_workers,
        "storage": storage,
        "export_check": {"articles": articles, "problems": problems[:20]},
        "failures": failure_log,
    }
    bad_failures = [r for r in failures if r[4] != 503]
    result["passed"] = bool(
        done.returncode == 0
        and failures
        and not bad_failures
        and errors_500 == 0
        and first_ok_after is not None
        and same_workers
        and not storage["ok_not_stored_or_twice"]
        and not storage["stored_more_than_once"]
        and not problems
        and len(retry) == 1
    )
    result["failures_not_503"] = len(bad_failures)
    return result


# --- b. An import killed mid-way ----------------------------------------------------------------


def drill_import(url, args):
    """Runs on its own database (`url`), read here with plain SQL: this process's Django
    connection belongs to the other drills' corpus."""
    sys.path.insert(0, str(ROOT / "bench"))
    import psycopg
    from import_speed import write_corpus

    from articles.text.pipeline import analyse

    outlet = "Drill import"
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-drill-import-"))
    write_corpus(folder, args.import_files)
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*.txt")}
    distinct = len({hashlib.sha256(p.read_bytes()).hexdigest() for p in files.values()})
    of_outlet = (
        "FROM articles_article a JOIN articles_outlet o ON o.id = a.outlet_id WHERE o.name = %s"
    )

    def one(query, *params):
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(query, params).fetchone()[0]

    def count():
        return one(f"SELECT count(*) {of_outlet}", outlet)

    command = [PY, "manage.py", "import_articles", str(folder), "--outlet", outlet]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env_for(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its process-pool workers share its group: found below
    )
    # Kill it while a later batch is being written: after the first batch has committed.
    deadline = started + 300
    while count() == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    first_batch_s = time.monotonic() - started
    time.sleep(args.kill_after)
    at_kill = count()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_s = time.monotonic() - started
    # Its text-analysis pool workers outlive it for a moment: do they go by themselves?
    time.sleep(2)
    left_at_2s = _group(process.pid)
    _wait_for(lambda: not _group(process.pid), 20, step=0.5)
    left_at_22s = _described(_group(process.pid))
    if left_at_22s:
        os.killpg(process.pid, signal.SIGKILL)
    after_kill = count()
    idle_in_transaction = _idle_in_transaction(url)

    def whole(sample):
        """Every article of the outlet has its source file; a sample's quotes equal a fresh
        analysis of its file."""
        without_file = one(
            f"SELECT count(*) {of_outlet} AND NOT EXISTS "
            "(SELECT 1 FROM articles_sourcefile s WHERE s.article_id = a.id)",
            outlet,
        )
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT a.id, (SELECT min(name) FROM articles_sourcefile s "
                "WHERE s.article_id = a.id), (SELECT count(*) FROM articles_quote q "
                f"WHERE q.article_id = a.id) {of_outlet} ORDER BY random() LIMIT %s",
                [outlet, sample],
            ).fetchall()
        mismatches = []
        for article_id, name, stored in rows:
            expected = len(analyse(files[name].read_bytes()).extraction.quotes)
            if stored != expected:
                mismatches.append((article_id, stored, expected))
        return without_file, mismatches

    without_file_at_kill, mismatches_at_kill = whole(args.sample)
    rerun_started = time.monotonic()
    rerun = subprocess.run(command, cwd=ROOT, env=env_for(url), capture_output=True, text=True)
    rerun_s = time.monotonic() - rerun_started
    summary = (rerun.stdout.strip().splitlines() or [""])[-1]
    final = count()
    source_files = one(
        f"SELECT count(*) FROM articles_sourcefile WHERE article_id IN (SELECT a.id {of_outlet})",
        outlet,
    )
    shas = one(f"SELECT count(DISTINCT a.sha256) {of_outlet}", outlet)
    without_file, mismatches = whole(args.sample)
    subprocess.run(["rm", "-rf", str(folder)], check=False)
    result = {
        "files": len(files),
        "distinct_files": distinct,
        "first_batch_committed_after_s": round(first_batch_s, 2),
        "killed_after_s": round(killed_s, 2),
        "articles_when_killed": at_kill,
        "articles_after_kill": after_kill,
        "pool_processes_left_2s_after_kill": left_at_2s,
        "pool_processes_left_22s_after_kill": left_at_22s,
        "backends_idle_in_transaction": idle_in_transaction,
        "articles_without_source_file_after_kill": without_file_at_kill,
        "quote_count_mismatches_after_kill": mismatches_at_kill,
        "rerun": {"summary": summary, "exit": rerun.returncode, "seconds": round(rerun_s, 1)},
        "final_articles": final,
        "final_distinct_sha256": shas,
        "final_source_files": source_files,
        "articles_without_source_file": without_file,
        "quote_count_mismatches": mismatches,
        "sample": args.sample,
    }
    result["passed"] = bool(
        0 < after_kill < distinct
        and after_kill % 200 == 0  # whole batches only
        and not without_file_at_kill
        and not mismatches_at_kill
        and rerun.returncode == 0
        and summary == f"imported={distinct - after_kill} duplicates={after_kill} failed=0"
        and final == shas == source_files == distinct
        and not without_file
        and not mismatches
        and not idle_in_transaction
        and not left_at_22s
    )
    return result


def _described(pids):
    described = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        described.append({"pid": pid, "state": state, "command": command.strip()[-90:]})
    return described


def _group(pgid):
    """Live processes of a process group (zombies, already gone, do not count)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _idle_in_transaction(url):
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state LIKE 'idle in%%'",
            [db_name(url)],
        ).fetchall()
    return [r[0] for r in rows]


# --- c. A worker killed mid-request ---------------------------------------------------------------


def _socket_owner(server, client_port):
    """The gunicorn worker holding the server side of the client's connection (/proc/net/tcp)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server.port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inode = fields[9]
    if inode is None:
        return None
    for pid in server.workers():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


class InFlight:
    """A request sent in a thread; the connection's port identifies the worker serving it."""

    def __init__(self, port, method, path, body=None, headers=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
        self.client_port = self.conn.sock.getsockname()[1]
        self.outcome = None
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self):
        try:
            response = self.conn.getresponse()
            response.read()
            self.outcome = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self.outcome = type(exc).__name__
        finally:
            self.conn.close()


def _wait_for(predicate, seconds, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def _backend_waiting(admin, url, query_start):
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
        "AND query LIKE %s",
        [db_name(url), query_start + "%"],
    ).fetchall()
    return rows[0][0] if rows else None


def _kill_worker_mid(server, url, admin, lock_sql, send, waiting_query):
    """Hold a lock so the request blocks in the database mid-way, find the worker serving it,
    SIGKILL that worker, release the lock, and report what the client and gunicorn saw."""
    import psycopg

    before = server.workers()
    holder = psycopg.connect(url)
    holder.execute(lock_sql)  # stays in its transaction until rollback below
    flight = send()
    backend = _wait_for(lambda: _backend_waiting(admin, url, waiting_query), 10)
    worker = _wait_for(lambda: _socket_owner(server, flight.client_port), 5)
    held_locks = []
    if backend:
        held_locks = [
            r[0]
            for r in admin.execute(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = %s AND l.granted AND l.mode = 'RowExclusiveLock' "
                "AND c.relkind = 'r'",
                [backend],
            ).fetchall()
        ]
    if worker:
        os.kill(worker, signal.SIGKILL)
    killed_at = time.monotonic()
    flight.thread.join(15)
    holder.rollback()
    holder.close()
    replaced = _wait_for(
        lambda: len(server.workers()) == len(before) and server.workers() != before, 15
    )
    backend_gone = _wait_for(
        lambda: (
            not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
        ),
        15,
    )
    return {
        "worker_killed": worker,
        "blocked_backend": backend,
        "tables_written_when_killed": sorted(held_locks),
        "client_saw": flight.outcome,
        "worker_replaced": bool(replaced),
        "replaced_within_s": round(time.monotonic() - killed_at, 2) if replaced else None,
        "workers_after": sorted(server.workers() - before),
        "killed_backend_gone": bool(backend_gone),
    }


def drill_worker(url, args):
    import psycopg

    from articles.models import ChangeRecord, StanceAnnotation

    (username,) = make_analysts(1, "drill-worker")
    label_set, labels = label_choices()
    quote = quotes_for(1, 500)[0]
    server = Server(url, 2, "worker")
    admin = psycopg.connect(url, autocommit=True)  # watches pg_stat_activity and pg_locks
    try:
        analyst = Analyst(server.port, username)
        close_db()
        cookie = "; ".join(f"{k}={v}" for k, v in analyst.cookies.items())
        # A reading request held while it reads the article table (a stand-in for a slow page).
        reading = _kill_worker_mid(
            server,
            url,
            admin,
            "LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE",
            lambda: InFlight(server.port, "GET", "/?page=20", headers={"Cookie": cookie}),
            "SELECT",
        )
        after_reading = [
            request(server.port, "GET", "/?page=20", headers={"Cookie": cookie})[0]
            for _ in range(10)
        ]

        # A label request held after it wrote the label, before it wrote the history row.
        note = "killed mid-request"
        body = urlencode({"label": labels[0], "label_set": label_set, "note": note})
        headers = {
            "Cookie": cookie,
            "Content-Type": FORM,
            "HX-Request": "true",
            "X-CSRFToken": analyst.cookies["csrftoken"],
        }
        writing = _kill_worker_mid(
            server,
            url,
            admin,
            "LOCK TABLE articles_changerecord IN EXCLUSIVE MODE",
            lambda: InFlight(server.port, "POST", f"/quotes/{quote}/label/", body, headers),
            'INSERT INTO "articles_changerecord"',
        )
        close_db()
        half = {
            "labels_with_the_note": StanceAnnotation.objects.filter(note=note).count(),
            "history_with_the_note": ChangeRecord.objects.filter(after__note=note).count(),
        }
        again = analyst.label(quote, labels[0], label_set, note)[0]
        close_db()
        whole = {
            "labels_with_the_note": StanceAnnotation.objects.filter(note=note).count(),
            "history_with_the_note": ChangeRecord.objects.filter(after__note=note).count(),
        }
        after_writing = [
            request(server.port, "GET", "/", headers={"Cookie": cookie})[0] for _ in range(10)
        ]
        errors_500 = server.log_lines("Internal Server Error")
    finally:
        admin.close()
        server.stop()
    result = {
        "reading": reading,
        "requests_after_reading_kill": after_reading,
        "label": writing,
        "after_kill": half,
        "label_sent_again": again,
        "after_resend": whole,
        "requests_after_label_kill": after_writing,
        "gunicorn_500s": errors_500,
    }

    def killed_cleanly(part):
        return bool(
            part["worker_killed"]
            and part["blocked_backend"]
            and part["client_saw"]
            and not part["client_saw"].startswith("HTTP")  # a connection error, not an answer
            and part["worker_replaced"]
            and part["killed_backend_gone"]
        )

    result["passed"] = bool(
        killed_cleanly(reading)
        and killed_cleanly(writing)
        and "articles_stanceannotation" in writing["tables_written_when_killed"]
        and half == {"labels_with_the_note": 0, "history_with_the_note": 0}
        and again == 200
        and whole == {"labels_with_the_note": 1, "history_with_the_note": 1}
        and set(after_reading) == {200}
        and set(after_writing) == {200}
        and errors_500 == 0
    )
    return result


# --- d. A full export while analysts write ------------------------------------------------------


def drill_export(url, args, restore_url):
    usernames = make_analysts(args.analysts, "drill-export")
    server = Server(url, args.workers, "export")
    during_path, after_path = WORK / "export_during.jsonl", WORK / "export_after.jsonl"
    try:
        labelling = Labelling(server.port, usernames, 10, 200)
        labelling.start()
        time.sleep(2)
        export_began = time.monotonic()
        export = manage(url, "export_corpus", "--output", str(during_path), check=False)
        export_ended = time.monotonic()
        time.sleep(1)
        labelling.stop()
        errors_500 = server.log_lines("Internal Server Error")
    finally:
        server.stop()
    records = labelling.records
    during_rows, during_problems = export_problems(during_path)
    manage(url, "export_corpus", "--output", str(after_path))
    after_rows, after_problems = export_problems(after_path)
    from articles import export_check

    lost = export_check.covered_by(during_rows, after_rows)
    notes_in = {
        r["after"]["note"]
        for row in during_rows
        for r in row["history"]
        if r["subject"] == "stance" and r["after"]
    }
    saved_before = [r for r in records if r[4] == 200 and r[1] < export_began]
    saved_during = [
        r for r in records if r[4] == 200 and export_began <= r[0] and r[1] <= export_ended
    ]
    saved_after = [r for r in records if r[4] == 200 and r[0] > export_ended]
    storage = storage_result(records, usernames)

    recreate_database(restore_url)
    manage(restore_url, "migrate", "-v0")
    restore_began = time.monotonic()
    restore = manage(restore_url, "import_corpus", str(during_path), check=False)
    restore_s = time.monotonic() - restore_began
    round_trip = WORK / "export_restored.jsonl"
    manage(restore_url, "export_corpus", "--output", str(round_trip))
    same_bytes = round_trip.read_bytes() == during_path.read_bytes()
    result = {
        "export": {"exit": export.returncode, "seconds": round(export_ended - export_began, 2)},
        "articles_exported": len(during_rows),
        "labels_saved_while_exporting": len(saved_during),
        "labels_saved_before_export_missing_from_it": [
            r[3] for r in saved_before if r[3] not in notes_in
        ],
        "labels_saved_after_export_found_in_it": [r[3] for r in saved_after if r[3] in notes_in],
        "problems_in_export_during_writes": during_problems[:20],
        "problems_in_export_after_writes": after_problems[:20],
        "lost_between_exports": lost[:20],
        "history_records": {
            "during": sum(len(r["history"]) for r in during_rows),
            "after": sum(len(r["history"]) for r in after_rows),
        },
        "requests": len(records),
        "non_200": sum(r[4] != 200 for r in records),
        "storage": storage,
        "gunicorn_500s": errors_500,
        "restore": {
            "exit": restore.returncode,
            "output": (restore.stdout.strip() or restore.stderr.strip())[-300:],
            "seconds": round(restore_s, 1),
            "export_again_same_bytes": same_bytes,
        },
    }
    result["passed"] = bool(
        export.returncode == 0
        and saved_during
        and not result["labels_saved_before_export_missing_from_it"]
        and not result["labels_saved_after_export_found_in_it"]
        and not during_problems
        and not after_problems
        and not lost
        and result["history_records"]["after"] > result["history_records"]["during"]
        and result["non_200"] == 0
        and not storage["ok_not_stored_or_twice"]
        and errors_500 == 0
        and restore.returncode == 0
        and same_bytes
    )
    return result


# --- main -----------------------------------------------------------------------------------------


DRILLS = ("restart", "import", "worker", "export")


def summary_line(name, result):
    verdict = "PASS" if result.get("passed") else "FAIL"
    if name == "restart":
        s = result
        detail = (
            f"{s['requests']} label requests, {s['by_status']}; restart took "
            f"{s['restart_command']['seconds']}s; failures from +{s['failures_from_s']}s to "
            f"+{s['failures_until_s']}s, first label saved again at +{s['recovered_after_s']}s "
            f"(same gunicorn workers throughout: {s['gunicorn_same_workers_throughout']}); 500s: {s['gunicorn_logged']['Internal Server Error']}; "
            f"2xx stored once: {s['storage']['ok_stored_once']}, failed and not stored: "
            f"{s['storage']['failed_not_stored']}, failed but stored whole: "
            f"{len(s['storage']['failed_but_stored_whole'])}; export check problems: "
            f"{len(s['export_check']['problems'])}"
        )
    elif name == "import":
        s = result
        detail = (
            f"{s['files']} files; killed at {s['killed_after_s']}s with "
            f"{s['articles_after_kill']} articles committed (whole batches of 200), "
            f"{len(s['quote_count_mismatches_after_kill'])} quote mismatches in a sample of "
            f"{s['sample']}; re-run: '{s['rerun']['summary']}' in {s['rerun']['seconds']}s; "
            f"final {s['final_articles']} articles = {s['final_distinct_sha256']} distinct "
            f"= {s['final_source_files']} source files; the killed import's pool processes "
            f"still there 22 s later: {len(s['pool_processes_left_22s_after_kill'])}"
        )
    elif name == "worker":
        s = result
        detail = (
            f"GET killed: client saw {s['reading']['client_saw']}, worker replaced "
            f"{s['reading']['worker_replaced']}; label POST killed after writing "
            f"{s['label']['tables_written_when_killed']}: client saw {s['label']['client_saw']}, "
            f"left {s['after_kill']}; resent: {s['label_sent_again']} {s['after_resend']}; "
            f"requests after: {sorted(set(s['requests_after_reading_kill'] + s['requests_after_label_kill']))}"
        )
    else:
        s = result
        detail = (
            f"export of {s['articles_exported']} articles took {s['export']['seconds']}s while "
            f"{s['labels_saved_while_exporting']} labels were saved; problems during/after: "
            f"{len(s['problems_in_export_during_writes'])}/{len(s['problems_in_export_after_writes'])}"
            f"; lost between exports: {len(s['lost_between_exports'])}; restore: exit "
            f"{s['restore']['exit']} in {s['restore']['seconds']}s, re-export same bytes "
            f"{s['restore']['export_again_same_bytes']}"
        )
    return f"{name:<8} {verdict}  {detail}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--drills", default=",".join(DRILLS), help="comma-separated: " + ", ".join(DRILLS)
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/drills")
    parser.add_argument(
        "--import-url", default="postgresql://postgres@127.0.0.1:5432/drills_import"
    )
    parser.add_argument(
        "--restore-url", default="postgresql://postgres@127.0.0.1:5432/drills_restore"
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--analysts", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--before", type=float, default=4, help="seconds of labelling before the restart"
    )
    parser.add_argument(
        "--after", type=float, default=3, help="seconds of labelling once all recovered"
    )
    parser.add_argument("--after-max", type=float, default=30, help="at most this long to recover")
    parser.add_argument("--import-files", type=int, default=3000)
    parser.add_argument(
        "--kill-after", type=float, default=1.5, help="seconds after the first batch"
    )
    parser.add_argument("--sample", type=int, default=60)
    args = parser.parse_args()
    chosen = [d.strip() for d in args.drills.split(",") if d.strip()]
    unknown = set(chosen) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drills: {sorted(unknown)}")
    for url in (args.database_url, args.import_url, args.restore_url):
        if db_name(url) in PROTECTED or db_name(url).startswith("test"):
            parser.error(f"{db_name(url)} is not a scratch database")
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"setting up {db_name(args.database_url)}: {args.articles} generated articles …")
    recreate_database(args.database_url)
    generate_corpus(args.database_url, args.articles)
    manage(args.database_url, "collectstatic", "--noinput", "-v0")
    setup_django(args.database_url)
    results = {"articles": args.articles, "drills": {}}
    for name in chosen:
        log(f"{name} …")
        began = time.monotonic()
        if name == "restart":
            result = drill_restart(args.database_url, args)
        elif name == "import":
            # Its own database: the other drills keep the small generated corpus.
            recreate_database(args.import_url)
            manage(args.import_url, "migrate", "-v0")
            result = drill_import(args.import_url, args)
        elif name == "worker":
            result = drill_worker(args.database_url, args)
        else:
            result = drill_export(args.database_url, args, args.restore_url)
        result["drill_seconds"] = round(time.monotonic() - began, 1)
        results["drills"][name] = result
        log(summary_line(name, result))
        (OUT / "drills.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    results["seconds"] = round(time.monotonic() - started, 1)
    (OUT / "drills.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(f"results in {OUT / 'drills.json'} ({results['seconds']}s)")
    return 0 if all(r["passed"] for r in results["drills"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
