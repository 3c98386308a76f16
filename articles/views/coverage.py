"""Coverage review: the queue of suggested links, decisions on them, and the story pages."""

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from html import escape

from django.db import connection
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import coverage, queue_tally
from ..models import Article, CoverageLink, Outlet, Story
from ..plain_sql import json_value, placeholders
from ..roles import can_annotate, can_edit_corpus, require_annotator, require_editor
from .reading import reader_url
from .url_patterns import url_for

QUEUE_SIZE = 20
# What a reviewer may set from the queue; a confirmed link is undone by an editor's split.
DECISIONS = {"confirm": CoverageLink.CONFIRMED, "reject": CoverageLink.REJECTED}
RELATIONS = {value for value, _ in CoverageLink.RELATION_CHOICES}


# The queue's statements written out: compiling the querysets (both articles of each link with
# their outlets, big columns deferred, the bin left out twice, and the count) cost more CPU than
# running them. The bin is left out with NOT IN over its small partial index (article_in_bin):
# joining both articles of every link to check them read every article to count the queue.
# The same test as the tally of suggestions left counts with (queue_tally.NOT_BINNED).
NOT_BINNED = queue_tally.NOT_BINNED.format(l="l")

# What a card shows of a link and its two articles, with their outlets.
CARD_SQL = """
SELECT l.id, l.relation, l.status, l.score, l.evidence,
  a.id, a.title, a.published, a.published_has_time, oa.name,
  b.id, b.title, b.published, b.published_has_time, ob.name{extra}
FROM articles_coveragelink l
JOIN articles_article a ON a.id = l.article_a_id
LEFT JOIN articles_outlet oa ON oa.id = a.outlet_id
JOIN articles_article b ON b.id = l.article_b_id
LEFT JOIN articles_outlet ob ON ob.id = b.outlet_id
"""

# The best suggestions, with how many there are in all (the tally's sum, and its rows: see
# queue_tally) on every row: uncorrelated subqueries run once. No row means no suggestion.
QUEUE_SQL = (
    CARD_SQL.format(
        extra=f",\n  (SELECT COALESCE(SUM(delta), 0) FROM {queue_tally.TABLE}),"
        f" (SELECT COUNT(*) FROM {queue_tally.TABLE})"
    )
    + f"""WHERE l.status = %s AND {NOT_BINNED}
ORDER BY l.score DESC, l.id
LIMIT %s
"""
)

# One link's card, while it is still in the queue: what a relation change or an undo answers.
ONE_CARD_SQL = CARD_SQL.format(extra="") + f"WHERE l.id = %s AND l.status = %s AND {NOT_BINNED}"

LATEST_STORIES_SQL = "SELECT id, title FROM articles_story ORDER BY id DESC LIMIT 5"


@dataclass(frozen=True)
class Side:
    """One article of a card, as the card shows it."""

    pk: int
    title: str
    outlet: str
    published: str


@dataclass(frozen=True)
class Card:
    """A suggested link as the queue shows it."""

    pk: int
    relation: str
    status: str
    score: float
    evidence: str | dict  # as stored: JSON text from a plain cursor
    article_a: Side
    article_b: Side


@dataclass(frozen=True)
class StoryRow:
    pk: int
    title: str

    def __str__(self):
        return self.title or f"Story {self.pk}"  # as Story.__str__


def _published(when, has_time) -> str:
    # As Article.published_display; SQLite gives the stored UTC time naive, PostgreSQL aware UTC.
    if when is None:
        return ""
    return when.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")


def _evidence(value) -> dict:
    # A card shows only an object's keys.
    value = json_value(value)
    return value if isinstance(value, dict) else {}


def _card(row) -> Card:
    (pk, relation, status, score, evidence,
     a, a_title, a_when, a_has_time, a_outlet,
     b, b_title, b_when, b_has_time, b_outlet) = row[:15]  # fmt: skip
    return Card(
        pk, relation, status, score, evidence,
        Side(a, a_title, a_outlet or "", _published(a_when, a_has_time)),
        Side(b, b_title, b_outlet or "", _published(b_when, b_has_time)),
    )  # fmt: skip


