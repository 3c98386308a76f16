"""Put two to four articles side by side: gather their quotes and the analysts' work in a fixed
number of queries, align the quotes, and compute the framing facts with the pure text functions.

Also the analysts' corrections of the alignment (link, keep apart, undo), written with history.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC
from functools import cached_property, lru_cache
from html import escape  # the standard one: Django's checks every argument for lazy text

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import compare_html
from .caching import Lru
from .models import Article, ChangeRecord, Outlet, Quote, QuoteAlignment
from .plain_sql import placeholders
from .speakers import SpeakerRow
from .text import charts, framing
from .text.align import AlignedRow, QuoteRef, align_quotes
from .text.drift import ADDED, REMOVED, SAME, drift_summary, word_diff
from .text.marks import paragraphs_with_marks
from .text.speakers import name_key

MIN_ARTICLES, MAX_ARTICLES = 2, 4


class CompareError(ValueError):
    """The request does not name two to four articles; the message says what is wrong."""


def parse_article_ids(values: list[str]) -> list[int]:
    """Article ids from `?articles=1,2` and/or repeated `?articles=1&articles=2`, in order, once each."""
    tokens = [t.strip() for value in values for t in value.split(",") if t.strip()]
    if len(tokens) > 20:
        raise CompareError(f"Choose {MIN_ARTICLES} to {MAX_ARTICLES} articles to compare.")
    ids: list[int] = []
    for token in tokens:
        if not token.isascii() or not token.isdigit() or len(token) > 18:
            raise CompareError("Article ids are whole numbers separated by commas, like 12,15.")
        if int(token) not in ids:
            ids.append(int(token))
    if not MIN_ARTICLES <= len(ids) <= MAX_ARTICLES:
        raise CompareError(
            f"Choose {MIN_ARTICLES} to {MAX_ARTICLES} different articles to compare "
            f"({len(ids)} given)."
        )
    return ids


@dataclass
class Column:
    index: int
    article: Article
    label: str
    words: int
    quotes: list[QuoteRow] = field(default_factory=list)
    shares: list[framing.SpeakerShare] = field(default_factory=list)
    verbs: dict = field(default_factory=dict)
    stances: list[tuple[str, str, int]] = field(default_factory=list)  # (label, colour, count)
    frames: list[tuple[str, int]] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    lead: framing.Lead | None = None

    @cached_property
    def framing_html(self) -> SafeString:
        return compare_html.framing_html(self)

    @cached_property
    def text_html(self) -> SafeString:
        """The body as paragraphs, its quotes marked; aligned ones carry their row for scrolling.

        Built here rather than in the template: four long bodies are thousands of runs, and the
        template engine takes ten times longer. Every piece of text goes through escape().
        """
        spans = [(q.start, q.end) for q in self.quotes]
        paragraphs = []
        for runs in paragraphs_with_marks(self.article.body, spans):
            parts = []
            for run in runs:
                if run.mark is None:
                    parts.append(escape(run.text))
                    continue
                row = getattr(self.quotes[run.mark], "row", None)
                attr = f' data-row="{row}"' if row is not None else ""
                parts.append(f'<mark class="quote"{attr}>{escape(run.text)}</mark>')
            paragraphs.append("<p>" + "".join(parts) + "</p>")
        return mark_safe("\n".join(paragraphs))


@dataclass
class Cell:
    quote: QuoteRow
    reference: bool
    ops: list = field(default_factory=list)  # DriftOp steps from the row's first quote
    drift: float = 0.0

    @cached_property
    def drift_html(self) -> SafeString:
        """The quote as this outlet words it, marked against the row's first quote: cut words
        struck, added words underlined, reworded words highlighted with the first quote's words
        in their title. Every piece of text goes through escape()."""
        if self.reference:
            return mark_safe(escape(self.quote.text))
        parts = []
        for op in self.ops:
            if op.op == SAME:
                parts.append(escape(op.b))
            elif op.op == ADDED:
                parts.append(f"<ins>{escape(op.b)}</ins>")
            elif op.op == REMOVED:
                parts.append(f"<del>{escape(op.a)}</del>")
            else:
                parts.append(
                    f'<mark class="drift-changed" title="first quote: {escape(op.a)}">'
                    f"{escape(op.b)}</mark>"
                )
        return mark_safe(" ".join(parts))

    @cached_property
    def html(self) -> SafeString:
        """The quote with its drift marks, then who said it, how, and how far it drifted.

        Built in Python for the same reason as Column.text_html: hundreds of cells per page.
        """
        quote = self.quote
        meta = escape(quote.speaker.name if quote.speaker_id else "unknown speaker")
        if quote.cue:
            meta += " · " + escape(quote.cue)
        if not self.reference:
            meta += f" · drift {round(self.drift * 100)} %"
        kind = "reference" if self.reference else "drifted"
        return mark_safe(
            f'<blockquote class="{kind}">{self.drift_html}</blockquote><p class="meta">{meta}</p>'
        )


@dataclass
class Row:
    index: int
    score: float
    manual: bool
    cells: list[Cell | None]
    only_label: str | None = None

    @property
    def only_in(self) -> int | None:
        present = [i for i, cell in enumerate(self.cells) if cell is not None]
        return present[0] if len(present) == 1 else None


def _cell_html(cell: Cell, can_annotate: bool, only_label: str | None) -> str:
    pick = ""
    if can_annotate:
        pk = cell.quote.pk
        pick = (
            f'<input type="checkbox" name="quote" value="{pk}" form="align-form" '
            f'id="pick-{pk}" aria-label="Select this quote">'
        )
    only = f'<p class="only">only in {escape(only_label)}</p>' if only_label else ""
    return f'{only}<div class="quote-cell">{pick}{cell.html}</div>'


def rows_html(rows: list[Row], can_annotate: bool) -> SafeString:
    """The compare grid's rows: each outlet's quote in its column, ticks for hand corrections.

    Built in Python for the reason Cell.html is: four long articles make hundreds of rows of
    four cells, and the template engine's lookups were half of the page's time. Every piece
    of text goes through escape() (Cell.html does its own).
    """
    parts = []
    for row in rows:
        single = row.only_in is not None
        classes = "compare-grid compare-row" + (" single" if single else "")
        classes += " manual" if row.manual and not single else ""
        cells = []
        for cell in row.cells:
            if cell is not None:
                inner = _cell_html(cell, can_annotate, row.only_label if single else None)
            else:
                inner = "" if single else '<p class="missing">not carried</p>'
            cells.append(f'<div class="compare-cell">{inner}</div>')
        meta = ""
        if not single:
            how = "linked by hand" if row.manual else f"matched {row.score:.2f}"
            meta = f'<p class="row-meta">{how}</p>'
        parts.append(f'<div class="{classes}" data-row="{row.index}">{"".join(cells)}{meta}</div>')
    return mark_safe("\n".join(parts))


@dataclass
class Comparison:
    ids: list[int]
    columns: list[Column]
    rows: list[Row]
    corrections: list[QuoteAlignment]
    speaker_chart: charts.BarChart
    stance_chart: charts.BarChart
    timeline: charts.Timeline
    timeline_articles: list[Article]

    @property
    def query(self) -> str:
        return ",".join(str(i) for i in self.ids)

    @cached_property
    def speaker_chart_html(self) -> SafeString:
        return compare_html.bar_chart_html(self.speaker_chart, "speaker-chart")

    @cached_property
    def stance_chart_html(self) -> SafeString:
        return compare_html.bar_chart_html(self.stance_chart, "stance-chart")

    @cached_property
    def timeline_html(self) -> SafeString:
        return compare_html.timeline_html(self.timeline)

    @cached_property
    def aligned_rows(self) -> list[Row]:
        return [row for row in self.rows if row.only_in is None]

    @cached_property
    def single_rows(self) -> list[Row]:
        return [row for row in self.rows if row.only_in is not None]

    # The page's parts made in Python, once per kept comparison (see build_comparison): the
    # template only puts them together with what depends on the request (the forms, an error).
    @cached_property
    def head_html(self) -> SafeString:
        return compare_html.head_html(self.columns)

    @cached_property
    def aligned_rows_html(self) -> SafeString:
        return rows_html(self.aligned_rows, can_annotate=False)

    @cached_property
    def aligned_rows_html_to_pick(self) -> SafeString:
        """The aligned rows with a tick box per quote, for those who may correct them."""
        return rows_html(self.aligned_rows, can_annotate=True)

    @cached_property
    def single_rows_html(self) -> SafeString:
        return rows_html(self.single_rows, can_annotate=False)

    @cached_property
    def single_rows_html_to_pick(self) -> SafeString:
        return rows_html(self.single_rows, can_annotate=True)

    @cached_property
    def framing_html(self) -> SafeString:
        return compare_html.framing_grid_html(self.columns)

    @cached_property
    def texts_html(self) -> SafeString:
        return compare_html.texts_html(self.columns)


def column_label(article: Article) -> str:
    return article.outlet.name if article.outlet_id else f"Article {article.pk}"


# The comparison's statements are written out: compiling their querysets (joins, lookups
# through quotes, the aggregate) cost more CPU than running them; the page runs three.
def _in(ids) -> str:
    return placeholders(len(ids))


# The compared articles with their outlets' names; not the raw text nor the import notes. The
# columns keep the model's field order (Article.from_db) and end with the outlet's name.
ARTICLE_FIELDS = (
    "id",
    "outlet_id",
    "title",
    "title_derived",
    "published",
    "published_has_time",
    "language",
    "url",
    "body",
    "story_id",
)
ARTICLES_SQL = """
SELECT a.id, a.outlet_id, a.title, a.title_derived, a.published, a.published_has_time,
  a.language, a.url, a.body, a.story_id, o.name AS outlet_name
