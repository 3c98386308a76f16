"""Does a change to the rebuild give the very same index and links? Rebuilds a kept corpus and
compares what the rebuild wrote, table by table, with a reference saved before the change.

    .venv/bin/python bench/link_scale.py --articles 20000 --new 1 --corpus var/scale-20000
    .venv/bin/python bench/link_identity.py var/scale-20000 --save var/identity-20000.json
    # ... change the code ...
    .venv/bin/python bench/link_identity.py var/scale-20000 --check var/identity-20000.json

Each table is compared as a digest of its rows in a fixed order, with the stored text as
written (a fingerprint's JSON byte for byte, a link's evidence as stored): the speed-ups of the
indexing and scoring code are only kept when every digest is the same. Exits 1 on a difference.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# What a rebuild writes, as (table, statement listing its rows in one order, without row ids).
TABLES = {
    "fingerprints": "SELECT article_id, minhash, profile FROM articles_articlefingerprint "
    "ORDER BY article_id",
    "band keys": "SELECT article_id, key FROM articles_bandkey ORDER BY article_id, key",
    "blocking keys": "SELECT article_id, key FROM articles_blockingkey ORDER BY article_id, key",
    "term counts": "SELECT term, articles FROM articles_termcount ORDER BY term",
    "links": "SELECT article_a_id, article_b_id, relation, status, score, evidence "
    "FROM articles_coveragelink ORDER BY article_a_id, article_b_id",
    "stories": "SELECT id, story_id FROM articles_article ORDER BY id",
}


def digests(cursor) -> dict[str, dict]:
    found = {}
    for table, sql in TABLES.items():
        cursor.execute(sql)
        digest, rows = hashlib.sha256(), 0
        for row in cursor.fetchall():
            digest.update(repr(row).encode())
            rows += 1
        found[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder kept by link_scale.py --corpus")
    parser.add_argument("--workers", type=int, default=2)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", type=Path, help="write the digests here")
    action.add_argument("--check", type=Path, help="compare with the digests saved here")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="newsdesk-link-identity-")
    shutil.copyfile(args.corpus / "bench.sqlite3", f"{folder}/bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.coverage import rebuild_index

    try:
        # A kept corpus was built before the newest migrations (0011's rescoring row).
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        stats = rebuild_index(batch=1000, workers=args.workers)
        print(f"rebuilt in {time.perf_counter() - started:.1f}s: {stats}")
        with connection.cursor() as cursor:
            found = digests(cursor)
    finally:
        shutil.rmtree(folder)
    if args.save:
        args.save.write_text(json.dumps(found, indent=1))
        print(f"saved {args.save}")
        return
    expected = json.loads(args.check.read_text())
    differ = [t for t in TABLES if found[t] != expected.get(t)]
    for table in TABLES:
        print(
            f"{table:14} {found[table]['rows']:9} rows  {'DIFFERS' if table in differ else 'same'}"
        )
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
