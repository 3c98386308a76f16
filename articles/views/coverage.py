"""Coverage review: the queue of suggested links, decisions on them, and the story pages."""

from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import coverage
from ..models import Article, CoverageLink, Story
from ..roles import can_annotate, can_edit_corpus, require_annotator, require_editor

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
    return {
        "links": links,
        "remaining": remaining,
        "relations": CoverageLink.RELATION_CHOICES,
        "can_review": can_annotate(request.user),
        "can_undo": last is not None,
        "stories": Story.objects.order_by("-pk")[:5],
        "message": message,
    }


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
