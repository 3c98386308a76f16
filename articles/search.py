"""Full-text search over article titles and bodies: SQLite FTS5 or PostgreSQL tsvector/GIN.

Both backends are kept in step with `articles_article` by the database itself (FTS5 triggers,
or a PostgreSQL expression index), so bulk_create, update() and deletes are covered too.

User text never reaches a MATCH or tsquery parser raw: `parse_query` reads the web syntax
(words, "exact phrases", -exclusions) into plain word tokens, and each backend rebuilds its own
query from those tokens, so FTS operators, stray quotes, %, _, backslashes and NUL are inert.
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FTS_TABLE = "articles_article_fts"
# PostgreSQL: an article's searched text as one tsvector, the title weighted above the body.
_PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}.title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, left(coalesce({row}.body, ''), 200000)), 'B')"
)
# Stored in a column that a trigger keeps, not computed in the query: a relevance sort
# recomputed it for every match (1.1 s for a word in 3% of 100,000 articles), as did any plan
# that tested matches row by row. A plain column with a trigger rather than a generated one,
# so a later migration may still change the type of title or body.
PG_VECTOR = "articles_article.search_vector"
PG_SETUP = [
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN NEW.search_vector := "
    + _PG_DOCUMENT.format(row="NEW")
    + "; RETURN NEW; END $$",
    "CREATE OR REPLACE TRIGGER articles_article_search_vector"
    " BEFORE INSERT OR UPDATE OF title, body ON articles_article"
    " FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()",
]
PG_BACKFILL_SQL = (
    "UPDATE articles_article SET search_vector = "
    + _PG_DOCUMENT.format(row="articles_article")
    + " WHERE search_vector IS NULL"
)
PG_VECTOR_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS article_search_vector ON articles_article USING GIN (search_vector)"
)

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
# Snippet sentinels: private-use characters, turned into <mark> only after escaping.
OPEN, CLOSE = "\ue000", "\ue001"
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class ParsedQuery:
    """What the user asked for: each item is a tuple of words (one word, or a phrase)."""

    include: list[tuple[str, ...]] = field(default_factory=list)
    exclude: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.include or self.exclude)

    def words(self) -> list[str]:
        return [word for item in self.include for word in item]


def parse_query(text: str | None) -> ParsedQuery:
    """Read `word "a phrase" -unwanted -"unwanted phrase"` into word tuples.

    An unbalanced quote runs to the end of the text. Anything that is not a word character is
    a separator, so no operator or punctuation survives into the database query.
    """
    parsed = ParsedQuery()
    text = (text or "")[:MAX_QUERY_CHARS]
    i, n = 0, len(text)
    while i < n and len(parsed.include) + len(parsed.exclude) < MAX_TERMS:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negate = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negate, i = True, i + 1
            ch = text[i]
        if ch == '"':
            close = text.find('"', i + 1)
            close = n if close < 0 else close
            chunk, i = text[i + 1 : close], close + 1
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] != '"':
                end += 1
            chunk, i = text[i:end], max(end, i + 1)
        words = tuple(w.lower() for w in WORD.findall(chunk))
        if words:
            # A hyphenated or dotted token ("co-operate", "U.S.") is a phrase of its parts.
            (parsed.exclude if negate else parsed.include).append(words)
    return parsed


def fts5_expression(items: list[tuple[str, ...]]) -> str:
    """An FTS5 MATCH expression: every word double-quoted, items joined with AND."""
    return " AND ".join('"' + " ".join(item) + '"' for item in items)


def websearch_text(parsed: ParsedQuery) -> str:
    """The query rebuilt from words only, for PostgreSQL's websearch_to_tsquery."""
    parts = ['"' + " ".join(item) + '"' for item in parsed.include]
    parts += ['-"' + " ".join(item) + '"' for item in parsed.exclude]
    return " ".join(parts)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def matching(parsed: ParsedQuery) -> RawSQL | None:
    """A boolean expression true for articles matching the query (None: no usable words)."""
    if not parsed:
        return None
    if is_postgres():
        if not parsed.include:
            # websearch_to_tsquery of exclusions alone matches nothing; read it as "without".
            sql = f"NOT ({PG_VECTOR} @@ websearch_to_tsquery('english'::regconfig, %s))"
            text = websearch_text(ParsedQuery(include=parsed.exclude))
            return RawSQL(sql, [text], output_field=BooleanField())
        sql = f"({PG_VECTOR} @@ websearch_to_tsquery('english'::regconfig, %s))"
        return RawSQL(sql, [websearch_text(parsed)], output_field=BooleanField())
    clauses, params = [], []
    if parsed.include:
        clauses.append(
            f"articles_article.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        )
        params.append(fts5_expression(parsed.include))
    for item in parsed.exclude:
        clauses.append(
            f"articles_article.id NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        )
        params.append(fts5_expression([item]))
    return RawSQL("(" + " AND ".join(clauses) + ")", params, output_field=BooleanField())


def relevance(parsed: ParsedQuery) -> RawSQL | None:
    """A score, higher is better, for sorting matches by relevance."""
    if not parsed.include:
        return None
    if is_postgres():
        sql = f"ts_rank({PG_VECTOR}, websearch_to_tsquery('english'::regconfig, %s))"
        return RawSQL(sql, [websearch_text(parsed)], output_field=FloatField())
    # bm25() is lower for better matches and only exists inside a MATCH query.
    sql = (
        f"(SELECT -bm25({FTS_TABLE}, 10.0, 1.0) FROM {FTS_TABLE}"
        f" WHERE {FTS_TABLE} MATCH %s AND rowid = articles_article.id)"
    )
    return RawSQL(sql, [fts5_expression(parsed.include)], output_field=FloatField())


def apply(queryset, parsed: ParsedQuery, by_relevance: bool = False):
    """Filter an Article queryset by the query; with `by_relevance`, annotate `rank` (higher is
    better) for ordering. Returns the queryset unchanged when the query has no words."""
    if not parsed:
        return queryset
    if by_relevance and parsed.include and not is_postgres():
        # Join the FTS table once: bm25() is computed per match in the same pass, where a
        # correlated subquery would run a MATCH per article (100x slower on 1,000 matches).
        queryset = queryset.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = articles_article.id", f"{FTS_TABLE} MATCH %s"],
            params=[fts5_expression(parsed.include)],
            select={"rank": f"-bm25({FTS_TABLE}, 10.0, 1.0)"},
        )
        exclusions = ParsedQuery(include=[], exclude=parsed.exclude)
        match = matching(exclusions) if exclusions else None
        return queryset.filter(match) if match is not None else queryset
    queryset = queryset.filter(matching(parsed))
    rank = relevance(parsed) if by_relevance else None
    return queryset.annotate(rank=rank) if rank is not None else queryset


def snippets(parsed: ParsedQuery, article_ids: list[int]) -> dict[int, SafeString]:
    """The best matching passage of each article, as escaped HTML with <mark> around hits.

    One query for the whole page. The database only ever returns plain text with sentinel
    characters; the HTML is made here, after escaping.
    """
    if not parsed.include or not article_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                f"SELECT id, ts_headline('english'::regconfig, left(body, 20000),"
                f" websearch_to_tsquery('english'::regconfig, %s), %s)"
                f" FROM articles_article WHERE id IN ({placeholders})",
                [
                    websearch_text(ParsedQuery(include=parsed.include)),
                    f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxWords=35, MinWords=15, '
                    'MaxFragments=2, FragmentDelimiter=" … "',
                    *article_ids,
                ],
            )
        else:
            cursor.execute(
                f"SELECT rowid, snippet({FTS_TABLE}, 1, %s, %s, ' … ', 32) FROM {FTS_TABLE}"
                f" WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})",
                [OPEN, CLOSE, fts5_expression(parsed.include), *article_ids],
            )
        rows = cursor.fetchall()
    return {pk: highlight(text or "") for pk, text in rows}


