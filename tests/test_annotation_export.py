"""Everything the annotation screens write survives export → restore → export byte for byte."""

import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from articles.models import Adjudication, ChangeRecord, FrameTag, LabelSet
from tests.test_export_restore import export_text, wipe

HX = {"HTTP_HX_REQUEST": "true"}


def test_labels_notes_quotes_claims_tags_adjudications_and_history_round_trip(
    client, seeds, alice, bob, eddie
):
    presentation = LabelSet.objects.get(name="Presentation")
    labels = {lb.name: lb for lb in presentation.labels.all()}
    article = seeds[0]
    q1, q2, q3 = list(article.quotes.order_by("start")[:3])
    client.force_login(alice)
    label_url = reverse("articles-quote-label", args=[q1.pk])
    client.post(label_url, {"label": labels["endorses"].pk, "note": 'says "<b>yes</b>"'}, **HX)
    client.post(label_url, {"label": labels["disputes"].pk}, **HX)
    client.post(reverse("articles-undo", args=[article.pk]), **HX)
    client.post(reverse("articles-quote-delete", args=[q2.pk]))
    client.post(
        reverse("articles-quote-speaker", args=[q3.pk]),
        {"name": "Dmitry Peskov", "aliases": "Peskov"},
    )
    start = article.body.index(" ", 10) + 1
    client.post(
        reverse("articles-quote-create", args=[article.pk]),
        {"start": start, "end": start + 8, "text": article.body[start : start + 8]},
    )
    client.post(reverse("articles-quote-claim", args=[q1.pk]), {"text": "NATO is at war"})
    claim_id = q1.claims.get().pk
    client.post(
        reverse("articles-claim", args=[claim_id]),
        {"text": "NATO is at war with Russia", "version": 1, "tags": [FrameTag.objects.first().pk]},
    )
    client.force_login(bob)
    client.post(label_url, {"label": labels["distances"].pk}, **HX)
    client.post(
        reverse("articles-quote-claim", args=[seeds[1].quotes.first().pk]), {"claim": claim_id}
    )
    client.force_login(eddie)
    client.post(
        reverse("articles-adjudicate"),
        {"quote": q1.pk, "label": labels["distances"].pk, "note": "n"},
    )
    assert Adjudication.objects.count() == 1
    subjects = set(ChangeRecord.objects.values_list("subject", flat=True))
    assert subjects == {"stance", "quote", "speaker", "claim", "adjudication"}

    first = export_text()
    rows = [json.loads(line) for line in first.splitlines()]
    exported = {(r["subject"], r["action"]) for r in rows[0]["history"]}
    assert ("stance", "create") in exported and ("adjudication", "create") in exported
    assert rows[0]["claims"][0]["history"]  # the claim's own edits travel with it
    wipe()
    call_command("import_corpus", "-", stdin=StringIO(first), stdout=StringIO())
    assert export_text() == first