def queue_cards(limit: int | None = None) -> tuple[list[Card], int]:
    """The best `limit` (QUEUE_SIZE) suggestions not touching the bin, and how many there are
    in all."""
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_SQL, [CoverageLink.SUGGESTED, limit or QUEUE_SIZE])
        rows = cursor.fetchall()
    if not rows:
        return [], 0
    remaining, tally_rows = rows[0][-2:]
    if tally_rows > queue_tally.FOLD_AT:
        queue_tally.fold()
    return [_card(row) for row in rows], int(remaining)


def queue_card(pk: int) -> Card | None:
    """The link's card if it is in the queue (suggested, not touching the bin), else None."""
    with connection.cursor() as cursor:
        cursor.execute(ONE_CARD_SQL, [pk, CoverageLink.SUGGESTED])
        row = cursor.fetchone()
    return None if row is None else _card(row)


def latest_stories() -> list[StoryRow]:
    with connection.cursor() as cursor:
        cursor.execute(LATEST_STORIES_SQL)
        return [StoryRow(pk, title) for pk, title in cursor.fetchall()]


def can_undo(user) -> bool:
    """Whether the reviewer has a decision left to undo."""
    return coverage.last_decision_id(user) is not None


def _queue_context(request):
    """The queue's context: its cards, the bar above them and the latest stories."""
    cards, remaining = queue_cards()
    can_review = can_annotate(request.user)
    # One CSRF token for the cards, the undo form and the page's hx-headers: each new one
    # costs a masking.
    token = get_token(request)
    return {
        "csrf_token": token,
        "links": cards,
        "cards": cards_html(cards, can_review, token if can_review else ""),
        "remaining": remaining,
        "can_review": can_review,
        "can_undo": can_review and can_undo(request.user),
        "stories": latest_stories(),
        "message": "",
    }


def _side_html(side: Side, title_id: str) -> str:
    return (
        '<div class="side">\n'
        f'<h2 class="side-title" id="{title_id}"><a href="{escape(reader_url(side.pk))}">'
        f"{escape(side.title)}</a></h2>\n"
        f'<p class="meta">{escape(side.outlet or "no outlet")} · '
        f"{escape(side.published or 'no date')}</p>\n"
        "</div>"
    )


def _nth(pair, n) -> str:
    # As the template read pair.0 and pair.1: a short pair shows nothing, not an error.
    try:
        return escape(str(pair[n]))
    except (IndexError, KeyError, TypeError):
        return ""


def _two_places(value) -> str:
    """floatformat(value, 2) for the numbers cards show, without its cost (a tenth of the
    cards' time): the float's shortest decimal rounded half up, as floatformat does."""
    if type(value) is not float or not 0 <= value < 1000:  # no sign, no thousands
        return floatformat(value, 2)
    return str(Decimal(repr(value + 0.0)).quantize(HUNDREDTHS, ROUND_HALF_UP))  # -0.0 + 0.0 = 0.0


HUNDREDTHS = Decimal("0.01")


def _relation_buttons(current: str) -> str:
    return "\n".join(
        f'<button type="submit" name="relation" value="{escape(value)}" data-key="{k}"'
        + (' aria-pressed="true"' if value == current else "")
        + f">{escape(label)} <kbd>{k}</kbd></button>"
        for k, (value, label) in enumerate(CoverageLink.RELATION_CHOICES, start=1)
    )


# The relation buttons depend only on the link's relation: made once per relation.
RELATION_BUTTONS = {value: _relation_buttons(value) for value, _ in CoverageLink.RELATION_CHOICES}


