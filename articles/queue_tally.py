"""How many suggestions are left to review, kept by database triggers instead of counted.

The review queue shows the number on every page and after every decision and undo. Counting
it (suggested links with neither article in the bin) read the whole links table whenever its
visibility map was not up to date, as after every rebuild and under a stream of decisions:
1,300 pages, a few ms of PostgreSQL's CPU, on every answer.

Triggers write each change of that number as a row of `articles_queuetally` (its `delta`), in
the same transaction as the change itself, so the sum of the rows is the number, visible
exactly when the change is. Rows rather than one counter: writers only insert, so a decision
never waits for an import batch (which inserts suggestions) to commit, nor for another
decision. Reading folds the rows into one once there are many (FOLD_AT).

What moves the number, every way of writing it included (the ORM, bulk inserts, plain SQL,
the admin, COPY):
- links inserted, deleted, or updated (status, or which articles they join);
- an article moved into or out of the bin, inserted already in it (a restore), or deleted
  from it while links to it remain (a missing article is not in the bin, as for the queue);
- TRUNCATE of either table (PostgreSQL) starts again from a full count, as does every migrate
  (SQLite drops a table's triggers when a migration remakes it, and a flush empties tables).
"""

from django.db import connection, transaction

TABLE = "articles_queuetally"
# Reading folds the rows into one when there are more than this.
FOLD_AT = 64

# A link `{l}` with neither article in the bin: the queue's own test (articles.views.coverage
# lists the cards with it), written with NOT IN over the bin's small partial index.
NOT_BINNED = """{l}.article_a_id NOT IN (SELECT id FROM articles_article WHERE deleted_at IS NOT NULL)
  AND {l}.article_b_id NOT IN (SELECT id FROM articles_article WHERE deleted_at IS NOT NULL)"""
# The number itself, counted: what the rows must always add up to.
COUNT_SQL = (
    "SELECT COUNT(*) FROM articles_coveragelink l WHERE l.status = 'suggested' AND "
    + NOT_BINNED.format(l="l")
)


def _counted(rows: str) -> str:
    """How many of `rows` (a transition table) the queue counts."""
    return (
        f"(SELECT COUNT(*) FROM {rows} l WHERE l.status = 'suggested' AND "
        + NOT_BINNED.format(l="l")
        + ")"
    )


# The change binning (-1) or unbinning (+1) article `{x}` makes: its suggested links whose
# other article is not in the bin. Run before the row changes, so a statement binning both
# articles of a link counts the link once (the second article sees the first in the bin).
def _article_delta(sign: str, x: str) -> str:
    return f"""INSERT INTO {TABLE} (delta) SELECT n FROM (
  SELECT {sign}COUNT(*) AS n FROM articles_coveragelink l
  WHERE (l.article_a_id = {x}.id OR l.article_b_id = {x}.id) AND l.status = 'suggested'
    AND NOT EXISTS (SELECT 1 FROM articles_article o WHERE o.deleted_at IS NOT NULL
      AND o.id = CASE WHEN l.article_a_id = {x}.id THEN l.article_b_id ELSE l.article_a_id END)
) c WHERE n <> 0"""


RESET_SQL = f"DELETE FROM {TABLE}"
START_SQL = f"INSERT INTO {TABLE} (delta) {COUNT_SQL}"


def _pg_setup() -> list[str]:
    links = "articles_coveragelink"
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, delta bigint NOT NULL)",
        # Links: once per statement, from its transition tables (a rebuild inserts thousands).
        "CREATE OR REPLACE FUNCTION articles_tally_links_inserted() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO {TABLE} (delta)"
        f" SELECT n FROM (SELECT {_counted('new_links')} AS n) c WHERE n <> 0;\n"
        "  RETURN NULL;\nEND\n$$",
        "CREATE OR REPLACE FUNCTION articles_tally_links_deleted() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO {TABLE} (delta)"
        f" SELECT n FROM (SELECT -{_counted('old_links')} AS n) c WHERE n <> 0;\n"
        "  RETURN NULL;\nEND\n$$",
        "CREATE OR REPLACE FUNCTION articles_tally_links_updated() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO {TABLE} (delta)"
        f" SELECT n FROM (SELECT {_counted('new_links')} - {_counted('old_links')} AS n) c"
        " WHERE n <> 0;\n  RETURN NULL;\nEND\n$$",
        f"CREATE OR REPLACE TRIGGER articles_tally_links_insert AFTER INSERT ON {links}"
        " REFERENCING NEW TABLE AS new_links"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_tally_links_inserted()",
        f"CREATE OR REPLACE TRIGGER articles_tally_links_delete AFTER DELETE ON {links}"
        " REFERENCING OLD TABLE AS old_links"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_tally_links_deleted()",
        f"CREATE OR REPLACE TRIGGER articles_tally_links_update AFTER UPDATE ON {links}"
        " REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_tally_links_updated()",
        # Articles: only rows whose place in the bin changes, before they change.
        "CREATE OR REPLACE FUNCTION articles_tally_bin_changed() RETURNS trigger"
        " LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  IF TG_OP = 'DELETE' THEN\n"
        f"    {_article_delta('', 'OLD')};\n    RETURN OLD;\n"
        "  ELSIF NEW.deleted_at IS NOT NULL THEN\n"
        f"    {_article_delta('-', 'NEW')};\n"
        "  ELSE\n"
        f"    {_article_delta('', 'NEW')};\n"
        "  END IF;\n  RETURN NEW;\nEND\n$$",
        "CREATE OR REPLACE TRIGGER articles_tally_bin BEFORE UPDATE OF deleted_at"
        " ON articles_article FOR EACH ROW"
        " WHEN ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))"
        " EXECUTE FUNCTION articles_tally_bin_changed()",
        "CREATE OR REPLACE TRIGGER articles_tally_bin_insert BEFORE INSERT"
        " ON articles_article FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL)"
        " EXECUTE FUNCTION articles_tally_bin_changed()",
        "CREATE OR REPLACE TRIGGER articles_tally_bin_delete BEFORE DELETE"
        " ON articles_article FOR EACH ROW WHEN (OLD.deleted_at IS NOT NULL)"
        " EXECUTE FUNCTION articles_tally_bin_changed()",
        # TRUNCATE: start again from a full count.
        "CREATE OR REPLACE FUNCTION articles_tally_restart() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$\nBEGIN\n  {RESET_SQL};\n  {START_SQL};\n"
        "  RETURN NULL;\nEND\n$$",
    ]
    for table in (links, "articles_article"):
        statements.append(
            f"CREATE OR REPLACE TRIGGER articles_tally_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION articles_tally_restart()"
        )
    return statements


