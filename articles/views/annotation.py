"""Annotation in the reader: labels, undo, blind mode, quotes by hand, speakers, history."""

from dataclasses import dataclass

from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh, reswap, retarget

from .. import annotation, caching
from ..models import Article, ChangeRecord, LabelSet, Quote, Speaker
from ..plain_sql import placeholders
from ..roles import can_annotate, require_annotator
from .panel import EntryParts, entries_html, entry_html
from .reading import reader_quotes
from .url_patterns import url_for

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


def _label_sets(version: int | None = None):
    """The active label sets with their labels. Given the 'labels' version (read with the
    article or the quote, see caching.with_labels_version), outside a transaction they come
    from this process's cache: label sets change rarely, and reading them was two queries and
    a fifth of the reader's time."""
    return caching.remembered(
        caching.LABEL_SETS,
        caching.usable(version),
        ("label sets",),
        lambda: list(LabelSet.objects.filter(active=True).prefetch_related("labels")),
    )


def _active_label(pk: int, label_sets):
    """The label `pk` of an active label set, or None."""
    return next((lb for ls in label_sets for lb in ls.labels.all() if lb.pk == pk), None)


def _any_label_set(pk: int, label_sets):
    """The label set `pk`, active or not: a label of a retired set can still be cleared."""
    found = next((ls for ls in label_sets if ls.pk == pk), None)
    return found or LabelSet.objects.filter(pk=pk).first()


@dataclass
class Stance:
    """One analyst's label on a quote, as the panel shows it."""

    annotator_id: int
    annotator: str  # the username
    label_id: int
    label: str
    colour: str
    note: str


@dataclass
class ClaimRef:
    """A claim a quote makes, as the panel links it."""

    pk: int
    text: str


# The panel's labels and claims, written out rather than built with the ORM: compiling the two
# querysets (with their joins) cost 1.5 ms of CPU a reader page, ten times running them. Both
# come in one statement (a kind column first, the claims' rows padded to the labels' columns):
# the labels by annotator name, then the claims by text. Texts are escaped where the panel is
# drawn (views.panel).
STANCES_SQL = """
SELECT 0, s.quote_id, s.annotator_id, u.username, s.label_id, lb.name, lb.colour, s.note
FROM articles_stanceannotation s
JOIN auth_user u ON u.id = s.annotator_id
JOIN articles_label lb ON lb.id = s.label_id
WHERE s.label_set_id = %s AND s.quote_id IN ({ids})
"""
CLAIMS_SQL = """
SELECT 1, link.quote_id, c.id, c.text, NULL, NULL, NULL, NULL
FROM articles_claimquote link JOIN articles_claim c ON c.id = link.claim_id
WHERE link.quote_id IN ({ids})
"""
ORDER = "ORDER BY 1, 4, 3"  # labels by username, claims by text and id


def _rows(sql, params, ids):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=placeholders(len(ids))), [*params, *ids])
        return cursor.fetchall()


def annotate_quotes(request, quotes, label_set):
    """Attach to each quote the user's stance and the others' (hidden in blind mode until the
    user has labelled the quote), and the claims it makes. One query for any number of quotes."""
    user = request.user
    blind = request.session.get(SESSION_BLIND, False)
    by_quote = {q.pk: q for q in quotes}
    for q in quotes:
        q.my_stance, q.other_stances, q.hidden_stances, q.claim_list = None, [], 0, []
    if not quotes:
        return blind
    ids = list(by_quote)
    if label_set is not None:
        rows = _rows(f"{STANCES_SQL} UNION ALL {CLAIMS_SQL} {ORDER}", [label_set.pk, *ids], ids)
    else:
        rows = _rows(f"{CLAIMS_SQL} {ORDER}", [], ids)
    for kind, quote_id, *fields in rows:
        q = by_quote[quote_id]
        if kind == 1:
            q.claim_list.append(ClaimRef(fields[0], fields[1]))
            continue
        stance = Stance(*fields)
        if stance.annotator_id == user.pk:
            q.my_stance = stance
        else:
            q.other_stances.append(stance)
    if blind and label_set is not None:
        for q in quotes:
            if q.my_stance is None:
                q.hidden_stances, q.other_stances = len(q.other_stances), []
    return blind


def panel_context(request, article, quotes, deleted_quotes=None, csrf_token=None):
    """The panel of the article's (visible) quotes. `deleted_quotes` are read here unless the
    caller read them with the others; `article.labels_version`, when the caller read it,
    lets the label sets come from the cache; the page's `csrf_token`, when given, is the one
    the entries' forms carry (each new one costs a masking)."""
    label_sets = _label_sets(getattr(article, "labels_version", None))
    label_set = current_label_set(request, label_sets)
    labels = list(label_set.labels.all()) if label_set else []
    quotes = list(quotes)
    blind = annotate_quotes(request, quotes, label_set)
    if deleted_quotes is None:
        deleted_quotes = article.quotes.filter(deleted_at__isnull=False).order_by("start")
    speakers = sorted({q.speaker for q in quotes if q.speaker_id}, key=lambda s: (s.name, s.pk))
    writer = can_annotate(request.user)
    parts = EntryParts(request, label_set, labels, writer, speakers, csrf_token)
    return {
        "article": article,
        "quotes": quotes,
        "entries_html": entries_html(parts, quotes),
        "label_sets": label_sets,
        "label_set": label_set,
        "labels": labels,
        "blind": blind,
        "can_annotate": writer,
        "deleted_quotes": list(deleted_quotes),
        "urls": panel_urls(article.pk),
        "request": request,
    }


