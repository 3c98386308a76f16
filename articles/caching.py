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

Quotes have a version of their own ('quotes'): any insert, delete or truncate of quotes, stance
labels, speakers or their aliases, and any update of the columns the list reads from them
(which article and speaker a quote has, whether it is deleted; which quote a label is on; a
speaker's or alias's name and speaker). Lists by speaker or by unlabelled quotes, and the
list's quote and labelled counts, are cached under it (with the articles version).

Coverage links have one too ('links'): any insert, delete or truncate of links, and an update
that moves a link into or out of "rejected" or to other articles, the only changes the list's
coverage counts see (a confirmation does not move it, so the busy review queue mostly leaves
it alone). The list's rows, counts and all, are cached under the three versions together.

Writers that change more than one kind take the version rows in one order, VERSION_ORDER
(articles, quotes, links), as an import does by writing articles, then speakers and quotes,
then links. A writer that locks rows before it changes them (select_for_update) takes its
version first (`take`): otherwise it could hold a row that a writer already holding the
version waits for, while it waits for the version itself.

`story_id` is left out on purpose: coverage decisions change it all the time. So lists filtered
by story are not cached. Nothing is cached inside a transaction: what it saw may still be
rolled back, and a rolled-back version number is handed out again.
"""

import threading
from collections import OrderedDict

from django.db import connection
from django.db.models.expressions import RawSQL

ARTICLES = "articles"
QUOTES = "quotes"
LINKS = "links"
LABELS = "labels"
# The order in which a writer takes the version rows it moves (see the module's docstring).
VERSION_ORDER = (ARTICLES, QUOTES, LINKS)
# The articles_article columns a cached list depends on (story_id deliberately not): which
# articles it shows, in what order, and what its kept rows show of them.
LIST_COLUMNS = (
    "deleted_at",
    "published",
    "outlet_id",
    "language",
    "title",
    "body",
    "title_derived",
    "published_has_time",
)

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


# The tables whose rows make the label sets the reader offers.
LABEL_TABLES = ("articles_labelset", "articles_label")
# The tables that move the 'quotes' version, and the columns whose update does (what lists by
# speaker or unlabelled quotes, and the quote and labelled counts, read).
QUOTE_TABLES = {
    "articles_quote": ("article_id", "speaker_id", "deleted_at"),
    "articles_stanceannotation": ("quote_id",),
    "articles_speaker": ("name",),
    "articles_speakeralias": ("name", "speaker_id"),
}
LINK_COLUMNS = ("status", "article_a_id", "article_b_id")
# A link's update moves the 'links' version only when the list's coverage count can change.
LINK_UPDATE_COUNTS = (
    "(OLD.status = 'rejected') <> (NEW.status = 'rejected')"
    " OR OLD.article_a_id <> NEW.article_a_id OR OLD.article_b_id <> NEW.article_b_id"
)
# Each version's PostgreSQL trigger function.
PG_FUNCTIONS = {
    ARTICLES: "articles_articles_changed",
    LABELS: "articles_labels_changed",
    QUOTES: "articles_quotes_changed",
    LINKS: "articles_links_changed",
}


def _pg_statement_trigger(name, table, events, version):
    # Once per statement, not per row: a bulk import of 2,000 articles bumps once. BEFORE, so
    # a statement queues for the version row before it locks any row of its own: an admin edit
    # waiting behind an import never holds an article that the import's story grouping then
    # waits for (a deadlock if the version came after the row).
    return (
        f"CREATE OR REPLACE TRIGGER {name} BEFORE {events} ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTIONS[version]}()"
    )


def _pg_triggers():
    """(trigger name, table, CREATE statement) of every version trigger."""
    columns = ", ".join(LIST_COLUMNS)
    triggers = [
        ("articles_article_version", "articles_article",
         f"INSERT OR DELETE OR UPDATE OF {columns}", ARTICLES),
        ("articles_article_version_truncate", "articles_article", "TRUNCATE", ARTICLES),
        ("articles_outlet_version", "articles_outlet",
         "INSERT OR DELETE OR UPDATE OR TRUNCATE", ARTICLES),
        *((f"{table}_version", table, "INSERT OR DELETE OR UPDATE OR TRUNCATE", LABELS)
          for table in LABEL_TABLES),
        *((f"{table}_version", table,
           f"INSERT OR DELETE OR UPDATE OF {', '.join(cols)} OR TRUNCATE", QUOTES)
          for table, cols in QUOTE_TABLES.items()),
        ("articles_coveragelink_version", "articles_coveragelink",
         "INSERT OR DELETE OR TRUNCATE", LINKS),
    ]  # fmt: skip
    out = [(name, table, _pg_statement_trigger(name, table, events, version))
           for name, table, events, version in triggers]  # fmt: skip
    # A row trigger with a condition: confirming a suggestion (most of the review queue's
    # decisions) leaves the counts, and so the version, as they were. AFTER: the decision has
    # locked its link already (select_for_update) when it updates it.
    out.append((
        "articles_coveragelink_status_version", "articles_coveragelink",
        "CREATE OR REPLACE TRIGGER articles_coveragelink_status_version"
        f" AFTER UPDATE OF {', '.join(LINK_COLUMNS)} ON articles_coveragelink"
        f" FOR EACH ROW WHEN ({LINK_UPDATE_COUNTS})"
        f" EXECUTE FUNCTION {PG_FUNCTIONS[LINKS]}()",
    ))  # fmt: skip
    return out


def _pg_setup():
    functions = [_pg_bump_function(function, name) for name, function in PG_FUNCTIONS.items()]
    return [*functions, *(statement for _, _, statement in _pg_triggers())]


def _sqlite_setup():
    # SQLite has row triggers only; writers are serialised there anyway.
    # Dropped and made again (SQLite has no CREATE OR REPLACE TRIGGER), so a database made by
    # an older version of these triggers gets the current ones at the next migrate.
    statements = []
    for name, table, event, when, version in _sqlite_triggers():
        body = "; ".join(s.format(name=version, random=SQLITE_RANDOM) for s in _BUMP)
        when = f" WHEN {when}" if when else ""
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {body}; END")
    return statements


# Each table's trigger name prefix, the version its changes move on, and the columns whose
# update does (None: any column).
SQLITE_TABLES = {
    "articles_article": ("articles_article_version", ARTICLES, LIST_COLUMNS),
    "articles_outlet": ("articles_outlet_version", ARTICLES, None),
    **{table: (f"{table}_version", LABELS, None) for table in LABEL_TABLES},
    **{table: (f"{table}_version", QUOTES, cols) for table, cols in QUOTE_TABLES.items()},
    "articles_coveragelink": ("articles_coveragelink_version", LINKS, LINK_COLUMNS),
}


def _sqlite_triggers():
    """(trigger name, table, event, condition, version) of every version trigger."""
    out = []
    for table, (prefix, version, columns) in SQLITE_TABLES.items():
        update = "UPDATE OF " + ", ".join(columns) if columns else "UPDATE"
        when = LINK_UPDATE_COUNTS if table == "articles_coveragelink" else ""
        out.append((f"{prefix}_insert", table, "INSERT", "", version))
        out.append((f"{prefix}_delete", table, "DELETE", "", version))
        out.append((f"{prefix}_update", table, update, when, version))
    return out


SQLITE_TRIGGERS = tuple(name for name, *_ in _sqlite_triggers())


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
        for name in (*VERSION_ORDER, LABELS):
            cursor.execute(_BUMP[0].format(name=name, random=random))


def drop_triggers(conn, versions=(*VERSION_ORDER, LABELS)) -> None:
    """Drop the triggers that move `versions` on (all by default), and their functions."""
    tables = {table for table, (_, version, _) in SQLITE_TABLES.items() if version in versions}
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for name, table, _ in _pg_triggers():
                if table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for version in versions:
                cursor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTIONS[version]}()")
        elif conn.vendor == "sqlite":
            for name, table, *_ in _sqlite_triggers():
                if table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def ensure_triggers_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    # A flush (which also sends post_migrate) and a restore of a dump can put back an old
    # version number: what this process cached under it must go.
    ID_LISTS.clear()
    SNIPPETS.clear()
    OUTLETS.clear()
    LABEL_SETS.clear()
    RESULTS.clear()
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


def list_versions() -> tuple[int, int, int] | None:
    """The 'articles', 'quotes' and 'links' versions in one query, or None when caching must
    not be used right now (inside a transaction, or a version row is missing)."""
    if connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, version FROM articles_dataversion WHERE name IN (%s, %s, %s)",
            VERSION_ORDER,
        )
        found = dict(cursor.fetchall())
    if len(found) < len(VERSION_ORDER):
        return None
    return tuple(found[name] for name in VERSION_ORDER)


def take(*names: str) -> None:
    """Lock the version rows `names` for the current transaction, in VERSION_ORDER: for a writer
    that is about to lock rows it will then change (see the module's docstring). The change's
    own trigger moves the version on; taking it changes nothing. SQLite serialises writers."""
    assert connection.in_atomic_block, "a version row is held until the transaction ends"
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in VERSION_ORDER:
            if name in names:
                cursor.execute(
                    "SELECT version FROM articles_dataversion WHERE name = %s FOR UPDATE", [name]
                )


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
# The list's results as shown (the rendered section and its page), under the three list versions
# and the request's query string: at most ~8 MB of HTML a process.
RESULTS = Lru(max_size=8_000_000)
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