FROM articles_article a LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE a.id IN ({ids}) AND a.deleted_at IS NULL
"""

# The visible quotes of the compared articles with their speakers' names, in reading order,
# and with them the analysts' corrections (links and unlinks) that start from them (a pair's
# lower quote id comes first) with who made each: a quote's row comes once per correction, or
# once with NULLs. A correction to a quote outside the compared articles, or binned, is left
# out when the comparison is made.
QUOTES_SQL = """
SELECT q.id, q.article_id, q.start, q."end", q.text, q.speaker_id, q.cue, q.kind, q.origin,
  sp.name AS speaker_name,
  c.id, c.quote_b_id, c.linked, c.decided_by_id, c.decided_at,
  (SELECT u.username FROM auth_user u WHERE u.id = c.decided_by_id) AS decided_by_name
FROM articles_quote q LEFT JOIN articles_speaker sp ON sp.id = q.speaker_id
LEFT JOIN articles_quotealignment c ON c.quote_a_id = q.id
WHERE q.article_id IN ({ids}) AND q.deleted_at IS NULL
ORDER BY q.article_id, q.start, q.id
"""
CORRECTION_FIELDS = ("id", "quote_a_id", "quote_b_id", "linked", "decided_by_id", "decided_at")

# What analysts said about the visible quotes of each article, in one statement: how many of
# each stance label they gave (kind 'stance': label set, label, colour, count), and the claims
# the quotes make (kind 'claim': the claim's text, and its link's and its own id), one row a
# claim and quote. Stances come in the order of article, label set and label.
ANNOTATIONS_SQL = """
SELECT 'stance' AS kind, q.article_id, ls.name AS label_set, l.name AS label, l.colour,
  COUNT(sa.id) AS n, NULL AS claim_id
