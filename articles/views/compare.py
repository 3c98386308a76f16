"""The compare page: two to four articles side by side, its exports, and hand corrections of the
quote alignment."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from ..comparing import (
    CompareError,
    build_comparison,
    correct_alignment,
    parse_article_ids,
    to_csv,
    to_json,
)
from ..roles import require_annotator

EXPORT_FORMATS = {"csv": ("text/csv; charset=utf-8", to_csv), "json": ("application/json", to_json)}


def _bad_request(request, message):
    return render(request, "articles/compare_error.html", {"message": message}, status=400)


@require_GET
@vary_on_headers("HX-Request")
def compare(request):
    try:
        ids = parse_article_ids(request.GET.getlist("articles"))
    except CompareError as error:
        return _bad_request(request, str(error))
    export = request.GET.get("format")
    if export is not None and export not in EXPORT_FORMATS:
        return _bad_request(request, "Export as format=csv or format=json.")
    comparison = build_comparison(ids)
    if export:
        content_type, write = EXPORT_FORMATS[export]
        response = HttpResponse(write(comparison), content_type=content_type)
        name = "compare-" + "-".join(str(i) for i in ids)
        response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
        return response
    template = "articles/compare.html#comparison" if request.htmx else "articles/compare.html"
    return render(request, template, {"comparison": comparison})


@require_POST
def compare_align(request):
    """Link two quotes, keep them apart, or undo that correction; then show the comparison."""
    require_annotator(request.user)
    try:
        ids = parse_article_ids(request.POST.getlist("articles"))
    except CompareError as error:
        return _bad_request(request, str(error))
    error = None
    try:
        raw = request.POST.getlist("quote")
        if not all(q.isascii() and q.isdigit() and len(q) < 19 for q in raw):
            raise CompareError("Quote ids are whole numbers.")
        correct_alignment(request.user, ids, [int(q) for q in raw], request.POST.get("action", ""))
    except CompareError as problem:
        if not request.htmx:
            return _bad_request(request, str(problem))
        error = str(problem)
    if request.htmx:
        # htmx swaps only 2xx answers: a refused correction comes back inside the partial.
        context = {"comparison": build_comparison(ids), "error": error}
        return render(request, "articles/compare.html#comparison", context)
    return redirect(reverse("articles-compare") + "?articles=" + ",".join(map(str, ids)))
