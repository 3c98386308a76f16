"""How far analysts agree: alpha per label set, kappa per pair, disputed quotes, adjudication."""

from collections import defaultdict
from itertools import combinations

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import annotation
from ..models import Adjudication, Label, LabelSet, Quote, StanceAnnotation
from ..roles import can_edit_corpus, require_editor
from ..text.agreement import (
    cohen_kappa,
    confusion_matrix,
    krippendorff_alpha_nominal,
    paired_values,
)
from .annotation import _int, _visible_quote

DISPUTED_SHOWN = 200


@require_GET
def agreement(request):
    label_sets = list(LabelSet.objects.prefetch_related("labels"))
    wanted = request.GET.get("set", "")
    label_set = next((ls for ls in label_sets if str(ls.pk) == wanted), None) or (
        label_sets[0] if label_sets else None
    )
    context = {"label_sets": label_sets, "label_set": label_set}
    if label_set is None:
        return render(request, "articles/agreement.html", context)
    labels = list(label_set.labels.all())
    rows = StanceAnnotation.objects.filter(
        label_set=label_set,
        quote__deleted_at__isnull=True,
        quote__article__deleted_at__isnull=True,
    ).values_list("quote_id", "annotator__username", "label__name")
    by_quote = defaultdict(dict)
    for quote_id, username, label in rows:
        by_quote[quote_id][username] = label
    shared = {q: coders for q, coders in by_quote.items() if len(coders) >= 2}
    by_coder = defaultdict(dict)
    for quote_id, coders in shared.items():
        for username, label in coders.items():
            by_coder[username][quote_id] = label
    names = [label.name for label in labels]
    pairs = []
    for a, b in combinations(sorted(by_coder), 2):
        values = paired_values(by_coder, a, b)
        if values:
            matrix = confusion_matrix(values, names)
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "n": len(values),
                    "kappa": cohen_kappa(values),
                    "matrix": list(zip(names, matrix, strict=True)),
                }
            )
    disputed_ids = sorted(q for q, coders in shared.items() if len(set(coders.values())) > 1)
    quotes = Quote.objects.filter(pk__in=disputed_ids[:DISPUTED_SHOWN]).select_related(
        "article", "speaker"
    )
    adjudicated = {
        a.quote_id: a
        for a in Adjudication.objects.filter(
            label_set=label_set, quote_id__in=disputed_ids[:DISPUTED_SHOWN]
        ).select_related("label", "editor")
    }
    disputed = []
    for quote in quotes:
        quote.coder_labels = sorted(by_quote[quote.pk].items())
        quote.adjudication = adjudicated.get(quote.pk)
        disputed.append(quote)
    context.update(
        {
            "labels": labels,
            "alpha": krippendorff_alpha_nominal([list(c.values()) for c in shared.values()]),
            "units": len(shared),
            "coders": sorted(by_coder),
            "pairs": pairs,
            "disputed": disputed,
            "disputed_total": len(disputed_ids),
            "can_adjudicate": can_edit_corpus(request.user),
        }
    )
    return render(request, "articles/agreement.html", context)


@require_POST
def adjudicate(request):
    """An editor records the final label for a disputed quote."""
    require_editor(request.user)
    try:
        quote_id = _int(request.POST.get("quote"), "quote")
        label_id = _int(request.POST.get("label"), "label")
    except annotation.Invalid as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    quote = _visible_quote(quote_id)
    label = get_object_or_404(Label.objects.select_related("label_set"), pk=label_id)
    annotation.adjudicate(request.user, quote, label, request.POST.get("note", ""))
    return redirect(reverse("articles-agreement") + f"?set={label.label_set_id}#dq{quote.pk}")