FROM articles_stanceannotation sa
JOIN articles_quote q ON q.id = sa.quote_id
JOIN articles_labelset ls ON ls.id = sa.label_set_id
JOIN articles_label l ON l.id = sa.label_id
WHERE q.article_id IN ({ids}) AND q.deleted_at IS NULL
GROUP BY q.article_id, ls.name, l.name, l.colour
UNION ALL
SELECT 'claim', q.article_id, c.text, NULL, NULL, cq.id, cq.claim_id
FROM articles_claimquote cq
JOIN articles_quote q ON q.id = cq.quote_id
JOIN articles_claim c ON c.id = cq.claim_id
WHERE q.article_id IN ({ids}) AND q.deleted_at IS NULL
ORDER BY 1, 2, 3, 4
"""

CLAIM_TAGS_SQL = """
SELECT ct.claim_id, f.name
FROM articles_claim_tags ct JOIN articles_frametag f ON f.id = ct.frametag_id
WHERE ct.claim_id IN ({ids})
ORDER BY ct.id
"""

# The articles of a story, for the timeline: titles, dates and outlets. From the story to its
# articles as a CROSS JOIN, which SQLite takes as the order to join in (PostgreSQL plans it as
# any join), and sorted in Python: SQLite's statistics, when last gathered before there were
# stories, say that one story_id is shared by the whole table, and with an IN list or an ORDER
# BY it walked all the articles by date instead (220 ms a compare page on 100,000 articles).
STORY_FIELDS = ("id", "outlet_id", "title", "published", "published_has_time", "story_id")
STORY_ARTICLES_SQL = """
SELECT a.id, a.outlet_id, a.title, a.published, a.published_has_time, a.story_id,
  o.name AS outlet_name
