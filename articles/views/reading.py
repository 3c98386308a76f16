"""The reading room: the article list with search and filters, and the article reader."""

import datetime as dt
import os
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cache
from html import escape
from math import ceil

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .. import caching, search
from ..models import Article, CoverageLink, Outlet, Quote, Speaker, StanceAnnotation, Story
from ..plain_sql import placeholders
from ..speakers import SpeakerRow
from ..text.marks import paragraphs_with_marks
from .url_patterns import url_for

PAGE_SIZE = 50
MAX_PAGE = 100_000  # far past any corpus; stops absurd offsets before they reach the database
COUNT_CAP = 1_000  # lists that are not cached are counted this far at most
SPEAKER_COLOURS = 12  # css classes spk-0 … spk-11
# Request-supplied sort names map to fixed orderings: nothing else reaches order_by.
SORTS = {"date": "newest first", "relevance": "best match"}


@dataclass
class ListFilters:
    """The list's state as read from the URL: every field validated, bad values dropped."""

    q: str = ""
    outlet: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    speaker: str = ""
    language: str = ""
    unlabelled: bool = False
    story: int | None = None
    sort: str = "date"
    page: int = 1

    @classmethod
    def from_query(cls, params) -> "ListFilters":
        f = cls()
        f.q = _text(params.get("q"), search.MAX_QUERY_CHARS)
        f.outlet = _positive_int(params.get("outlet"))
        f.date_from = _date(params.get("from"))
        f.date_to = _date(params.get("to"))
        f.speaker = _text(params.get("speaker"), 300)
        f.language = _text(params.get("language"), 16)
        f.unlabelled = params.get("unlabelled") in {"1", "on", "true"}
        f.story = _positive_int(params.get("story"))
        f.sort = params.get("sort") if params.get("sort") in SORTS else "date"
        f.page = min(_positive_int(params.get("page")) or 1, MAX_PAGE)
        return f


def _text(value, limit):
    # NUL never reaches a query: PostgreSQL refuses it in text.
    return (value or "").replace("\x00", "").strip()[:limit]