def _evidence_html(evidence: dict) -> tuple[str, str]:
    """What a link's evidence adds to its card: to the head (days apart, text overlap) and to
    the body (names in common, passages both tell, the linker's reason), every text escaped."""
    head = []
    days = evidence.get("days_apart")
    if days is not None:
        plural = "" if days == 1 else "s"
        head.append(f'<span class="days">{escape(str(days))} day{plural} apart</span>')
    if evidence.get("text_similarity"):
        overlap = _two_places(evidence["text_similarity"])
        head.append(f'<span class="textsim">text overlap {escape(str(overlap))}</span>')
    body = []
    if evidence.get("shared_names"):
        names = ", ".join(escape(str(name)) for name in evidence["shared_names"])
        body.append(f'<p class="shared-names"><strong>Names in common:</strong> {names}</p>')
    if evidence.get("shared_passages"):
        rows = "\n".join(
            f"<tr><td>{_nth(pair, 0)}</td><td>{_nth(pair, 1)}</td></tr>"
            for pair in evidence["shared_passages"]
        )
        body.append(
            '<table class="passages">\n<caption>Passages both tell</caption>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>"
        )
    if evidence.get("reason"):
        body.append(f'<p class="reason">{escape(str(evidence["reason"]))}</p>')
    body.extend(_group_html(evidence))
    return "".join("\n" + part for part in head), "".join("\n" + part for part in body)


def _group_html(evidence: dict) -> list[str]:
    """Why the groups of stories changed what the pair's own score said (articles.coverage
    stores it only on the links whose relation the groups decided), every text escaped."""
    parts = []
    own = evidence.get("pair_relation")
    score = _two_places(evidence.get("score"))
    alone = f"on their own, {escape(str(own))} (score {score})" if own else f"own score {score}"
    group = evidence.get("group")
    if isinstance(group, dict):
        parts.append(
            f'<p class="group"><strong>Grouped:</strong> both are in a group of '
            f"{escape(str(group.get('articles')))} reports that holds together at a mean score "
            f"of {_two_places(group.get('level'))}; {alone}.</p>"
        )
    apart = evidence.get("held_apart")
    if isinstance(apart, dict):
        sizes = " and ".join(escape(str(n)) for n in apart.get("articles") or ())
        names = ", ".join(escape(str(name)) for name in apart.get("participants") or ())
        why = (
            f"each group keeps naming someone the other hardly mentions ({names})"
            if names
            else f"their groups ({sizes} reports) score {_two_places(apart.get('level'))} on average"
        )
        parts.append(f'<p class="held-apart"><strong>Held apart:</strong> {why}; {alone}.</p>')
    ungrouped = evidence.get("ungrouped")
    if isinstance(ungrouped, dict):
        parts.append(
            '<p class="ungrouped"><strong>Judged on its own:</strong> the links around it reach '
            f"more than {escape(str(ungrouped.get('over')))} articles, too many to regroup on "
            "import; the next rebuild groups them.</p>"
        )
    return parts


@lru_cache(maxsize=1024)
def _stored_evidence_html(evidence: str) -> tuple[str, str]:
    # Keyed by the stored JSON text itself, so a link whose evidence is rewritten misses it:
    # nothing to invalidate. Most of a card's cost is here (its passages), and the same best
    # links are shown to every reviewer until decided.
    return _evidence_html(_evidence(evidence))


def _card_evidence_html(evidence) -> tuple[str, str]:
    if isinstance(evidence, str):
        return _stored_evidence_html(evidence)
    return _evidence_html(_evidence(evidence))


# Where a card's markup takes the request's CSRF input: a comment, which no escaped text can make
# (escape() turns "<" into "&lt;").
CSRF_SLOT = "<!--csrf-->"