FROM articles_story s CROSS JOIN articles_article a
LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE s.id = %s AND a.story_id = s.id AND a.deleted_at IS NULL
"""


# The compared articles (compared = 1) and, in the same statement, the articles of the first
# one's story (compared = 0, with STORY_ARTICLES_SQL's columns in the same places as
# ARTICLES_SQL's): the story found by a scalar subquery is one value, so SQLite still joins
# from it through the index. Compared articles of other stories (seldom) have theirs read apart.
ARTICLES_AND_STORY_SQL = """
SELECT a.id, a.outlet_id, a.title, a.title_derived, a.published, a.published_has_time,
  a.language, a.url, a.body, a.story_id, o.name AS outlet_name, 1 AS compared
FROM articles_article a LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE a.id IN ({ids}) AND a.deleted_at IS NULL
UNION ALL
SELECT a.id, a.outlet_id, a.title, NULL, a.published, a.published_has_time,
  NULL, NULL, NULL, a.story_id, o.name, 0
FROM articles_story s CROSS JOIN articles_article a
LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE s.id = (SELECT f.story_id FROM articles_article f WHERE f.id = %s)
  AND a.story_id = s.id AND a.deleted_at IS NULL
"""


def _aware(value):
    # As the ORM reads a DateTimeField: SQLite hands back naive UTC, PostgreSQL aware values.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Read:
    """Everything a comparison is made from, as read from the database: plain rows of numbers,
    strings and dates, in a fixed order. The comparison is a function of it and of nothing
    else, which is what lets a process keep comparisons under it (see build_comparison)."""

    ids: tuple[int, ...]
    articles: tuple  # ARTICLES_SQL rows, in the order asked
    quotes: tuple
    corrections: tuple
    stances: tuple
    claims: tuple
    tags: tuple
    story: tuple  # STORY_ARTICLES_SQL rows of the compared articles' stories, by id

    @cached_property
    def size(self) -> int:
        # What a kept comparison and its page parts weigh in bytes, roughly (measured with
        # tracemalloc on the bench corpus's stories: about 100 KB for two to four articles):
        # the texts appear several times over (rows, marked full texts), and its objects weigh
        # about 40 KB besides.
        texts = sum(len(row[8]) for row in self.articles)
        texts += sum(len(row[4]) for row in self.quotes)
        return 10 * texts + 40_000


def read(ids: list[int]) -> Read:
    """The rows of the compared articles; an id that is not (or no longer) there is a 404."""
    ids = tuple(ids)
    with connection.cursor() as cursor:

        def rows(sql, keys, params=None):
            cursor.execute(sql.format(ids=_in(keys)), list(keys) if params is None else params)
            return tuple(cursor.fetchall())

        found, story = {}, []
        for row in rows(ARTICLES_AND_STORY_SQL, ids, [*ids, ids[0]]):
            if row[11]:
                found[row[0]] = (*row[:4], _aware(row[4]), *row[5:11])
            else:  # as STORY_ARTICLES_SQL's rows
                story.append((*row[:3], _aware(row[4]), row[5], row[9], row[10]))
        missing = [i for i in ids if i not in found]
        if missing:
            raise Http404(f"No article {missing[0]}.")
        quotes, corrections = [], []
        for row in rows(QUOTES_SQL, ids):
            if not quotes or quotes[-1][0] != row[0]:
                quotes.append(row[:10])
            if row[10] is not None:
                pk, quote_b, linked, decided_by, decided_at, name = row[10:]
                corrections.append(
                    (pk, row[0], quote_b, linked, decided_by, _aware(decided_at), name)
                )
        corrections.sort(key=lambda c: (c[5], c[0]))  # oldest first
        annotations = rows(ANNOTATIONS_SQL, ids, [*ids, *ids])
        # (article, label set, label, colour, count) and (claim, article, text) in link order.
        stances = tuple(row[1:6] for row in annotations if row[0] == "stance")
        claims = tuple(
            (claim_id, article_id, text)
            for _, article_id, text, _, _, _, claim_id in sorted(
                (row for row in annotations if row[0] == "claim"), key=lambda row: row[5]
            )
        )
        claim_ids = sorted({row[0] for row in claims})
        tags = rows(CLAIM_TAGS_SQL, claim_ids) if claim_ids else ()
        others = {row[9] for row in found.values() if row[9]} - {found[ids[0]][9]}
        for story_id in sorted(others):
            cursor.execute(STORY_ARTICLES_SQL, [story_id])
            story += [(*row[:3], _aware(row[3]), *row[4:]) for row in cursor.fetchall()]
        story.sort(key=lambda row: row[0])  # the same rows, the same key
    articles = tuple(found[i] for i in ids)
    return Read(
        ids, articles, tuple(quotes), tuple(corrections), stances, claims, tags, tuple(story)
    )


def _article(fields: tuple[str, ...], row: tuple) -> Article:
    # A model instance as Article.objects.raw() makes it (the fields not read are deferred),
    # with the outlet the page names from the joined column (no query of its own).
    article = Article.from_db(DEFAULT_DB_ALIAS, fields, row[:-1])
    if article.outlet_id:
        article.outlet = Outlet(pk=article.outlet_id, name=row[-1])
    return article


def get_articles(ids: list[int]) -> list[Article]:
    """The visible articles in the order asked; an id that is not (or no longer) there is a 404."""
    with connection.cursor() as cursor:
        cursor.execute(ARTICLES_SQL.format(ids=_in(ids)), list(ids))
        found = {row[0]: row for row in cursor.fetchall()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Http404(f"No article {missing[0]}.")
    return [_article(ARTICLE_FIELDS, found[i]) for i in ids]


@dataclass(eq=False)
class QuoteRow:
    """A quote as the page, the exports and the alignment read it (plain rows: building model
    instances cost more than reading them)."""

    pk: int
    article_id: int
    start: int
    end: int
    text: str
    speaker: SpeakerRow | None
    cue: str
    kind: str
    origin: str
    row: int | None = None  # the aligned row it leads the texts' scrolling to, if any

    @property
    def speaker_id(self) -> int | None:
        return self.speaker.pk if self.speaker else None


def _quote(row: tuple) -> QuoteRow:
    pk, article_id, start, end, text, speaker_id, cue, kind, origin, name = row
    speaker = SpeakerRow(speaker_id, name) if speaker_id else None
    return QuoteRow(pk, article_id, start, end, text, speaker, cue, kind, origin)


def _correction(row: tuple) -> QuoteAlignment:
    correction = QuoteAlignment.from_db(DEFAULT_DB_ALIAS, CORRECTION_FIELDS, row[:-1])
    correction.decided_by = User(pk=correction.decided_by_id, username=row[-1])
    return correction


def _speaker(quote: QuoteRow) -> str | None:
    return quote.speaker.name if quote.speaker_id else None


@lru_cache(maxsize=8192)
def _drift(a: str, b: str) -> tuple[tuple, float]:
    """The word diff of two quotes and its drift ratio. Quote texts never change once stored,
    so a page that is reloaded or re-rendered after a correction diffs each pair only once."""
    ops = tuple(word_diff(a, b))
    return ops, drift_summary(ops)["drift"]


@lru_cache(maxsize=256)
def _alignment(refs: tuple[QuoteRef, ...], links: tuple, unlinks: tuple) -> tuple[AlignedRow, ...]:
    """The quotes' alignment, kept per process for what it was computed from: the quotes (ids,
    texts, speakers, places) and the corrections, in order. Any change to one of them is
    another key, so nothing goes stale. A page shown again after a change elsewhere (a stance
    label given) skips the alignment, a sixth of a four-article page's CPU. Rows are read only."""
    return tuple(align_quotes(refs, links=links, unlinks=unlinks))


