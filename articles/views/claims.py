"""Claims: made from a quote, attached to more quotes, tagged with frames, edited without
overwriting someone else's edit."""

from collections import defaultdict

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import annotation
from ..models import Claim, ClaimQuote, FrameTag, StanceAnnotation
from ..roles import can_annotate, require_annotator
from .annotation import _back_to, _entry, _int, _visible_quote

SEARCH_LIMIT = 10


@require_POST
def quote_claim(request, pk):
    """Create a claim from the quote (text) or attach the quote to an existing claim (claim)."""
    require_annotator(request.user)
    quote = _visible_quote(pk)
    try:
        if request.POST.get("claim"):
            claim = get_object_or_404(Claim, pk=_int(request.POST["claim"], "claim"))
            annotation.attach_quote(request.user, claim, quote)
        else:
            annotation.create_claim(request.user, quote, request.POST.get("text", ""))
    except annotation.Invalid as exc:
        if request.htmx:
            return _entry(request, quote, status=422, error=str(exc))
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    if request.htmx:
        return _entry(request, quote)
    return _back_to(request, quote.article_id)


@require_POST
def quote_claim_remove(request, pk, claim_pk):
    require_annotator(request.user)
    quote = _visible_quote(pk)
    claim = get_object_or_404(Claim, pk=claim_pk)
    annotation.detach_quote(request.user, claim, quote)
    if request.htmx:
        return _entry(request, quote)
    return _back_to(request, quote.article_id)


@require_GET
def claim_search(request):
    """Claims whose words contain what the analyst is typing, to attach a quote to."""
    q = (request.GET.get("q") or request.GET.get("text") or "").strip()
    quote_id = request.GET.get("quote", "")
    claims = Claim.objects.filter(text__icontains=q)[:SEARCH_LIMIT] if len(q) >= 2 else []
    return render(
        request,
        "articles/claims/search.html",
        {
            "claims": claims,
            "q": q,
            "quote_id": quote_id if quote_id.isdigit() else "",
            "can_annotate": can_annotate(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def claim_detail(request, pk):
    """Every quote making the claim, grouped by outlet, with stance labels; the edit form."""
    claim = get_object_or_404(Claim.objects.select_related("created_by"), pk=pk)
    status, error = 200, None
    if request.method == "POST":
        require_annotator(request.user)
        try:
            annotation.edit_claim(
                request.user,
                claim.pk,
                request.POST.get("text", ""),
                _int(request.POST.get("version"), "version"),
                [t for t in request.POST.getlist("tags") if t.isdigit()],
            )
            return redirect("articles-claim", claim.pk)
        except annotation.Conflict as exc:
            status, error = 409, str(exc)
        except annotation.Invalid as exc:
            status, error = 400, str(exc)
        claim.refresh_from_db()
    links = (
        ClaimQuote.objects.filter(
            claim=claim, quote__deleted_at__isnull=True, quote__article__deleted_at__isnull=True
        )
        .select_related("quote__article__outlet", "quote__speaker")
        .order_by("quote__article__outlet__name", "quote__article_id", "quote__start")
    )
    quotes = [link.quote for link in links]
    stances = defaultdict(list)
    for stance in StanceAnnotation.objects.filter(quote__in=quotes).select_related(
        "label", "label_set", "annotator"
    ):
        stances[stance.quote_id].append(stance)
    outlets = defaultdict(list)
    for quote in quotes:
        quote.stance_list = stances[quote.pk]
        outlets[quote.article.outlet.name if quote.article.outlet else "Unknown outlet"].append(
            quote
        )
    context = {
        "claim": claim,
        "tags": list(claim.tags.all()),
        "all_tags": list(FrameTag.objects.all()),
        "outlets": sorted(outlets.items()),
        "error": error,
        "can_annotate": can_annotate(request.user),
    }
    context["tag_ids"] = {t.pk for t in context["tags"]}
    return render(request, "articles/claims/detail.html", context, status=status)
