"""The reading room: the article list and the article reader."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ..models import Article
from ..text.marks import paragraphs_with_marks

PAGE_SIZE = 50
SPEAKER_COLOURS = 12  # css classes spk-0 … spk-11


@require_GET
def article_list(request):
    articles = (
        Article.objects.visible()
        .select_related("outlet")
        .annotate(
            quote_count=Count("quotes", filter=Q(quotes__deleted_at__isnull=True), distinct=True)
        )
        .order_by("-published", "-id")
    )
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "articles/list.html#results" if request.htmx else "articles/list.html"
    return render(request, template, {"page": page})


@require_GET
def article_reader(request, pk):
    article = get_object_or_404(Article.objects.visible().select_related("outlet"), pk=pk)
    quotes = list(article.quotes.visible().select_related("speaker").order_by("start", "id"))
    for quote in quotes:
        quote.colour = (quote.speaker_id or 0) % SPEAKER_COLOURS
    paragraphs = [
        [
            {"text": run.text, "quote": quotes[run.mark] if run.mark is not None else None}
            for run in runs
        ]
        for runs in paragraphs_with_marks(article.body, [(q.start, q.end) for q in quotes])
    ]
    return render(
        request,
        "articles/reader.html",
        {"article": article, "quotes": quotes, "paragraphs": paragraphs},
    )


@require_GET
def article_raw(request, pk):
    """The file as imported, always as plain text: imported text is never served as HTML."""
    article = get_object_or_404(Article.objects.visible(), pk=pk)
    response = HttpResponse(article.raw_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