# Comparisons kept per process under the rows they were made from (Read), about 32 MB of them
# at most: a page shown again (a reload, the next analyst on the same story, the exports) reads
# its rows and makes nothing. Any change to what the page shows (a label, a correction, a quote
# edited or deleted in the admin, an article binned, a story regrouped, a speaker or an outlet
# renamed) changes the rows read, so it is another key and the page shows it at once; an entry
# whose rows are gone is never asked for again and ages out. The page parts a comparison keeps
# are written in the process's one language and time zone (settings; no middleware picks them
# per request): if one ever did, they would have to be kept under it too.
COMPARISONS = Lru(max_size=32_000_000)


def build_comparison(ids: list[int]) -> Comparison:
    """The comparison of the articles `ids` (in that order), made or kept for the rows read.

    Kept comparisons are shared by the requests of the process: read them, never change them.
    """
    rows = read(ids)
    comparison = COMPARISONS.get(rows)
    if comparison is None:
        comparison = make_comparison(rows)
        COMPARISONS.put(rows, comparison, rows.size)
    return comparison


def make_comparison(rows: Read) -> Comparison:
    """The comparison of `rows`: alignment, drift, framing facts and charts."""
    ids = list(rows.ids)
    articles = [_article(ARTICLE_FIELDS, row) for row in rows.articles]
    columns = [
        Column(n, a, column_label(a), framing.count_words(a.body)) for n, a in enumerate(articles)
    ]
    by_article = {c.article.pk: c for c in columns}
    quotes = [_quote(row) for row in rows.quotes]
    for quote in quotes:
        by_article[quote.article_id].quotes.append(quote)
    quote_by_id = {q.pk: q for q in quotes}

    corrections = [
        _correction(row)
        for row in rows.corrections
        if row[1] in quote_by_id and row[2] in quote_by_id
    ]
    for c in corrections:
        c.first, c.second = quote_by_id[c.quote_a_id], quote_by_id[c.quote_b_id]
        c.first_label = by_article[c.first.article_id].label
        c.second_label = by_article[c.second.article_id].label

    refs = [
        QuoteRef(
            key=q.pk,
            column=by_article[q.article_id].index,
            text=q.text,
            speaker=name_key(q.speaker.name) if q.speaker_id else None,
            position=q.start / max(1, len(by_article[q.article_id].article.body)),
        )
        for q in quotes
    ]
    aligned = _alignment(
        tuple(refs),
        tuple((c.quote_a_id, c.quote_b_id) for c in corrections if c.linked),
        tuple((c.quote_a_id, c.quote_b_id) for c in corrections if not c.linked),
    )
    rows_made = []
    for n, aligned_row in enumerate(aligned):
        cells: list[Cell | None] = [None] * len(columns)
        reference = None
        for column in sorted(aligned_row.members):
            quote = quote_by_id[aligned_row.members[column].key]
            if reference is None:
                reference = quote
                cells[column] = Cell(quote, reference=True)
            else:
                ops, drift = _drift(reference.text, quote.text)
                cells[column] = Cell(quote, False, ops, drift)
        row = Row(n, aligned_row.score, aligned_row.manual, cells)
        if row.only_in is not None:
            row.only_label = columns[row.only_in].label
        rows_made.append(row)
        for cell in cells:
            if cell is not None:
                # Only quotes that other columns carry too can lead the texts' scrolling.
                cell.quote.row = n if row.only_in is None else None

    _add_framing(columns, rows)
    timeline_articles = _story_articles(articles, rows.story)
    compared = set(ids)
    return Comparison(
        ids=ids,
        columns=columns,
        rows=rows_made,
        corrections=corrections,
        speaker_chart=charts.stacked_bars(
            [(c.label, [(s.speaker, s.words) for s in c.shares]) for c in columns]
        ),
        stance_chart=charts.stacked_bars(
            [(c.label, [(label, n) for label, _, n in c.stances]) for c in columns],
            colours={label: colour for c in columns for label, colour, _ in c.stances},
        ),
        timeline=charts.timeline(
            [
                (f"{column_label(a)}: {a.title}", a.published, a.pk in compared)
                for a in timeline_articles
            ]
        ),
        timeline_articles=timeline_articles,
    )


