"""A full export while analysts write: the export is one snapshot (every label matches the
history that recorded it), a later export holds everything the first did, and the export made
under writes restores into an empty database. The write lands between the export's read of the
labels and its read of the history, the moment an export without a snapshot would tear."""

import json
import os
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from articles import annotation, export_check
from articles.management.commands import export_corpus
from articles.models import Adjudication, LabelSet, StanceAnnotation
from tests.test_export_restore import wipe

ROOT = Path(__file__).resolve().parent.parent


def export_rows():
    out = StringIO()
    call_command("export_corpus", stdout=out)
    return export_check.read(out.getvalue().splitlines())


@pytest.fixture
def labelled(seeds, alice, bob):
    labels = list(LabelSet.objects.get(name="Presentation").labels.order_by("order"))
    quotes = [q for a in seeds for q in a.quotes.order_by("start")[:3]]
    for i, quote in enumerate(quotes):
        annotation.set_label(alice, quote, labels[i % len(labels)], note=f"first {i}")
    return quotes, labels


# --- the checks themselves, on any database ----------------------------------------------------


@pytest.mark.django_db
def test_a_quiet_export_passes_the_checks(labelled):
    assert export_check.problems(export_rows()) == []


@pytest.mark.django_db
def test_the_checks_find_a_label_without_its_history(labelled, alice):
    quotes, labels = labelled
    # A label changed behind the history's back: what a torn export would show.
    StanceAnnotation.objects.filter(annotator=alice, quote=quotes[0]).update(note="unrecorded")
    found = export_check.problems(export_rows())
    assert len(found) == 1 and "its last history record" in found[0]


@pytest.mark.django_db
def test_the_checks_find_a_broken_history_chain(labelled, alice):
    quotes, labels = labelled
    rows = export_rows()
    annotation.set_label(alice, quotes[0], labels[-1], note="second")
    later = export_rows()
    assert export_check.problems(later) == []
    assert export_check.covered_by(rows, later) == []
    # Drop the middle of a chain: the next record no longer starts where the last one ended.
    annotation.set_label(alice, quotes[0], labels[0], note="third")
    latest = export_rows()
    for row in latest:
        stance_history = [r for r in row["history"] if r["subject"] == "stance"]
        if len(stance_history) > 3:
            row["history"].remove(next(r for r in stance_history if r["after"]["note"] == "second"))
    assert any("starts from" in p for p in export_check.problems(latest))
    assert any("is gone" in p for p in export_check.covered_by(later, latest))


# --- concurrent writes: PostgreSQL (SQLite's export holds the write lock, so writers wait) ----


@pytest.fixture
def write_mid_export(monkeypatch):
    """Make `write` run, committed from another connection, between the export's read of the
    labels and of the history (it reads adjudications in between)."""

    def arrange(write):
        manager = Adjudication.objects
        read = manager.filter
        done = []

        def filter_after_writing(*args, **kwargs):
            if not done:
                done.append(True)
                failures = []

                def run():
                    try:
                        write()
                    except Exception as exc:  # pragma: no cover - reported below
                        failures.append(exc)
                    finally:
                        connection.close()

                thread = threading.Thread(target=run)
                thread.start()
                thread.join(30)
                assert not thread.is_alive() and not failures, failures
            return read(*args, **kwargs)

        monkeypatch.setattr(manager, "filter", filter_after_writing)

    return arrange


# A transactional test flushes the tables at the end; serialized_rollback puts back the rows
# the migrations created (roles, label sets, frame tags) for the tests that follow.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a writer on another connection while the export reads",
)


