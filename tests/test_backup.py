"""The README's database backups, restored: pg_dump/pg_restore on PostgreSQL, VACUUM INTO on
SQLite. Whichever database the suite runs on, its backup is restored into a new database and
`export_corpus` run there (as an operator would, in its own process) must give the same bytes
as the original, labels, notes, claims, binned articles and deleted quotes included.
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from articles import annotation, article_bin
from articles.models import LabelSet

ROOT = Path(__file__).resolve().parent.parent

# pg_dump sees only committed rows: the data must really be committed, and the flush at the
# end must put back the rows the migrations made (roles, label sets).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def labelled(seeds, alice, bob, eddie):
    presentation = LabelSet.objects.get(name="Presentation")
    endorses, disputes = presentation.labels.order_by("order")[:2]
    first = seeds[0]
    q1, q2, q3 = list(first.quotes.visible().order_by("start"))[:3]
    annotation.set_label(alice, q1, endorses, "a note with “quotes” and <b>markup</b>")
    annotation.set_label(bob, q1, disputes)
    annotation.create_claim(alice, q2, "NATO is at war with Russia")
    annotation.delete_quote(alice, q3.pk)
    q3.refresh_from_db()
    assert q3.deleted_at is not None
    article_bin.move_to_bin(eddie, [seeds[4].pk])
    return seeds


def export_here() -> str:
    out = StringIO()
    call_command("export_corpus", stdout=out)
    return out.getvalue()


def export_elsewhere(database_url: str, tmp_path: Path) -> str:
    """export_corpus in its own process against another database, as the README says."""
    environ = {**os.environ, "DATABASE_URL": database_url}
    environ["DJANGO_SETTINGS_MODULE"] = "newsdesk.test_settings"
    output = tmp_path / "restored.jsonl"
    result = subprocess.run(
        [sys.executable, "manage.py", "export_corpus", "--output", str(output)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return output.read_text(encoding="utf-8")


def _as_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQLite test is below")
def test_pg_dump_and_pg_restore_give_back_the_same_corpus(labelled, tmp_path):
    settings = connection.settings_dict
    original = export_here()
    assert "a note with" in original and "NATO is at war" in original
    conn = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "username": settings["USER"] or "postgres",
    }
    environ = {**os.environ}
    if settings["PASSWORD"]:
        environ["PGPASSWORD"] = settings["PASSWORD"]
    common = [f"--host={conn['host']}", f"--port={conn['port']}", f"--username={conn['username']}"]
    dump = tmp_path / "newsdesk.dump"
    restored = f"{settings['NAME']}_restored"

    def run(*command):
        result = subprocess.run(
            command, env=environ, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, (command, result.stderr)

    run("pg_dump", *common, "--format=custom", f"--file={dump}", settings["NAME"])
    run("dropdb", *common, "--if-exists", restored)
    run("createdb", *common, restored)
    try:
        run(
            "pg_restore",
            *common,
            "--no-owner",
            "--exit-on-error",
            f"--dbname={restored}",
            str(dump),
        )
        url = f"postgresql://{conn['username']}@{conn['host']}:{conn['port']}/{restored}"
        copy = export_elsewhere(url, tmp_path)
    finally:
        run("dropdb", *common, "--if-exists", restored)
    assert _as_lines(copy) == _as_lines(original)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the PostgreSQL test is above")
def test_vacuum_into_gives_a_copy_that_reopens_with_the_same_corpus(labelled, tmp_path):
    original = export_here()
    assert "a note with" in original and "NATO is at war" in original
    copy_path = tmp_path / "backup.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy_path)])
    copy = export_elsewhere(f"sqlite:///{copy_path}", tmp_path)
    assert _as_lines(copy) == _as_lines(original)
    # The copy is a whole database, not just the corpus: accounts and their passwords too.
    import sqlite3

    with sqlite3.connect(copy_path) as db:
        rows = db.execute("SELECT username, password FROM auth_user ORDER BY username").fetchall()
    assert [name for name, _ in rows] == ["alice", "bob", "eddie"]
    assert all(password for _, password in rows)


def test_the_readme_documents_the_backup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Backup and restore", 1)[1].split("\n## ", 1)[0]
    for command in (
        "manage.py export_corpus --output",
        "manage.py import_corpus",
        "pg_dump --format=custom",
        "pg_restore --no-owner",
        'sqlite3 var/newsdesk.sqlite3 "VACUUM INTO',
    ):
        assert command in section, command


def test_binned_articles_and_deleted_quotes_are_in_the_backup(labelled):
    """Soft-deleted rows must not vanish from a backup: the export reads past the bin."""
    rows = {row["id"]: row for row in map(json.loads, _as_lines(export_here()))}
    assert rows[labelled[4].pk]["deleted_at"] is not None
    assert any(q["deleted_at"] for q in rows[labelled[0].pk]["quotes"])
