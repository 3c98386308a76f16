"""Annotation in the reader: labels, undo, blind mode, quotes by hand, speakers, history."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from .. import annotation
from ..models import Article, ChangeRecord, ClaimQuote, Label, LabelSet, Quote, StanceAnnotation
from ..roles import can_annotate, require_annotator

SESSION_SET = "label_set"
SESSION_BLIND = "blind"


# --- helpers: who may write, which label set, what the panel shows ---------------------------


def _writer(request):
    require_annotator(request.user)


def _int(value, name):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise annotation.Invalid(f"“{name}” must be a whole number.") from None


def current_label_set(request, label_sets):
    """The label set chosen with ?set=, remembered in the session; the first active one otherwise."""
    by_id = {ls.pk: ls for ls in label_sets}
    wanted = request.GET.get("set")
    if wanted and wanted.isdigit() and int(wanted) in by_id:
        request.session[SESSION_SET] = int(wanted)
    chosen = by_id.get(request.session.get(SESSION_SET))
    return chosen or (label_sets[0] if label_sets else None)


def _label_sets():
    return list(LabelSet.objects.filter(active=True).prefetch_related("labels"))


def annotate_quotes(request, quotes, label_set):
    """Attach to each quote the user's stance and the others' (hidden in blind mode until the
    user has labelled the quote), and the claims it makes. Two queries for any number of quotes."""
    user = request.user
    blind = request.session.get(SESSION_BLIND, False)
    by_quote = {q.pk: q for q in quotes}
    for q in quotes:
        q.my_stance, q.other_stances, q.hidden_stances, q.claim_list = None, [], 0, []
    if label_set is not None and quotes:
        stances = (
            StanceAnnotation.objects.filter(quote_id__in=by_quote, label_set=label_set)
            .select_related("annotator", "label")
            .order_by("annotator__username")
        )
        for stance in stances:
            q = by_quote[stance.quote_id]
            if stance.annotator_id == user.pk:
                q.my_stance = stance
            else:
                q.other_stances.append(stance)
        if blind:
            for q in quotes:
                if q.my_stance is None:
                    q.hidden_stances, q.other_stances = len(q.other_stances), []
    if quotes:
        links = ClaimQuote.objects.filter(quote_id__in=by_quote).select_related("claim")
        for link in links.order_by("claim__text"):
            by_quote[link.quote_id].claim_list.append(link.claim)
    return blind


def panel_context(request, article, quotes):
    label_sets = _label_sets()
    label_set = current_label_set(request, label_sets)
    quotes = list(quotes)
    blind = annotate_quotes(request, quotes, label_set)
    return {
        "article": article,
        "quotes": quotes,
        "label_sets": label_sets,
        "label_set": label_set,
        "labels": list(label_set.labels.all()) if label_set else [],
        "blind": blind,
        "can_annotate": can_annotate(request.user),
        "deleted_quotes": list(article.quotes.filter(deleted_at__isnull=False).order_by("start")),
        "speakers": sorted(
            {q.speaker for q in quotes if q.speaker_id}, key=lambda s: (s.name, s.pk)
        ),
        "request": request,
    }


def _entry(request, quote, status=200, error=None, label_set=None):
    """The quote's entry in the panel, for htmx to swap in place."""
    if label_set is None:
        label_set = current_label_set(request, _label_sets())
    blind = annotate_quotes(request, [quote], label_set)
    context = {
        "quote": quote,
        "label_set": label_set,
        "labels": list(label_set.labels.all()) if label_set else [],
        "blind": blind,
        "can_annotate": can_annotate(request.user),
        "error": error,
        "article": quote.article,
    }
    return render(request, "articles/annotation/panel.html#entry", context, status=status)


def _back_to(request, article_id):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("articles-reader", article_id)


def _visible_quote(pk, deleted_too=False):
    quotes = Quote.objects.select_related("article", "speaker").filter(
        article__deleted_at__isnull=True
    )
    if not deleted_too:
        quotes = quotes.filter(deleted_at__isnull=True)
    return get_object_or_404(quotes, pk=pk)


# --- labels ----------------------------------------------------------------------------------