def _positive_int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _date(value):
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _day_start(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def filtered_articles(f: ListFilters, parsed: search.ParsedQuery):
    """Visible articles matching the filters, ordered; only ids are read from this queryset."""
    by_relevance = f.sort == "relevance" and bool(parsed.include)
    articles = search.apply(Article.objects.visible(), parsed, by_relevance)
    if f.outlet:
        articles = articles.filter(outlet_id=f.outlet)
    if f.date_from:
        articles = articles.filter(published__gte=_day_start(f.date_from))
    if f.date_to:
        articles = articles.filter(published__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.language:
        articles = articles.filter(language__iexact=f.language)
    if f.story:
        articles = articles.filter(story_id=f.story)
    if f.speaker:
        # The speakers first, as a list: inside the query, PostgreSQL estimated the (small,
        # alias-less) speaker tables so badly that it probed every quote of every article.
        speakers = list(
            Speaker.objects.filter(Q(name__iexact=f.speaker) | Q(aliases__name__iexact=f.speaker))
            .values_list("pk", flat=True)
            .distinct()
        )
        # Their articles as a list too: given the subquery, PostgreSQL walked the newest
        # articles probing each one's quotes (0.24 s for a speaker in 0.7% of articles).
        quoted = Quote.objects.visible().filter(speaker_id__in=speakers)
        articles = articles.filter(
            pk__in=list(quoted.order_by().values_list("article_id", flat=True).distinct())
        )
    if f.unlabelled:
        # NOT EXISTS, not a LEFT JOIN … IS NULL: the planner estimates an anti-join well and
        # walks the newest articles first instead of joining every quote with every label.
        labelled = StanceAnnotation.objects.filter(quote=OuterRef("pk"))
        unlabelled = (
            Quote.objects.visible().filter(article=OuterRef("pk")).filter(~Exists(labelled))
        )
        articles = articles.filter(Exists(unlabelled))
    newest = newest_first()
    if by_relevance:
        return articles.order_by("-rank", *newest)
    return articles.order_by(*newest)


def id_version(f: ListFilters, versions: tuple | None):
    """The versions a list's ids depend on (see articles.caching), or None when they are not
    kept: lists by story are not (coverage decisions move articles between stories without
    moving a version)."""
    if versions is None or f.story:
        return None
    if f.speaker or f.unlabelled:
        return versions[:2]  # articles and quotes
    return versions[0]


def list_key(f: ListFilters, parsed: search.ParsedQuery) -> tuple:
    by_relevance = f.sort == "relevance" and bool(parsed.include)
    return (
        "list",
        tuple(parsed.include),
        tuple(parsed.exclude),
        by_relevance,
        f.outlet,
        f.date_from,
        f.date_to,
        f.language.lower(),
        f.speaker,
        f.unlabelled,
    )


def page_snippets(parsed: search.ParsedQuery, ids: list[int], version: int | None) -> dict:
    """The search snippets of a page; those already made (same words, same article, no
    article changed since) are not asked of the database again."""
    if not parsed.include or not ids:
        return {}
    if version is None:
        return search.snippets(parsed, ids)
    key = (version, "snippet", tuple(parsed.include))
    found = {pk: caching.SNIPPETS.get((*key, pk)) for pk in ids}
    missing = [pk for pk, snippet in found.items() if snippet is None]
    if missing:
        made = search.snippets(parsed, missing)
        for pk in missing:
            # An article without a snippet is remembered as "" so it is not asked again.
            found[pk] = made.get(pk, "")
            caching.SNIPPETS.put((*key, pk), found[pk])
    return {pk: snippet for pk, snippet in found.items() if snippet}


def newest_first():
    """Newest first with undated articles last, as the article_visible_newest index runs."""
    if search.is_postgres():
        return [F("published").desc(nulls_last=True), "-id"]
    return ["-published", "-id"]  # SQLite's DESC already puts NULLs last


# The list's 50 rows and their counts in one statement. Written out rather than built with
# the ORM: compiling the annotated queryset and making 50 model instances cost 4.7 ms of CPU a
# page on 100,000 articles, the statement itself 0.5 ms. Visible quotes only; a link counts
# unless rejected or its other article is in the bin (the reader does not list those either);
# a quote is labelled when anyone labelled it in any set.
PAGE_ROWS_SQL = """
SELECT a.id, a.title, a.title_derived, a.published, a.published_has_time, o.name,
  (SELECT COUNT(*) FROM articles_quote q WHERE q.article_id = a.id AND q.deleted_at IS NULL),
  (SELECT COUNT(*) FROM articles_quote q WHERE q.article_id = a.id AND q.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM articles_stanceannotation s WHERE s.quote_id = q.id)),
  (SELECT COUNT(*) FROM articles_coveragelink l
     JOIN articles_article other ON other.id = CASE WHEN l.article_a_id = a.id
       THEN l.article_b_id ELSE l.article_a_id END
     WHERE (l.article_a_id = a.id OR l.article_b_id = a.id) AND l.status <> %s
       AND other.deleted_at IS NULL)
FROM articles_article a LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE a.id {ids}
"""
# On PostgreSQL the ids go as one array in text: the statement then has the same text and
# parameter types on every page, so psycopg prepares it at its 5th use on a connection and
# PostgreSQL stops planning it per request. With an IN list of ints, psycopg sent each id as
# int2, int4 or int8 by its size: a new signature on nearly every page, never prepared, and
# planning took longer than running it (5.2 ms against 2.2 ms under load).
PG_IDS = "= ANY(CAST(%s AS bigint[]))"


@dataclass
class ListRow:
    """One article as the list shows it."""

    pk: int
    title: str
    title_derived: bool
    published: dt.datetime | None
    published_has_time: bool
    outlet_name: str | None
    quote_count: int
    labelled_count: int
    coverage_count: int
    snippet: str = ""

    published_display = Article.published_display

    def get_absolute_url(self):
        return reader_url(self.pk)


def reader_url(pk: int) -> str:
    return url_for("articles-reader", pk)


def page_rows(ids):
    """The page's articles with their counts, in the order of `ids`: one query, no bodies."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        sql = PAGE_ROWS_SQL.format(ids=PG_IDS)
        params = [CoverageLink.REJECTED, "{" + ",".join(str(int(pk)) for pk in ids) + "}"]
    else:
        sql = PAGE_ROWS_SQL.format(ids=f"IN ({placeholders(len(ids))})")
        params = [CoverageLink.REJECTED, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {
            row[0]: ListRow(*row[:2], bool(row[2]), row[3], bool(row[4]), *row[5:])
            for row in cursor.fetchall()
        }
    return [found[pk] for pk in ids if pk in found]


def rows_html(rows) -> SafeString:
    """The table rows, made here: the template's lookups in 50 rows were most of the page's
    rendering time, and format_html per cell half of what was left. Every text from the
    database goes through escape() (the same html.escape that Django's escape uses); snippets
    are already-escaped HTML (search.highlight), numbers are ints."""
    out = []
    for row in rows:
        title = escape(row.title)
        snippet = f'\n    <p class="snippet">{row.snippet}</p>' if row.snippet else ""
        out.append(
            f'<tr>\n  <td><input type="checkbox" name="articles" value="{int(row.pk)}"'
            f' aria-label="Compare “{title}”"></td>\n'
            f'  <td class="date">{escape(row.published_display or "—")}</td>\n'
            f"  <td>{escape(row.outlet_name or '—')}</td>\n"
            f'  <td><a href="{escape(row.get_absolute_url())}">{title}</a>'
            f"{DERIVED_BADGE if row.title_derived else ''}{snippet}</td>\n"
            f'  <td class="num">{int(row.quote_count)}</td>\n'
            f'  <td class="num">{int(row.labelled_count)}</td>\n'
            f'  <td class="num">{int(row.coverage_count)}</td>\n</tr>'
        )
    return mark_safe("\n".join(out))  # every part escaped above


DERIVED_BADGE = mark_safe(' <span class="badge" title="The file had no title">derived title</span>')


@dataclass
class Page:
    number: int
    num_pages: int | None  # None: not counted to the end (more than `count` articles)
    count: int
    rows: list
    more: bool = False  # more articles follow this page than `count` says

    @property
    def rows_html(self):
        return rows_html(self.rows)

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.more if self.num_pages is None else self.number < self.num_pages

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def start_index(self):
        return (self.number - 1) * PAGE_SIZE + 1 if self.count else 0

    @property
    def end_index(self):
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


@require_GET
@vary_on_headers("HX-Request")
def article_list(request):
    f = ListFilters.from_query(request.GET)
    parsed = search.parse_query(f.q)
    # Every version the results are made from: the ids, their counts (quotes, labels, links).
    versions = None if f.story else caching.list_versions()
    context = {"filters": f, "searching": bool(parsed.include), "sorts": SORTS}
    # The results as shown, kept per process: the same query string under the same versions
    # shows the same section (its page links repeat the query string), whoever asks.
    key = (versions, "results", request.META.get("QUERY_STRING", ""))
    shown = caching.RESULTS.get(key) if versions else None
    if shown is None:
        page = list_page(f, parsed, versions)
        html = render_to_string("articles/list.html#results", {**context, "page": page}, request)
        shown = (page, html)
        if versions:
            caching.RESULTS.put(key, shown, size=len(html))
    context["page"], context["results"] = shown
    if request.htmx and not request.htmx.history_restore_request:
        return HttpResponse(context["results"])
    context["filter_form"] = filter_form(request, context, versions[0] if versions else None)
    return render(request, "articles/list.html", context)


def filter_form(request, context: dict, version: int | None) -> SafeString:
    """The search and filter form as the query string fills it in, kept per process under the
    articles version (its outlets; nothing else in it comes from the database)."""

    def make():
        options = outlet_options(context["filters"].outlet, version)
        return render_to_string(
            "articles/list.html#filters", {**context, "outlet_options": options}, request
        )

    key = ("form", request.META.get("QUERY_STRING", ""))
    return caching.remembered(caching.RESULTS, version, key, make, size=len)


def list_page(f: ListFilters, parsed: search.ParsedQuery, versions: tuple | None) -> Page:
    """The page the filters ask for, with its rows and counts."""
    version = id_version(f, versions)
    key = list_key(f, parsed)
    # Built only when the ids are not kept: the speaker filter reads its speakers and their
    # articles while building.
    articles = cache(lambda: filtered_articles(f, parsed))
    if (f.story or f.unlabelled) and not (parsed or f.speaker):
        # Counted only up to COUNT_CAP: "has unlabelled quotes" holds for 99% of the corpus,
        # and counting all of it took 0.45 s on every page (0.09 s up to 10,000). The first
        # COUNT_CAP + 1 ids are kept (unless by story); pages past them are read as asked.
        head = caching.remembered(
            caching.ID_LISTS,
            version,
            (*key, "head"),
            lambda: array("q", articles().values_list("pk", flat=True)[: COUNT_CAP + 1]),
            size=len,
        )
        more = len(head) > COUNT_CAP
        count = min(len(head), COUNT_CAP)
        num_pages = None if more else max(1, ceil(count / PAGE_SIZE))
        number = f.page if more else min(f.page, num_pages)
        offset = (number - 1) * PAGE_SIZE
        if not more or offset + PAGE_SIZE < len(head):
            ids = list(head[offset : offset + PAGE_SIZE])
        else:
            # One more than a page: with an uncounted total, it tells whether there is a next.
            ids = list(articles().values_list("pk", flat=True)[offset : offset + PAGE_SIZE + 1])
            more = len(ids) > PAGE_SIZE
            ids = ids[:PAGE_SIZE]
    else:
        # Every matching id in order, once: the count and any page (the 1,800th as cheaply as
        # the first) come from it, kept per process until what it depends on changes. A search
        # reads them all anyway to count; without a LIMIT, PostgreSQL also stops walking the
        # date index with the full-text test on every row (1.4 s for a word in 3% of
        # articles). A speaker's articles are few, and listed already.
        every_id = caching.remembered(
            caching.ID_LISTS,
            version,
            key,
            lambda: array("q", articles().values_list("pk", flat=True)),
            size=len,
        )
        more = False
        count = len(every_id)
        num_pages = max(1, ceil(count / PAGE_SIZE))
        number = min(f.page, num_pages)
        offset = (number - 1) * PAGE_SIZE
        ids = list(every_id[offset : offset + PAGE_SIZE])
    rows = page_rows(ids)
    snippets = page_snippets(parsed, ids, versions[0] if versions else None)
    for row in rows:
        row.snippet = snippets.get(row.pk)
    return Page(number=number, num_pages=num_pages, count=count, rows=rows, more=more)


def outlet_options(selected: int | None, version: int | None) -> SafeString:
    """The outlet filter's <option>s, made here like the rows: the template's loop over the
    outlets was a quarter of the list page's rendering. The outlets are remembered under the
    articles version, which every change of an outlet moves on (articles.caching). Names are
    escaped; ids are ints."""
    outlets = caching.remembered(
        caching.OUTLETS,
        version,
        ("outlets",),
        lambda: list(Outlet.objects.order_by("name").values_list("pk", "name")[:500]),
    )
    out = []
    for pk, name in outlets:
        chosen = " selected" if pk == selected else ""
        out.append(f'<option value="{int(pk)}"{chosen}>{escape(name)}</option>')
    return mark_safe("".join(out))  # every name escaped above


@require_GET
def article_reader(request, pk):
    article = reader_article(pk)
    every_quote = reader_quotes(pk)
    quotes = [quote for quote in every_quote if not quote.deleted]
    speakers = Counter()
    names = {}
    for quote in quotes:
        quote.colour = (quote.speaker_id or 0) % SPEAKER_COLOURS
        speakers[quote.speaker_id] += 1
        names[quote.speaker_id] = quote.speaker
    speaker_list = [
        {
            "speaker": names[sid],
            "count": n,
            "colour": (sid or 0) % SPEAKER_COLOURS,
        }
        for sid, n in sorted(
            speakers.items(), key=lambda item: (-item[1], names[item[0]] is None, item[0] or 0)
        )
    ]
    return render(
        request,
        "articles/reader.html",
        {
            "article": article,
            "quotes": quotes,
            "deleted_quotes": [quote for quote in every_quote if quote.deleted],
            "body_html": body_html(article.body, quotes),
            "speakers": speaker_list,
            "coverage": coverage_rows(article.pk),
            "list_url": reverse("articles-list"),  # once, not once per speaker
        },
    )


# The reader's article, its quotes and its coverage in three written-out statements: compiling
# the querysets (their joins, deferred columns and annotation) cost 1.9 ms of CPU a page, five
# times running them.
#
# The article with its outlet's name, its story's title, and the 'labels' version the
# annotation panel keeps its label sets under (articles.caching); not its raw text.
READER_ARTICLE_SQL = f"""
SELECT a.id, a.title, a.title_derived, a.published, a.published_has_time, a.language, a.url,
  a.body, a.outlet_id, o.name AS outlet_name, a.story_id, s.title AS story_title,
  ({caching.LABELS_VERSION_SQL}) AS labels_version
FROM articles_article a
LEFT JOIN articles_outlet o ON o.id = a.outlet_id
LEFT JOIN articles_story s ON s.id = a.story_id
WHERE a.id = %s AND a.deleted_at IS NULL
"""


def reader_article(pk: int) -> Article:
    """The article in the bin or missing is a 404."""
    article = next(iter(Article.objects.raw(READER_ARTICLE_SQL, [pk])), None)
    if article is None:
        raise Http404("No such article.")
    # Its outlet and story as the template names them, from the joined columns.
    outlet, story = article.outlet_id, article.story_id
    article.outlet = Outlet(pk=outlet, name=article.outlet_name) if outlet else None
    article.story = Story(pk=story, title=article.story_title or "") if story else None
    return article


# Every quote of the article, the deleted ones too (the panel lists them to be restored).
READER_QUOTES_SQL = """
SELECT q.id, q.start, q."end", q.text, q.cue, q.deleted_at IS NOT NULL, q.speaker_id, sp.name
FROM articles_quote q LEFT JOIN articles_speaker sp ON sp.id = q.speaker_id
WHERE q.article_id = %s
ORDER BY q.start, q.id
"""


@dataclass(eq=False)
class QuoteRow:
    """A quote as the reader shows it; the annotation panel adds its labels and claims."""

    pk: int
    start: int
    end: int
    text: str
    cue: str
    deleted: bool
    speaker: SpeakerRow | None
    colour: int = 0

    @property
    def speaker_id(self):
        return self.speaker.pk if self.speaker else None


def reader_quotes(pk: int) -> list[QuoteRow]:
    with connection.cursor() as cursor:
        cursor.execute(READER_QUOTES_SQL, [pk])
        return [
            QuoteRow(qid, start, end, text, cue, bool(deleted),
                     SpeakerRow(speaker_id, name) if speaker_id else None)
            for qid, start, end, text, cue, deleted, speaker_id, name in cursor.fetchall()
        ]  # fmt: skip


# The other articles linked to it. A link counts unless rejected or its other article is in the bin, as in
# the list's counts (PAGE_ROWS_SQL); those are left out before the limit, not after it.
COVERAGE_SQL = """
SELECT other.id, other.title, o.name, l.relation, l.status, l.score
FROM articles_coveragelink l
JOIN articles_article other ON other.id = CASE WHEN l.article_a_id = %s
  THEN l.article_b_id ELSE l.article_a_id END
LEFT JOIN articles_outlet o ON o.id = other.outlet_id
WHERE (l.article_a_id = %s OR l.article_b_id = %s) AND l.status <> %s
  AND other.deleted_at IS NULL
ORDER BY l.status, l.score DESC, l.id
LIMIT 100
"""


@dataclass
class CoverageRow:
    """Another article linked to the one being read, and how."""

    article_id: int
    title: str
    outlet_name: str | None
    relation: str
    status: str
    score: float

    def get_absolute_url(self):
        return reader_url(self.article_id)


def coverage_rows(pk: int) -> list[CoverageRow]:
    with connection.cursor() as cursor:
        cursor.execute(COVERAGE_SQL, [pk, pk, pk, CoverageLink.REJECTED])
        return [CoverageRow(*row) for row in cursor.fetchall()]


def body_html(body: str, quotes: list) -> SafeString:
    """The body as paragraphs with its quotes marked in their speaker's colour, made here like
    the compare page's texts: the template's loop over every run was a fifth of the reader's
    rendering time. Every piece of text goes through escape()."""
    paragraphs = []
    for runs in paragraphs_with_marks(body, [(q.start, q.end) for q in quotes]):
        parts = []
        for run in runs:
            if run.mark is None:
                parts.append(escape(run.text))
                continue
            quote = quotes[run.mark]
            speaker = (quote.speaker.name if quote.speaker_id else "") or "unknown speaker"
            parts.append(
                f'<mark class="quote spk-{int(quote.colour)}" id="q{int(quote.pk)}" tabindex="-1"'
                f' data-quote="{int(quote.pk)}" title="{escape(speaker)}">{escape(run.text)}</mark>'
            )
        paragraphs.append("<p>" + "".join(parts) + "</p>")
    return mark_safe("\n".join(paragraphs))  # every part escaped above


@require_GET
def article_raw(request, pk):
    """The file as imported, always as plain text: imported text is never served as HTML."""
    article = get_object_or_404(Article.objects.visible(), pk=pk)
    response = HttpResponse(article.raw_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def hello(request):
    """A bare view for the page benchmark's baseline; exists only when NEWSDESK_BENCH=1."""
    if os.environ.get("NEWSDESK_BENCH") != "1":
        raise Http404
    return HttpResponse("hello")
