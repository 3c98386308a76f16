"""Per-process caches for the article list, kept correct by a version number in the database.

A trigger moves the 'articles' row of `articles_dataversion` on in the same transaction as any
insert, delete or truncate of articles, and any update of a column that decides which articles
a list shows or in what order (LIST_COLUMNS). Every way of writing is covered (the importer's
bulk_create, QuerySet.update(), the admin, plain SQL), and the new number becomes visible
exactly when the change does. A result is stored under the number read before it was computed,
so once the data changes it is never asked for again: no process has to be told. The row is
locked from a change until its commit, so writers of articles queue on it: imports hold it
for a batch, and an edit or a bin operation meanwhile waits for that batch.

Outlets move the same version on (any insert, update or delete of articles_outlet): the list's
outlet filter is cached under it too, and outlets change rarely, mostly within an import that
moves the version anyway.

Label sets and their labels have a version of their own ('labels'), moved on by any insert,
update, delete or truncate of either table: the reader and the label request keep the active
label sets per process under it, instead of reading them on every request. They change rarely
(an admin edits them), so there is one entry at a time.

`story_id` is left out on purpose: coverage decisions change it all the time. So lists filtered
by story are not cached, nor are those filtered by speaker or unlabelled quotes (they depend on
other tables). Nothing is cached inside a transaction: what it saw may still be rolled back,
and a rolled-back version number is handed out again.
"""

import threading
from collections import OrderedDict

from django.db import connection
from django.db.models.expressions import RawSQL

ARTICLES = "articles"
LABELS = "labels"
# The articles_article columns a cached list depends on (story_id deliberately not).
LIST_COLUMNS = ("deleted_at", "published", "outlet_id", "language", "title", "body")

# Each change draws a new random number rather than adding one: a table emptied and refilled
# (a test flush), or a restored backup, puts back an old number, and counting up from it would
# hand out numbers that processes have already cached other data under. Only equality is used.
_BUMP = [
    "INSERT INTO articles_dataversion (name, version) VALUES ('{name}', {random})"
    " ON CONFLICT (name) DO NOTHING",
    "UPDATE articles_dataversion SET version = {random} WHERE name = '{name}'",
]
PG_RANDOM = "floor(random() * 1e15)::bigint"
SQLITE_RANDOM = "abs(random() % 1000000000000000)"


def _pg_bump_function(function, name):
    body = ";\n  ".join(s.format(name=name, random=PG_RANDOM) for s in _BUMP)
    return (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$\nBEGIN\n  {body};\n  RETURN NULL;\nEND\n$$"
    )


def _pg_setup():
    columns = ", ".join(LIST_COLUMNS)
    return [
        _pg_bump_function("articles_articles_changed", ARTICLES),
        # Once per statement, not per row: a bulk import of 2,000 articles bumps once. BEFORE,
        # so a statement queues for the version row before it locks any article: an admin
        # edit waiting behind an import never holds an article that the import's story
        # grouping then waits for (a deadlock if the version came after the row).
        "CREATE OR REPLACE TRIGGER articles_article_version BEFORE INSERT OR DELETE OR"
        f" UPDATE OF {columns} ON articles_article"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_articles_changed()",
        "CREATE OR REPLACE TRIGGER articles_article_version_truncate BEFORE TRUNCATE"
        " ON articles_article FOR EACH STATEMENT EXECUTE FUNCTION articles_articles_changed()",
        "CREATE OR REPLACE TRIGGER articles_outlet_version BEFORE INSERT OR DELETE OR UPDATE"
        " OR TRUNCATE ON articles_outlet"
        " FOR EACH STATEMENT EXECUTE FUNCTION articles_articles_changed()",
        _pg_bump_function("articles_labels_changed", LABELS),
        *(
            f"CREATE OR REPLACE TRIGGER {table}_version BEFORE INSERT OR DELETE OR UPDATE"
            f" OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION articles_labels_changed()"
            for table in LABEL_TABLES
        ),
    ]


# The tables whose rows make the label sets the reader offers.
LABEL_TABLES = ("articles_labelset", "articles_label")


def _sqlite_setup():
    # SQLite has row triggers only; writers are serialised there anyway.
    events = {
        "insert": "INSERT",
        "delete": "DELETE",
        "update": "UPDATE OF " + ", ".join(LIST_COLUMNS),
    }
    # Dropped and made again (SQLite has no CREATE OR REPLACE TRIGGER), so a database made by
    # an older version of these triggers gets the current ones at the next migrate.
    statements = []
    for table, (prefix, name) in SQLITE_TABLES.items():
        body = "; ".join(s.format(name=name, random=SQLITE_RANDOM) for s in _BUMP)
        for kind, event in events.items():
            if table != "articles_article" and kind == "update":
                event = "UPDATE"  # any column of an outlet, a label set or a label
            statements.append(f"DROP TRIGGER IF EXISTS {prefix}_{kind}")
            statements.append(
                f"CREATE TRIGGER {prefix}_{kind} AFTER {event} ON {table} BEGIN {body}; END"
            )
    return statements