def panel_urls(article_id: int) -> dict:
    """The panel's own links and forms, from patterns reversed once a process (views.panel):
    reversing them in the template was a tenth of the reader's time."""
    pk = int(article_id)
    return {
        "undo": url_for("articles-undo", pk),
        "history": url_for("articles-history", pk),
        "new_quote": url_for("articles-quote-create", pk),
        "blind": reverse("articles-blind"),
    }


def _entry(request, quote, status=200, error=None, label_set=None):
    """The quote's entry in the panel, for htmx to swap in place. The quote comes from
    _visible_quote (its speaker and the labels version read with it)."""
    if label_set is None:
        label_sets = _label_sets(getattr(quote, "labels_version", None))
        label_set = current_label_set(request, label_sets)
    annotate_quotes(request, [quote], label_set)
    labels = list(label_set.labels.all()) if label_set else []
    # The speaker menu of one entry offers the quote's own speaker (the panel offers all of
    # the article's): the template's entry offered none, and saving it cleared the speaker.
    speakers = [quote.speaker] if quote.speaker_id else []
    parts = EntryParts(request, label_set, labels, can_annotate(request.user), speakers)
    return HttpResponse(entry_html(parts, quote, error), status=status)


def _back_to(request, article_id):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("articles-reader", article_id)


# A quote of an article not in the bin, with its speaker's name and the labels version, and
# not its article, whose body and raw text can be megabytes that no quote request needs
# (quote.article_id is enough). Written out: the queryset (a join, an outer join and the
# version) cost 0.9 ms of CPU to compile, a sixth of the label request.
VISIBLE_QUOTE_SQL = f"""
SELECT q.*, sp.name AS speaker_name, ({caching.LABELS_VERSION_SQL}) AS labels_version
FROM articles_quote q
JOIN articles_article a ON a.id = q.article_id
LEFT JOIN articles_speaker sp ON sp.id = q.speaker_id
WHERE q.id = %s AND a.deleted_at IS NULL
"""


def _visible_quote(pk, deleted_too=False, missing_ok=False):
    sql = VISIBLE_QUOTE_SQL if deleted_too else VISIBLE_QUOTE_SQL + "AND q.deleted_at IS NULL"
    quote = next(iter(Quote.objects.raw(sql, [pk])), None)
    if quote is None:
        if missing_ok:
            return None
        raise Http404("No such quote.")
    # Its speaker as the panel names it (id and name), from the joined columns.
    speaker = quote.speaker_id
    quote.speaker = Speaker(pk=speaker, name=quote.speaker_name) if speaker else None
    return quote


# --- labels ----------------------------------------------------------------------------------


@require_POST
def label_quote(request, pk):
    """Save (or with an empty label, remove) the analyst's own label for a quote."""
    _writer(request)
    quote = _visible_quote(pk)
    label_id = request.POST.get("label", "")
    label_sets = _label_sets(quote.labels_version)
    label_set = None
    try:
        if label_id == "":
            label_set = _any_label_set(_int(request.POST.get("label_set"), "label_set"), label_sets)
            if label_set is None:
                raise annotation.Invalid("No such label set.")
            annotation.remove_label(request.user, quote, label_set.pk)
        else:
            label = _active_label(_int(label_id, "label"), label_sets)
            if label is None:
                raise annotation.Invalid("No such label.")
            label_set = label.label_set
            annotation.set_label(request.user, quote, label, request.POST.get("note", ""))
    except annotation.Invalid as exc:
        if request.htmx:
            return _entry(request, quote, status=422, error=str(exc), label_set=label_set)
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    if request.htmx:
        return _entry(request, quote, label_set=label_set)
    return _back_to(request, quote.article_id)


# The article an undo is in, if it is not in the bin, with the labels version: written out,
# the queryset (only the id, the version annotated) cost more to compile than to run.
UNDO_ARTICLE_SQL = f"""
SELECT a.id, ({caching.LABELS_VERSION_SQL}) FROM articles_article a
WHERE a.id = %s AND a.deleted_at IS NULL
"""


@require_POST
def undo(request, pk):
    """Undo the analyst's last label change in this article (then the one before, and so on).
    htmx gets the entry of the quote it changed, in place of the old one, with the panel's
    status line; or the whole panel when there was nothing to undo, or the quote is deleted."""
    _writer(request)
    with connection.cursor() as cursor:
        cursor.execute(UNDO_ARTICLE_SQL, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such article.")
    article = Article(pk=row[0])
    article.labels_version = row[1]
    label_sets = _label_sets(article.labels_version)
    error, status = None, 200
    try:
        record = annotation.undo_last(request.user, article.pk, label_sets)
    except annotation.Conflict as exc:
        record, error, status = None, str(exc), 409
    if record is None and error is None:
        messages.info(request, "Nothing to undo.")
    if not request.htmx:
        if error is not None:
            return HttpResponse(error, status=status, content_type="text/plain; charset=utf-8")
        return _back_to(request, article.pk)
    quote = _visible_quote(record.object_id, missing_ok=True) if record is not None else None
    if quote is not None:
        response = _entry(request, quote, label_set=current_label_set(request, label_sets))
        response.write(
            format_html(
                '\n<p id="undo-status" class="note" role="status" hx-swap-oob="true">'
                "Undone: {} on quote {}.</p>",
                record.subject,
                record.object_id,
            )
        )
        return reswap(retarget(response, f"#qe-{quote.pk}"), "outerHTML")
    # The reader's quote rows: the deleted ones come in the same query.
    every_quote = reader_quotes(article.pk)
    quotes = [quote for quote in every_quote if not quote.deleted]
    deleted = [quote for quote in every_quote if quote.deleted]
    context = panel_context(request, article, quotes, deleted)
    context["undone"], context["undo_error"] = record, error
    return render(request, "articles/annotation/panel.html#panel", context, status=status)


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