def _add_framing(columns: list[Column], rows: Read) -> None:
    by_article = {c.article.pk: c for c in columns}
    for column in columns:
        column.shares = framing.speaker_shares((_speaker(q), q.text) for q in column.quotes)
        column.verbs = framing.attribution_verbs((_speaker(q), q.cue) for q in column.quotes)
        column.lead = framing.lead(
            column.article.body, [(q.start, q.text, _speaker(q)) for q in column.quotes]
        )

    claims = {claim_id: text for claim_id, _, text in rows.claims}
    several_sets = len({label_set for _, label_set, _, _, _ in rows.stances}) > 1
    for article_id, label_set, label, colour, n in rows.stances:
        if several_sets:
            label = f"{label_set}: {label}"
        by_article[article_id].stances.append((label, colour, n))
    for column in columns:
        column.stances.sort(key=lambda s: (-s[2], s[0].casefold()))

    claim_articles: dict[int, set[int]] = defaultdict(set)
    for claim_id, article_id, _ in rows.claims:
        claim_articles[claim_id].add(article_id)
    tags: dict[int, list[str]] = defaultdict(list)
    for claim_id, name in rows.tags:
        tags[claim_id].append(name)
    for claim_id, article_ids in claim_articles.items():
        for article_id in article_ids:
            by_article[article_id].claims.append(claims[claim_id])
    for column in columns:
        column.claims.sort(key=str.casefold)
        counter: Counter[str] = Counter()
        for claim_id, article_ids in claim_articles.items():
            if column.article.pk in article_ids:
                counter.update(tags[claim_id])
        column.frames = framing.label_counts(counter.elements())


