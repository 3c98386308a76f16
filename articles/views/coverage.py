"""Coverage review: the queue of suggested links, decisions on them, and the story pages."""

from html import escape

from django.db.models import F
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import coverage
from ..models import Article, CoverageLink, Story
from ..roles import can_annotate, can_edit_corpus, require_annotator, require_editor
from .reading import reader_url

QUEUE_SIZE = 20
# What a reviewer may set from the queue; a confirmed link is undone by an editor's split.
DECISIONS = {"confirm": CoverageLink.CONFIRMED, "reject": CoverageLink.REJECTED}
RELATIONS = {value for value, _ in CoverageLink.RELATION_CHOICES}
UNSHOWN = ("body", "raw_text", "import_notes")


def _visible_links():
    """Links between two articles that are not in the bin: the only ones anyone reviews."""
    # Leaving out the (few) binned articles reads the small index of the bin; joining both
    # articles of every link to check them read all 100,000 articles to count the queue.
    binned = Article.objects.filter(deleted_at__isnull=False).values("pk")
    return CoverageLink.objects.exclude(article_a__in=binned).exclude(article_b__in=binned)


def _queue_context(request, message=""):
    suggested = _visible_links().filter(status=CoverageLink.SUGGESTED)
    best_first = (
        suggested.select_related("article_a__outlet", "article_b__outlet")
        # The cards show titles, outlets and dates: the texts stay in the database.
        .defer(*(f"{side}__{name}" for side in ("article_a", "article_b") for name in UNSHOWN))
        .order_by("-score", "id")
    )
    links = list(best_first[:QUEUE_SIZE])
    remaining = suggested.count()
    last = coverage.last_decision(request.user) if can_annotate(request.user) else None
    can_review = can_annotate(request.user)
    return {
        "links": links,
        "cards": cards_html(links, can_review, get_token(request) if can_review else ""),
        "remaining": remaining,
        "relations": CoverageLink.RELATION_CHOICES,
        "can_review": can_review,
        "can_undo": last is not None,
        "stories": Story.objects.order_by("-pk")[:5],
        "message": message,
    }


def _decide_url(pk: int) -> str:
    global _DECIDE_URL
    if _DECIDE_URL is None:
        _DECIDE_URL = reverse("articles-coverage-decide", args=[1234567]).replace("1234567", "{}")
    return _DECIDE_URL.format(int(pk))


_DECIDE_URL = None


def _side_html(article) -> str:
    outlet = (article.outlet.name if article.outlet_id else "") or "no outlet"
    return (
        '<div class="side">\n'
        f'<h2 class="side-title"><a href="{escape(reader_url(article.pk))}">'
        f"{escape(article.title)}</a></h2>\n"
        f'<p class="meta">{escape(outlet)} · {escape(article.published_display or "no date")}</p>\n'
        "</div>"
    )


def _nth(pair, n) -> str:
    # As the template read pair.0 and pair.1: a short pair shows nothing, not an error.
    try:
        return escape(str(pair[n]))
    except (IndexError, KeyError, TypeError):
        return ""