def _sqlite_counted(row: str) -> str:
    return (
        f"({row}.status = 'suggested' AND NOT EXISTS (SELECT 1 FROM articles_article"
        f" WHERE id IN ({row}.article_a_id, {row}.article_b_id) AND deleted_at IS NOT NULL))"
    )


SQLITE_TRIGGERS = {
    "articles_tally_links_insert": "AFTER INSERT ON articles_coveragelink"
    f" WHEN {_sqlite_counted('NEW')} BEGIN INSERT INTO {TABLE} (delta) VALUES (1); END",
    "articles_tally_links_delete": "AFTER DELETE ON articles_coveragelink"
    f" WHEN {_sqlite_counted('OLD')} BEGIN INSERT INTO {TABLE} (delta) VALUES (-1); END",
    "articles_tally_links_update": "AFTER UPDATE OF status, article_a_id, article_b_id"
    f" ON articles_coveragelink WHEN {_sqlite_counted('NEW')} <> {_sqlite_counted('OLD')}"
    f" BEGIN INSERT INTO {TABLE} (delta)"
    f" VALUES (CASE WHEN {_sqlite_counted('NEW')} THEN 1 ELSE -1 END); END",
    # SQLite runs row triggers one row at a time: before a row changes, those before it have.
    "articles_tally_bin_out": "BEFORE UPDATE OF deleted_at ON articles_article"
    " WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL"
    f" BEGIN {_article_delta('-', 'NEW')}; END",
    "articles_tally_bin_back": "BEFORE UPDATE OF deleted_at ON articles_article"
    " WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL"
    f" BEGIN {_article_delta('', 'NEW')}; END",
    "articles_tally_bin_insert": "BEFORE INSERT ON articles_article"
    f" WHEN NEW.deleted_at IS NOT NULL BEGIN {_article_delta('-', 'NEW')}; END",
    "articles_tally_bin_delete": "BEFORE DELETE ON articles_article"
    f" WHEN OLD.deleted_at IS NOT NULL BEGIN {_article_delta('', 'OLD')}; END",
}


def _sqlite_setup() -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE}"
        " (id integer PRIMARY KEY AUTOINCREMENT, delta bigint NOT NULL)"
    ]
    for name, body in SQLITE_TRIGGERS.items():
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(f"CREATE TRIGGER {name} {body}")
    return statements


def install(conn) -> None:
    """Create the table and triggers where missing, and start the tally from a full count."""
    if conn.vendor == "postgresql":
        statements = _pg_setup()
    elif conn.vendor == "sqlite":
        statements = _sqlite_setup()
    else:
        return
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(RESET_SQL)
        cursor.execute(START_SQL)


def uninstall(conn) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for table in ("articles_coveragelink", "articles_article"):
                for trigger in (
                    "articles_tally_links_insert",
                    "articles_tally_links_delete",
                    "articles_tally_links_update",
                    "articles_tally_bin",
                    "articles_tally_bin_insert",
                    "articles_tally_bin_delete",
                    "articles_tally_truncate",
                ):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            for function in (
                "articles_tally_links_inserted",
                "articles_tally_links_deleted",
                "articles_tally_links_updated",
                "articles_tally_bin_changed",
                "articles_tally_restart",
            ):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        elif conn.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            return
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def install_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    conn = connections[using]
    with conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
    # Only once our own migration has made the table (not on a partial or reversed migrate).
    if TABLE in tables:
        install(conn)


READ_SQL = f"SELECT COALESCE(SUM(delta), 0), COUNT(*) FROM {TABLE}"
# One statement (one snapshot) on PostgreSQL: rows a concurrent fold already took are skipped
# by this one, whose own sum row that fold does not see; either way the sum stays.
PG_FOLD_SQL = (
    f"WITH gone AS (DELETE FROM {TABLE} RETURNING delta)"
    f" INSERT INTO {TABLE} (delta) SELECT n FROM (SELECT SUM(delta) AS n FROM gone) c"
    " WHERE n IS NOT NULL"
)


def suggestions_left() -> int:
    """How many suggestions not touching the bin are left to review."""
    with connection.cursor() as cursor:
        cursor.execute(READ_SQL)
        total, rows = cursor.fetchone()
    if rows > FOLD_AT:
        fold()
    return int(total)


def fold() -> None:
    """Replace the tally's rows by one holding their sum."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FOLD_SQL)
            return
        # SQLite: writers take turns, so read, delete and insert in one transaction.
        cursor.execute(f"SELECT COALESCE(SUM(delta), 0), MAX(id) FROM {TABLE}")
        total, last = cursor.fetchone()
        if last is not None:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [last])
            cursor.execute(f"INSERT INTO {TABLE} (delta) VALUES (%s)", [total])