# Each table's trigger name prefix, and the version its changes move on.
SQLITE_TABLES = {
    "articles_article": ("articles_article_version", ARTICLES),
    "articles_outlet": ("articles_outlet_version", ARTICLES),
    **{table: (f"{table}_version", LABELS) for table in LABEL_TABLES},
}
SQLITE_TRIGGERS = tuple(
    f"{prefix}_{kind}"
    for prefix, _ in SQLITE_TABLES.values()
    for kind in ("insert", "delete", "update")
)


def ensure_triggers(conn) -> None:
    """Create the version triggers where missing (SQLite drops them when a migration remakes
    articles_article, so this also runs after every migrate)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            statements = _pg_setup()
        elif conn.vendor == "sqlite":
            statements = _sqlite_setup()
        else:
            return
        for statement in statements:
            cursor.execute(statement)
        # The rows themselves, so that lists and label sets are cached before the first change.
        random = PG_RANDOM if conn.vendor == "postgresql" else SQLITE_RANDOM
        for name in (ARTICLES, LABELS):
            cursor.execute(_BUMP[0].format(name=name, random=random))


def drop_triggers(conn) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS articles_article_version ON articles_article")
            cursor.execute(
                "DROP TRIGGER IF EXISTS articles_article_version_truncate ON articles_article"
            )
            cursor.execute("DROP TRIGGER IF EXISTS articles_outlet_version ON articles_outlet")
            for table in LABEL_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS articles_articles_changed()")
            cursor.execute("DROP FUNCTION IF EXISTS articles_labels_changed()")
        elif conn.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def ensure_triggers_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    # A flush (which also sends post_migrate) and a restore of a dump can put back an old
    # version number: what this process cached under it must go.
    ID_LISTS.clear()
    SNIPPETS.clear()
    OUTLETS.clear()
    LABEL_SETS.clear()
    conn = connections[using]
    with conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
    # Only once our own migration has made the table (not on a partial or reversed migrate).
    if "articles_article" in tables and "articles_dataversion" in tables:
        ensure_triggers(conn)


def usable(version: int | None) -> int | None:
    """`version`, or None when caching must not be used right now (inside a transaction)."""
    return None if connection.in_atomic_block else version


# The 'labels' version as a column of another query (annotate(labels_version=...)): the
# requests that need the label sets read it with a row they read anyway, not in a query of
# its own.
LABELS_VERSION_SQL = f"SELECT version FROM articles_dataversion WHERE name = '{LABELS}'"


def with_labels_version(queryset):
    """`queryset` with each row's `labels_version` (None when the row is missing)."""
    return queryset.annotate(labels_version=RawSQL(LABELS_VERSION_SQL, ()))


def articles_version() -> int | None:
    """The current 'articles' version, or None when caching must not be used right now."""
    if connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM articles_dataversion WHERE name = %s", [ARTICLES])
        row = cursor.fetchone()
    return row[0] if row else None


class Lru:
    """A least-recently-used map bounded by the total `size` of its values (ids, entries)."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self.size = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()  # gthread workers share a process

    def get(self, key):
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            self.items.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int = 1) -> None:
        if size > self.max_size:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.items[key] = (value, size)
            self.size += size
            while self.size > self.max_size:
                _, (_, dropped) = self.items.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


# Ordered article ids of a list (8 bytes an id in an array): at most ~8 MB a process.
ID_LISTS = Lru(max_size=1_000_000)
# Search snippets, one an article and query.
SNIPPETS = Lru(max_size=20_000)
# The outlets (id, name) the list's filter offers, under the articles version.
OUTLETS = Lru(max_size=8)
# The active label sets with their labels, under the labels version. Model instances shared by
# every request of the process: read them, never change them.
LABEL_SETS = Lru(max_size=4)


def remembered(lru: Lru, version: int | None, key: tuple, compute, size=lambda value: 1):
    """`compute()`, or what it gave before under the same data version."""
    if version is None:
        return compute()
    key = (version, *key)
    value = lru.get(key)
    if value is None:
        value = compute()
        lru.put(key, value, size(value))
    return value