def cards_html(links, can_review: bool, csrf_token: str) -> SafeString:
    """The queue's cards, made here: twenty cards of evidence and forms were two thirds of the
    queue's rendering time in the template engine. Every text from the database or from a
    link's evidence goes through escape(); the markup is the one coverage.js acts on."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    cards = []
    for n, link in enumerate(links, start=1):
        evidence = link.evidence if isinstance(link.evidence, dict) else {}
        head = [
            f'<span class="score" title="How sure the linker is">score '
            f"{floatformat(link.score, 2)}</span>",
            f'<span class="relation badge">{escape(link.relation)}</span>',
        ]
        days = evidence.get("days_apart")
        if days is not None:
            plural = "" if days == 1 else "s"
            head.append(f'<span class="days">{escape(str(days))} day{plural} apart</span>')
        if evidence.get("text_similarity"):
            overlap = floatformat(evidence["text_similarity"], 2)
            head.append(f'<span class="textsim">text overlap {escape(str(overlap))}</span>')
        parts = [
            f'<article class="link-card" id="link-{int(link.pk)}" data-link="{int(link.pk)}"'
            f' tabindex="-1" aria-label="Suggested link {n}">',
            '<header class="link-head">' + "\n".join(head) + "</header>",
            '<div class="side-by-side">\n'
            + _side_html(link.article_a)
            + "\n"
            + _side_html(link.article_b)
            + "\n</div>",
        ]
        if evidence.get("shared_names"):
            names = ", ".join(escape(str(name)) for name in evidence["shared_names"])
            parts.append(f'<p class="shared-names"><strong>Names in common:</strong> {names}</p>')
        if evidence.get("shared_passages"):
            rows = "\n".join(
                f"<tr><td>{_nth(pair, 0)}</td><td>{_nth(pair, 1)}</td></tr>"
                for pair in evidence["shared_passages"]
            )
            parts.append(
                '<table class="passages">\n<caption>Passages both tell</caption>\n'
                f"<tbody>\n{rows}\n</tbody>\n</table>"
            )
        if evidence.get("reason"):
            parts.append(f'<p class="reason">{escape(str(evidence["reason"]))}</p>')
        if can_review:
            url = escape(_decide_url(link.pk))
            form = f'method="post" action="{url}" hx-post="{url}" hx-target="#queue" hx-swap="outerHTML"'
            expected = f'<input type="hidden" name="expected" value="{escape(link.status)}">'
            relations = "\n".join(
                f'<button type="submit" name="relation" value="{escape(value)}" data-key="{k}"'
                + (' aria-pressed="true"' if value == link.relation else "")
                + f">{escape(label)} <kbd>{k}</kbd></button>"
                for k, (value, label) in enumerate(CoverageLink.RELATION_CHOICES, start=1)
            )
            parts.append(
                '<div class="link-actions">\n'
                f"<form {form}>\n{csrf}\n{expected}\n"
                '<button type="submit" name="action" value="confirm" class="confirm"'
                ' data-key="c">Confirm <kbd>c</kbd></button>\n'
                '<button type="submit" name="action" value="reject" class="reject"'
                ' data-key="x">Reject <kbd>x</kbd></button>\n'
                '<button type="button" class="skip" data-key="s">Skip <kbd>s</kbd></button>\n'
                "</form>\n"
                f'<form class="relations" {form}>\n'
                f'{csrf}\n{expected}\n<input type="hidden" name="action" value="relation">\n'
                f"<span>Relation:</span>\n{relations}\n</form>\n</div>"
            )
        parts.append("</article>")
        cards.append("\n".join(parts))
    return mark_safe("\n".join(cards))  # every part escaped above


def _queue_response(request, message="", status=200):
    if request.htmx:
        return render(
            request,
            "articles/coverage/queue.html#queue",
            _queue_context(request, message),
            status=status,
        )
    if status != 200:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return redirect("articles-coverage")


@require_GET
@vary_on_headers("HX-Request")
def queue(request):
    template = (
        "articles/coverage/queue.html#queue" if request.htmx else "articles/coverage/queue.html"
    )
    return render(request, template, _queue_context(request))


@require_POST
def decide(request, pk):
    require_annotator(request.user)
    link = get_object_or_404(_visible_links(), pk=pk)
    action = request.POST.get("action", "")
    relation = request.POST.get("relation") or None
    expected = request.POST.get("expected", "")
    if relation is not None and relation not in RELATIONS:
        return _queue_response(request, "Unknown relation.", status=400)
    if action == "relation":
        if relation is None:
            return _queue_response(request, "Choose a relation.", status=400)
        status = link.status
    elif action in DECISIONS:
        status = DECISIONS[action]
    else:
        return _queue_response(request, "Unknown decision.", status=400)
    # A reviewer who saw the link as suggested, while another confirmed it meanwhile, made a
    # stale decision (409, the queue refreshed), not an attempt to split a story (403).
    # coverage.decide checks again under the row lock; this only picks the right answer.
    if expected and link.status != expected:
        message = f"Not saved: this link is already {link.status}. The queue has been refreshed."
        return _queue_response(request, message, 409)
    # Taking a link out of a story splits the story: that is an editor's call.
    if link.status == CoverageLink.CONFIRMED and status != CoverageLink.CONFIRMED:
        require_editor(request.user)
    try:
        coverage.decide(request.user, link.pk, status, relation, expected=expected)
    except coverage.StaleDecision as exc:
        return _queue_response(request, f"Not saved: {exc}. The queue has been refreshed.", 409)
    if request.POST.get("next") == "story" and link.article_a.story_id:
        return redirect("articles-story", link.article_a.story_id)
    return _queue_response(request)


@require_POST
def undo(request):
    require_annotator(request.user)
    try:
        link = coverage.undo_last(request.user)
    except coverage.StaleDecision as exc:
        return _queue_response(request, f"Cannot undo: {exc}.", status=409)
    if link is None:
        return _queue_response(request, "Nothing to undo.", status=400)
    return _queue_response(request, "Your last decision was undone.")


def _story_articles(story):
    return list(
        Article.objects.visible()
        .filter(story=story)
        .select_related("outlet")
        .order_by(F("published").asc(nulls_last=True), "outlet__name", "pk")
    )


@require_GET
def story_detail(request, pk):
    story = get_object_or_404(Story, pk=pk)
    articles = _story_articles(story)
    ids = [a.pk for a in articles]
    links = list(
        CoverageLink.objects.filter(
            article_a_id__in=ids, article_b_id__in=ids, status=CoverageLink.CONFIRMED
        )
        .select_related("article_a", "article_b")
        .order_by("-score", "id")
    )
    others = (
        Story.objects.exclude(pk=story.pk).order_by("-pk")[:50]
        if can_edit_corpus(request.user)
        else []
    )
    return render(
        request,
        "articles/coverage/story.html",
        {
            "story": story,
            "articles": articles,
            "links": links,
            "compare_ids": ",".join(str(i) for i in ids[:4]),
            "can_edit": can_edit_corpus(request.user),
            "other_stories": others,
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