def _card_markup(link: Card, can_review: bool) -> str:
    """A card's HTML with CSRF_SLOT still to fill in. A card is named by its two titles, not by
    its place in the queue: decisions take cards out and undo puts them back without
    re-rendering the others."""
    head, body = _card_evidence_html(link.evidence)
    pk = int(link.pk)
    parts = [
        f'<article class="link-card" id="link-{pk}" data-link="{pk}" tabindex="-1"'
        f' aria-labelledby="link-{pk}-a link-{pk}-b">',
        '<header class="link-head"><span class="score" title="How sure the linker is">'
        f"score {_two_places(link.score)}</span>\n"
        f'<span class="relation badge">{escape(link.relation)}</span>{head}</header>',
        '<div class="side-by-side">\n'
        + _side_html(link.article_a, f"link-{pk}-a")
        + "\n"
        + _side_html(link.article_b, f"link-{pk}-b")
        + f"\n</div>{body}",
    ]
    if can_review:
        url = escape(url_for("articles-coverage-decide", link.pk))
        # The answer is this card as it now is, or nothing when the decision took it out of
        # the queue; the queue's bar comes with it out of band.
        form = (
            f'method="post" action="{url}" hx-post="{url}" hx-target="#link-{pk}"'
            ' hx-swap="outerHTML"'
        )
        expected = f'<input type="hidden" name="expected" value="{escape(link.status)}">'
        buttons = RELATION_BUTTONS.get(link.relation) or _relation_buttons(link.relation)
        parts.append(
            '<div class="link-actions">\n'
            f"<form {form}>\n{CSRF_SLOT}\n{expected}\n"
            '<button type="submit" name="action" value="confirm" class="confirm"'
            ' data-key="c">Confirm <kbd>c</kbd></button>\n'
            '<button type="submit" name="action" value="reject" class="reject"'
            ' data-key="x">Reject <kbd>x</kbd></button>\n'
            '<button type="button" class="skip" data-key="s">Skip <kbd>s</kbd></button>\n'
            "</form>\n"
            f'<form class="relations" {form}>\n'
            f'{CSRF_SLOT}\n{expected}\n<input type="hidden" name="action" value="relation">\n'
            f"<span>Relation:</span>\n{buttons}\n</form>\n</div>"
        )
    parts.append("</article>")
    return "\n".join(parts)


@lru_cache(maxsize=1024)
def _stored_card_markup(link: Card, can_review: bool) -> str:
    # Keyed by everything the card shows (a Card is its row as read), so a link decided,
    # re-scored or re-titled is another key: nothing to invalidate. The same best cards are
    # shown to every reviewer, and again after each decision, until decided.
    return _card_markup(link, can_review)