def _story_articles(articles: list[Article], story_rows: tuple) -> list[Article]:
    """The coverage to draw: every article of the compared articles' stories, else just these."""
    if not story_rows:
        return articles
    found = [_article(STORY_FIELDS, row) for row in story_rows]
    # In time order, undated ones last, as the timeline lists them.
    found.sort(key=lambda a: (a.published is None, a.published or 0, a.pk))
    return found


# --- exports -----------------------------------------------------------------------------------

CSV_HEADER = [
    "row",
    "aligned",
    "score",
    "corrected_by_hand",
    "article_id",
    "outlet",
    "quote_id",
    "speaker",
    "cue",
    "text",
    "drift_from_first",
]


def _cell_text(value) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_rows(comparison: Comparison):
    for row in comparison.rows:
        for column, cell in zip(comparison.columns, row.cells, strict=True):
            if cell is None:
                continue
            yield {
                "row": row.index + 1,
                "aligned": row.only_in is None,
                "score": round(row.score, 3),
                "corrected_by_hand": row.manual,
                "article_id": column.article.pk,
                "outlet": column.label,
                "quote_id": cell.quote.pk,
                "speaker": _speaker(cell.quote),
                "cue": cell.quote.cue,
                "text": cell.quote.text,
                "drift_from_first": None if cell.reference else round(cell.drift, 3),
            }


def to_csv(comparison: Comparison) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for record in export_rows(comparison):
        writer.writerow([_cell_text(record[key]) for key in CSV_HEADER])
    return out.getvalue()