@require_POST
def label_quote(request, pk):
    """Save (or with an empty label, remove) the analyst's own label for a quote."""
    _writer(request)
    quote = _visible_quote(pk)
    label_id = request.POST.get("label", "")
    label_set = None
    try:
        if label_id == "":
            label_set = LabelSet.objects.filter(
                pk=_int(request.POST.get("label_set"), "label_set")
            ).first()
            if label_set is None:
                raise annotation.Invalid("No such label set.")
            annotation.remove_label(request.user, quote, label_set.pk, session=request.session)
        else:
            label = (
                Label.objects.select_related("label_set")
                .filter(pk=_int(label_id, "label"), label_set__active=True)
                .first()
            )
            if label is None:
                raise annotation.Invalid("No such label.")
            label_set = label.label_set
            annotation.set_label(
                request.user, quote, label, request.POST.get("note", ""), session=request.session
            )
    except annotation.Invalid as exc:
        if request.htmx:
            return _entry(request, quote, status=422, error=str(exc), label_set=label_set)
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    if request.htmx:
        return _entry(request, quote, label_set=label_set)
    return _back_to(request, quote.article_id)


@require_POST
def undo(request, pk):
    """Undo the analyst's last label change in this article."""
    _writer(request)
    article = get_object_or_404(Article.objects.visible(), pk=pk)
    record = annotation.undo_last(request.user, article.pk, request.session)
    if record is None:
        messages.info(request, "Nothing to undo.")
    if request.htmx:
        quotes = article.quotes.visible().select_related("speaker").order_by("start", "id")
        context = panel_context(request, article, quotes)
        context["undone"] = record
        return render(request, "articles/annotation/panel.html#panel", context)
    return _back_to(request, article.pk)


@require_POST
def toggle_blind(request):
    """Blind mode hides other analysts' labels on a quote until one has labelled it oneself."""
    request.session[SESSION_BLIND] = not request.session.get(SESSION_BLIND, False)
    target = request.POST.get("next", "")
    if request.htmx:
        return HttpResponseClientRefresh()
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("articles-list")


# --- quotes by hand --------------------------------------------------------------------------


def _done(request, article_id):
    return HttpResponseClientRefresh() if request.htmx else _back_to(request, article_id)


def _refused(request, exc, status=400):
    if request.htmx:
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', exc), status=status)
    return HttpResponse(str(exc), status=status, content_type="text/plain; charset=utf-8")


@require_POST
def create_quote(request, pk):
    """A quote marked by hand: the browser sends code-point offsets and the selected text."""
    _writer(request)
    article = get_object_or_404(Article.objects.visible(), pk=pk)
    try:
        start = _int(request.POST.get("start"), "start")
        end = _int(request.POST.get("end"), "end")
        quote = annotation.create_quote(
            request.user, article, start, end, request.POST.get("text", "")
        )
    except annotation.Invalid as exc:
        return _refused(request, exc)
    messages.success(request, f"Quote added: “{quote.text[:60]}”.")
    return _done(request, article.pk)


@require_POST
def adjust_quote(request, pk):
    _writer(request)
    quote = _visible_quote(pk)
    try:
        annotation.adjust_quote(
            request.user,
            quote.pk,
            _int(request.POST.get("start"), "start"),
            _int(request.POST.get("end"), "end"),
        )
    except annotation.Invalid as exc:
        return _refused(request, exc)
    return _done(request, quote.article_id)


@require_POST
def delete_quote(request, pk):
    _writer(request)
    quote = _visible_quote(pk)
    annotation.delete_quote(request.user, quote.pk)
    messages.success(request, "Quote deleted; restore it from the list of deleted quotes.")
    return _done(request, quote.article_id)


@require_POST
def restore_quote(request, pk):
    _writer(request)
    quote = _visible_quote(pk, deleted_too=True)
    annotation.restore_quote(request.user, quote.pk)
    return _done(request, quote.article_id)


@require_POST
def set_speaker(request, pk):
    _writer(request)
    quote = _visible_quote(pk)
    speaker_id = request.POST.get("speaker", "")
    try:
        annotation.set_speaker(
            request.user,
            quote.pk,
            speaker_id=_int(speaker_id, "speaker") if speaker_id else None,
            new_name=request.POST.get("name", ""),
            aliases=request.POST.get("aliases", ""),
            role=request.POST.get("role", ""),
        )
    except annotation.Invalid as exc:
        return _refused(request, exc)
    return _done(request, quote.article_id)


# --- history ---------------------------------------------------------------------------------


@require_GET
def article_history(request, pk):
    article = get_object_or_404(Article.objects.visible(), pk=pk)
    records = (
        ChangeRecord.objects.filter(article=article)
        .select_related("user")
        .order_by("-at", "-id")[:500]
    )
    return render(request, "articles/history.html", {"article": article, "records": records})