def cards_html(cards: list[Card], can_review: bool, csrf_token: str) -> SafeString:
    """The queue's cards, made here: twenty cards of evidence and forms were two thirds of the
    queue's rendering time in the template engine. Every text from the database or from a
    link's evidence goes through escape(); the markup is the one coverage.js acts on."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    html = []
    for link in cards:
        try:
            markup = _stored_card_markup(link, can_review)
        except TypeError:  # evidence that is not text (unhashable): made afresh
            markup = _card_markup(link, can_review)
        html.append(markup.replace(CSRF_SLOT, csrf))
    return mark_safe("\n".join(html))  # every part escaped in _card_markup


STATUS_PARTIAL = "articles/coverage/queue.html#status"
STORIES_PARTIAL = "articles/coverage/queue.html#stories"


def _answer(
    request,
    message="",
    status=200,
    *,
    card=None,
    keep=False,
    undoable=None,
    stories=False,
    restored=None,
):
    """What a decision or an undo answers. To htmx, only what changed: the whole queue again
    (20 cards, some 75 kB) made a decision and its undo cost three queues. That is `card`, the
    card as it now is (None: the decided card leaves; `keep`: it stays as shown), the queue's
    bar out of band (message, count, undo button: `undoable` when the caller knows it), and
    the latest stories out of band when a story was made or unmade. `restored` names the card
    an undo put back, for coverage.js to select. A plain form post gets the queue page again,
    or the refusal as text."""
    if not request.htmx:
        if status != 200:
            return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        return redirect("articles-coverage")
    can_review = can_annotate(request.user)
    if can_review and undoable is None:
        undoable = can_undo(request.user)
    token = get_token(request)
    context = {
        "oob": True,
        "csrf_token": token,
        "message": message,
        "remaining": queue_tally.suggestions_left(),
        "can_review": can_review,
        "can_undo": can_review and undoable,
    }
    parts = [cards_html([card], can_review, token)] if card is not None else []
    parts.append(render_to_string(STATUS_PARTIAL, context))
    if stories:
        parts.append(render_to_string(STORIES_PARTIAL, {"oob": True, "stories": latest_stories()}))
    response = HttpResponse("\n".join(parts), status=status)
    if keep:
        response["HX-Reswap"] = "none"  # the out-of-band bar is still swapped
    if restored is not None:
        response["HX-Trigger-After-Settle"] = json.dumps({"coverage:restored": {"link": restored}})
    return response


@require_GET
@vary_on_headers("HX-Request")
def queue(request):
    template = (
        "articles/coverage/queue.html#queue" if request.htmx else "articles/coverage/queue.html"
    )
    return render(request, template, _queue_context(request))


@dataclass(frozen=True)
class LinkState:
    pk: int
    status: str
    article_a_id: int


REVIEWABLE_LINK_SQL = f"""
SELECT l.id, l.status, l.article_a_id FROM articles_coveragelink l
WHERE l.id = %s AND {NOT_BINNED}
"""


def _reviewable_link(pk: int) -> LinkState:
    """The link as the reviewer may decide it; one touching the bin is a 404, as a missing one."""
    with connection.cursor() as cursor:
        cursor.execute(REVIEWABLE_LINK_SQL, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such link.")
    return LinkState(*row)


@require_POST
def decide(request, pk):
    require_annotator(request.user)
    link = _reviewable_link(pk)
    action = request.POST.get("action", "")
    relation = request.POST.get("relation") or None
    expected = request.POST.get("expected", "")
    if relation is not None and relation not in RELATIONS:
        return _answer(request, "Unknown relation.", status=400, keep=True)
    if action == "relation":
        if relation is None:
            return _answer(request, "Choose a relation.", status=400, keep=True)
        status = link.status
    elif action in DECISIONS:
        status = DECISIONS[action]
    else:
        return _answer(request, "Unknown decision.", status=400, keep=True)
    # A reviewer who saw the link as suggested, while another confirmed it meanwhile, made a
    # stale decision (409: the card leaves the queue, with why), not an attempt to split a
    # story (403). coverage.decide checks again under the row lock; this only picks the answer.
    if expected and link.status != expected:
        return _stale(request, f"this link is already {link.status}", link.status)
    # Taking a link out of a story splits the story: that is an editor's call.
    if link.status == CoverageLink.CONFIRMED and status != CoverageLink.CONFIRMED:
        require_editor(request.user)
    try:
        coverage.decide(request.user, link.pk, status, relation, expected=expected)
    except coverage.StaleDecision as exc:
        # Changed under the lock: no longer `expected`, so no longer what the card showed.
        return _stale(request, str(exc), "")
    if request.POST.get("next") == "story":
        # The story the decision left the first article in (a split may have made a new one).
        story = Article.objects.filter(pk=link.article_a_id).values_list("story_id", flat=True)
        story_id = story.first()
        if story_id:
            return redirect("articles-story", story_id)
    # A relation change leaves the link in the queue: its card comes back with the new one.
    card = queue_card(link.pk) if status == CoverageLink.SUGGESTED and request.htmx else None
    stories = CoverageLink.CONFIRMED in (link.status, status)  # a story made or unmade
    return _answer(request, card=card, undoable=True, stories=stories)


def _stale(request, reason: str, status: str):
    """409: another reviewer decided the link first. Its card leaves the queue unless the link
    is (again) a suggestion."""
    message = f"Not saved: {reason}. Another reviewer decided it first."
    return _answer(request, message, 409, keep=status == CoverageLink.SUGGESTED)


@require_POST
def undo(request):
    require_annotator(request.user)
    try:
        undone = coverage.undo_last_decision(request.user)
    except coverage.StaleDecision as exc:
        return _answer(request, f"Cannot undo: {exc}.", status=409, keep=True)
    if undone is None:
        return _answer(request, "Nothing to undo.", status=400, keep=True, undoable=False)
    # The link back in the queue comes first, for the reviewer to decide again.
    card = queue_card(undone.link.pk) if request.htmx else None
    return _answer(
        request,
        "Your last decision was undone.",
        card=card,
        keep=card is None,
        undoable=undone.more,
        stories=CoverageLink.CONFIRMED in (undone.was, undone.link.status),
        restored=None if card is None else card.pk,
    )


# The story page's statements written out, with only the columns it shows: the querysets
# loaded every article's body and raw text (twice per link) and cost more to compile than to run.
STORY_SQL = "SELECT id, title FROM articles_story WHERE id = %s"

# Its visible articles, first report first (undated last), with their outlets' names.
STORY_ARTICLES_SQL = """
SELECT a.id, a.title, a.published, a.published_has_time, a.outlet_id, o.name AS outlet_name
FROM articles_article a LEFT JOIN articles_outlet o ON o.id = a.outlet_id
WHERE a.story_id = %s AND a.deleted_at IS NULL
ORDER BY a.published ASC NULLS LAST, o.name, a.id
"""

# The links between two of those articles, best first, whatever their status (a story's
# articles have few): filtering on status here led SQLite, which keeps no statistics, to walk
# every confirmed link of the corpus through the queue's index instead of looking up the pairs.
STORY_LINKS_SQL = """
SELECT l.id, l.relation, l.status, l.score, l.article_a_id, l.article_b_id
FROM articles_coveragelink l
WHERE l.article_a_id IN ({ids}) AND l.article_b_id IN ({ids})
ORDER BY l.score DESC, l.id
"""

OTHER_STORIES_SQL = "SELECT id, title FROM articles_story WHERE id <> %s ORDER BY id DESC LIMIT 50"


@dataclass(frozen=True)
class StoryLink:
    """A confirmed link as the story page lists it."""

    pk: int
    relation: str
    status: str
    score: float
    title_a: str
    title_b: str


def _story_articles(story_id: int) -> list[Article]:
    articles = list(Article.objects.raw(STORY_ARTICLES_SQL, [story_id]))
    for article in articles:
        if article.outlet_id:
            article.outlet = Outlet(pk=article.outlet_id, name=article.outlet_name)
    return articles


def _story_links(articles: list[Article]) -> list[StoryLink]:
    """The confirmed links between the story's articles, with their two titles."""
    titles = {article.pk: article.title for article in articles}
    if not titles:
        return []
    ids = placeholders(len(titles))
    with connection.cursor() as cursor:
        cursor.execute(STORY_LINKS_SQL.format(ids=ids), [*titles, *titles])
        rows = cursor.fetchall()
    return [
        StoryLink(pk, relation, status, score, titles[a], titles[b])
        for pk, relation, status, score, a, b in rows
        if status == CoverageLink.CONFIRMED
    ]