@pytest.mark.parametrize("attempt", range(2))
@transactional
@on_postgresql
def test_an_export_while_an_analyst_relabels_is_one_snapshot(
    labelled, bob, alice, write_mid_export, tmp_path, attempt
):
    quotes, labels = labelled

    def relabel():
        annotation.set_label(alice, quotes[attempt], labels[-1], note="during the export")
        annotation.set_label(bob, quotes[attempt], labels[0], note="bob, during the export")

    write_mid_export(relabel)
    target = tmp_path / "during.jsonl"
    call_command("export_corpus", output=str(target))
    during = export_check.read(target.read_text(encoding="utf-8").splitlines())
    assert export_check.problems(during) == []
    notes = {s["note"] for row in during for q in row["quotes"] for s in q["stances"]}
    assert "during the export" not in notes and "bob, during the export" not in notes

    after = export_rows()
    assert export_check.problems(after) == []
    assert export_check.covered_by(during, after) == []
    notes = {s["note"] for row in after for q in row["quotes"] for s in q["stances"]}
    assert {"during the export", "bob, during the export"} <= notes

    # The export made under writes is a backup that restores.
    wipe()
    call_command("import_corpus", str(target), stdout=StringIO())
    assert export_check.problems(export_rows()) == []
    restored = StringIO()
    call_command("export_corpus", stdout=restored)
    assert restored.getvalue() == target.read_text(encoding="utf-8")


@transactional
@on_postgresql
def test_without_the_snapshot_the_same_export_tears_and_the_checks_say_so(
    labelled, alice, write_mid_export, tmp_path, monkeypatch
):
    """The control: proves the test above would catch an export that is not one snapshot."""
    quotes, labels = labelled
    # A transaction at the default isolation (READ COMMITTED) instead of the snapshot.
    monkeypatch.setattr(export_corpus, "snapshot", transaction.atomic)
    write_mid_export(
        lambda: annotation.set_label(alice, quotes[0], labels[-1], note="during the export")
    )
    target = tmp_path / "torn.jsonl"
    call_command("export_corpus", output=str(target))
    found = export_check.problems(export_check.read(target.read_text().splitlines()))
    assert found and "its last history record" in found[0]


# --- SQLite: the export reads a snapshot and lets analysts keep writing ------------------------

SQLITE_DRILL = """
import json, os, sys, threading
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from articles import annotation, export_check
from articles.models import Adjudication, Article, LabelSet, Quote

call_command("migrate", verbosity=0)
alice = User.objects.create_user("alice")
body = "He said: \u201cWe will win.\u201d Then he left."
article = Article.objects.create(title="T", sha256="c" * 64, raw_text=body, body=body)
start = body.index("We will win.")
quote = Quote.objects.create(article=article, start=start, end=start + 12, text="We will win.")
labels = list(LabelSet.objects.get(name="Presentation").labels.order_by("order"))
annotation.set_label(alice, quote, labels[0], note="before")
connection.close()

manager, read, written = Adjudication.objects, Adjudication.objects.filter, []

def write():
    annotation.set_label(alice, quote, labels[1], note="during the export")
    written.append(True)
    connection.close()

def filter_after_writing(*args, **kwargs):
    # Between the export's read of the labels and of the history: the write must get through
    # (a writer blocked by the export would still be waiting when the join gives up).
    if not hasattr(manager, "tried"):
        manager.tried = True
        thread = threading.Thread(target=write)
        thread.start()
        thread.join(10)
    return read(*args, **kwargs)

manager.filter = filter_after_writing
call_command("export_corpus", output=sys.argv[1])
rows = export_check.read(open(sys.argv[1], encoding="utf-8"))
notes = [s["note"] for row in rows for q in row["quotes"] for s in q["stances"]]
print(json.dumps({"written_during": bool(written), "notes": notes,
                  "problems": export_check.problems(rows)}))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite locking case")
def test_on_sqlite_an_analyst_saves_while_an_export_runs_and_the_export_is_a_snapshot(tmp_path):
    """Django opens IMMEDIATE transactions on SQLite here: an export inside one would hold the
    write lock until it ends, and analysts' saves would wait, then fail. A file database in a
    child process: the tests' in-memory database locks differently."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'newsdesk.sqlite3'}",
        DJANGO_SETTINGS_MODULE="newsdesk.test_settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_DRILL, str(tmp_path / "export.jsonl")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["written_during"]
    assert result["notes"] == ["before"]
    assert result["problems"] == []