def to_json(comparison: Comparison) -> str:
    data = {
        "articles": [
            {
                "id": c.article.pk,
                "title": c.article.title,
                "outlet": c.label,
                "published": c.article.published.isoformat() if c.article.published else None,
                "words": c.words,
                "quotes": len(c.quotes),
                "lead": {
                    "paragraph": c.lead.paragraph,
                    "quote": c.lead.quote,
                    "speaker": c.lead.speaker,
                },
                "speaker_shares": [
                    {"speaker": s.speaker, "words": s.words, "quotes": s.quotes, "share": s.share}
                    for s in c.shares
                ],
                "attribution_verbs": {speaker: dict(verbs) for speaker, verbs in c.verbs.items()},
                "stances": {label: n for label, _, n in c.stances},
                "frames": dict(c.frames),
                "claims": c.claims,
            }
            for c in comparison.columns
        ],
        "rows": [
            {
                "score": round(row.score, 3),
                "corrected_by_hand": row.manual,
                "only_in": comparison.columns[row.only_in].article.pk
                if row.only_in is not None
                else None,
                "quotes": [
                    {
                        "article_id": comparison.columns[n].article.pk,
                        "quote_id": cell.quote.pk,
                        "speaker": _speaker(cell.quote),
                        "cue": cell.quote.cue,
                        "text": cell.quote.text,
                        "drift_from_first": None if cell.reference else round(cell.drift, 3),
                    }
                    for n, cell in enumerate(row.cells)
                    if cell is not None
                ],
            }
            for row in comparison.rows
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


# --- corrections -------------------------------------------------------------------------------

LINK, UNLINK, UNDO = "link", "unlink", "undo"


def _state(alignment: QuoteAlignment | None):
    if alignment is None:
        return None
    return {
        "quote_a": alignment.quote_a_id,
        "quote_b": alignment.quote_b_id,
        "linked": alignment.linked,
        "decided_by": alignment.decided_by.get_username() if alignment.decided_by_id else None,
    }


def correct_alignment(user, ids: list[int], quote_ids: list[int], action: str) -> None:
    """Link two quotes, keep them apart, or undo the correction between them, with history.

    Both quotes must belong to the compared articles (else 404) and to different articles.
    """
    if action not in (LINK, UNLINK, UNDO):
        raise CompareError("Choose link, keep apart or undo.")
    if len(set(quote_ids)) != 2:
        raise CompareError("Tick exactly two quotes, in two different articles.")
    get_articles(ids)
    first, second = sorted(set(quote_ids))
    with transaction.atomic():
        # Lock the two quotes in id order so two analysts deciding on one pair queue up.
        quotes = list(
            Quote.objects.visible()
            .select_for_update()
            .filter(pk__in=[first, second], article_id__in=ids)
            .order_by("pk")
        )
        if len(quotes) != 2:
            raise Http404("Those quotes are not in the compared articles.")
        if quotes[0].article_id == quotes[1].article_id:
            raise CompareError("Both quotes are in one article: only quotes of two articles align.")
        existing = (
            QuoteAlignment.objects.select_for_update()
            .select_related("decided_by")
            .filter(quote_a_id=first, quote_b_id=second)
            .first()
        )
        before = _state(existing)
        if action == UNDO:
            if existing is None:
                return
            pk = existing.pk
            existing.delete()
            ChangeRecord.record(
                user, ChangeRecord.DELETE, "alignment", pk, quotes[0].article_id, before, None
            )
            return
        linked = action == LINK
        if existing is None:
            existing = QuoteAlignment.objects.create(
                quote_a_id=first, quote_b_id=second, linked=linked, decided_by=user
            )
            verb = ChangeRecord.CREATE
        else:
            if existing.linked == linked:
                return
            existing.linked = linked
            existing.decided_by = user
            existing.decided_at = timezone.now()
            existing.save(update_fields=["linked", "decided_by", "decided_at"])
            verb = ChangeRecord.CHANGE
        ChangeRecord.record(
            user, verb, "alignment", existing.pk, quotes[0].article_id, before, _state(existing)
        )