def highlight(text: str) -> SafeString:
    """Escape `text`, then turn sentinel pairs into balanced <mark> elements."""
    out, open_ = [], False
    for piece in re.split(f"([{OPEN}{CLOSE}])", text):
        if piece == OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))


# --- keeping the index in step ------------------------------------------------------------

SQLITE_SETUP = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body,"
    " content='articles_article', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS articles_article_fts_insert AFTER INSERT ON articles_article"
    f" BEGIN INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    f"CREATE TRIGGER IF NOT EXISTS articles_article_fts_delete AFTER DELETE ON articles_article"
    f" BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body); END",
    # Only a change of the searched text rewrites the index (not every deleted_at or story).
    "CREATE TRIGGER IF NOT EXISTS articles_article_fts_update"
    " AFTER UPDATE OF title, body ON articles_article"
    f" BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    f" INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_TRIGGERS = (
    "articles_article_fts_insert",
    "articles_article_fts_delete",
    "articles_article_fts_update",
)


def ensure_index(conn) -> bool:
    """Create the search index and its triggers where missing; rebuild when they were missing.

    SQLite drops a table's triggers when a migration remakes the table, so this runs after
    every migrate as well as in our own migration. Returns True when it had to rebuild.
    """
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'articles_article'"
                " AND column_name = 'search_vector' AND table_schema = current_schema()"
            )
            had_column = cursor.fetchone() is not None
            for statement in PG_SETUP[0 if not had_column else 1 :]:
                cursor.execute(statement)
            # The index on the expression (before the column) gives its name to the column's.
            cursor.execute(
                "SELECT indexdef FROM pg_indexes"
                " WHERE indexname = 'article_search_vector' AND schemaname = current_schema()"
            )
            row = cursor.fetchone()
            if row and "(search_vector)" not in row[0]:
                cursor.execute("DROP INDEX article_search_vector")
            if not had_column:
                cursor.execute(PG_BACKFILL_SQL)
            cursor.execute(PG_VECTOR_INDEX_SQL)
            return not had_column
        if conn.vendor != "sqlite":
            return False
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(SQLITE_TRIGGERS),
        )
        complete = cursor.fetchone()[0] == len(SQLITE_TRIGGERS)
        for statement in SQLITE_SETUP:
            cursor.execute(statement)
        if not complete:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        return not complete


def drop_index(conn) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS article_search_vector")
            cursor.execute(
                "DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article"
            )
            cursor.execute("DROP FUNCTION IF EXISTS articles_article_search_vector()")
            cursor.execute("ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector")
        elif conn.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure_index_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    conn = connections[using]
    with conn.cursor() as cursor:
        tables = conn.introspection.table_names(cursor)
    # Only once our own migration has made the index (not on a partial or reversed migrate).
    if "articles_article" in tables and (conn.vendor != "sqlite" or FTS_TABLE in tables):
        ensure_index(conn)