def _stories(sql: str, pk: int) -> list[StoryRow]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return [StoryRow(*row) for row in cursor.fetchall()]


@require_GET
def story_detail(request, pk):
    story = next(iter(_stories(STORY_SQL, pk)), None)
    if story is None:
        raise Http404("No such story.")
    articles = _story_articles(story.pk)
    can_edit = can_edit_corpus(request.user)
    return render(
        request,
        "articles/coverage/story.html",
        {
            "story": story,
            "articles": articles,
            "links": _story_links(articles),
            "compare_ids": ",".join(str(a.pk) for a in articles[:4]),
            "can_edit": can_edit,
            "other_stories": _stories(OTHER_STORIES_SQL, story.pk) if can_edit else [],
        },
    )


@require_POST
def story_remove(request, pk, article_id):
    require_editor(request.user)
    story = get_object_or_404(Story, pk=pk)
    get_object_or_404(Article.objects.visible(), pk=article_id, story=story)
    coverage.remove_from_story(request.user, story, article_id)
    if Story.objects.filter(pk=pk).exists():
        return redirect("articles-story", pk)
    return redirect("articles-coverage")


@require_POST
def story_merge(request, pk):
    require_editor(request.user)
    story = get_object_or_404(Story, pk=pk)
    try:
        other_id = int(request.POST.get("other", ""))
    except ValueError:
        return HttpResponse("Choose a story to merge.", status=400, content_type="text/plain")
    other = get_object_or_404(Story, pk=other_id)
    if other.pk == story.pk:
        return HttpResponse(
            "A story cannot merge with itself.", status=400, content_type="text/plain"
        )
    try:
        link = coverage.merge_stories(request.user, story, other)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return redirect("articles-story", Article.objects.get(pk=link.article_a_id).story_id)
