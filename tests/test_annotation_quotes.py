"""Quotes by hand: marking from a selection, adjusting, soft delete and restore, speakers."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import ChangeRecord, LabelSet, Quote, Speaker, StanceAnnotation

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def article(seeds):
    return next(a for a in seeds if a.quotes.count() > 3)


def free_span(article):
    """A stretch of the body no quote covers, with its offsets."""
    covered = set()
    for q in article.quotes.all():
        covered.update(range(q.start, q.end))
    body = article.body
    start = next(i for i in range(len(body) - 20) if not covered & set(range(i, i + 20)))
    return start, start + 20, body[start : start + 20]


def create(client, article, start, end, text, **extra):
    return client.post(
        reverse("articles-quote-create", args=[article.pk]),
        {"start": start, "end": end, "text": text},
        **extra,
    )


def test_an_analyst_marks_a_quote_from_a_selection(client_for, alice, article):
    start, end, text = free_span(article)
    response = create(client_for(alice), article, start, end, text)
    assert response.status_code == 302
    quote = Quote.objects.get(origin="analyst")
    assert (quote.start, quote.end, quote.text, quote.created_by) == (start, end, text, alice)
    record = ChangeRecord.objects.get(subject="quote", action="create")
    assert record.after["text"] == text and record.article_id == article.pk


def test_with_htmx_a_new_quote_refreshes_the_page(client_for, alice, article):
    start, end, text = free_span(article)
    response = create(client_for(alice), article, start, end, text, **HX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_offsets_are_code_points_not_utf16_units(client_for, alice, article):
    # An emoji is one code point in Python but two UTF-16 units in JavaScript.
    article.body = "Intro 😀 text. “Quoted words here,” he said."
    article.save()
    text = "Quoted words here,"
    start = article.body.index(text)
    assert create(client_for(alice), article, start, start + len(text), text).status_code == 302
    assert (
        create(client_for(alice), article, start + 1, start + 1 + len(text), text).status_code
        == 400
    )


@pytest.mark.parametrize(
    "start,end",
    [(-1, 5), (5, 5), (10, 3), (0, 10**7), ("a", 5), ("", "")],
)
def test_offsets_outside_the_body_or_malformed_are_refused(client_for, alice, article, start, end):
    response = create(client_for(alice), article, start, end, "anything")
    assert response.status_code == 400
    assert not Quote.objects.filter(origin="analyst").exists()


def test_text_that_does_not_match_the_body_at_the_offsets_is_refused(client_for, alice, article):
    start, end, text = free_span(article)
    response = create(client_for(alice), article, start, end, text.upper() + "!")
    assert response.status_code == 400
    assert b"does not match" in response.content
    response = create(client_for(alice), article, start, end, text, **HX)  # the right one works
    assert response.status_code == 200


def test_an_htmx_refusal_is_an_escaped_message(client_for, alice, article):
    response = create(client_for(alice), article, 0, 5, "<script>x</script>", **HX)
    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_adjusting_boundaries_takes_the_text_from_the_body(client_for, alice, article):
    quote = article.quotes.order_by("start").first()
    client = client_for(alice)
    url = reverse("articles-quote-adjust", args=[quote.pk])
    assert client.post(url, {"start": quote.start + 1, "end": quote.end}).status_code == 302
    quote.refresh_from_db()
    assert quote.text == article.body[quote.start : quote.end]
    record = ChangeRecord.objects.get(subject="quote", action="change")
    assert record.before["start"] == quote.start - 1 and record.after["start"] == quote.start
    assert client.post(url, {"start": 0, "end": len(article.body) + 1}).status_code == 400


def test_a_deleted_quote_is_hidden_and_restored_with_its_labels(client_for, alice, article):
    presentation = LabelSet.objects.get(name="Presentation")
    quote = article.quotes.order_by("start").first()
    StanceAnnotation.objects.create(
        annotator=alice, quote=quote, label_set=presentation, label=presentation.labels.first()
    )
    client = client_for(alice)
    reader = reverse("articles-reader", args=[article.pk])
    assert client.post(reverse("articles-quote-delete", args=[quote.pk])).status_code == 302
    quote.refresh_from_db()
    assert quote.deleted_at is not None
    assert f'id="q{quote.pk}"' not in client.get(reader).content.decode()
    assert "Deleted quotes (1)" in client.get(reader).content.decode()
    assert client.post(reverse("articles-quote-restore", args=[quote.pk])).status_code == 302
    page = client.get(reader).content.decode()
    assert f'id="qe-{quote.pk}"' in page and "you: " in page
    actions = list(ChangeRecord.objects.filter(subject="quote").values_list("action", flat=True))
    assert actions == ["delete", "restore"]


def test_setting_a_new_speaker_with_aliases(client_for, alice, article):
    quote = article.quotes.order_by("start").first()
    response = client_for(alice).post(
        reverse("articles-quote-speaker", args=[quote.pk]),
        {"name": 'Dmitry "<b>" Peskov', "aliases": "Peskov, Kremlin spokesman"},
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.speaker.name == 'Dmitry "<b>" Peskov'
    assert set(quote.speaker.aliases.values_list("name", flat=True)) == {
        'Dmitry "<b>" Peskov',
        "Peskov",
        "Kremlin spokesman",
    }
    page = client_for(alice).get(reverse("articles-reader", args=[article.pk])).content.decode()
    assert '"<b>"' not in page and "&lt;b&gt;" in page
    assert ChangeRecord.objects.filter(subject="speaker", action="create").exists()


def test_picking_an_existing_speaker_and_clearing_it(client_for, alice, article):
    quote = article.quotes.order_by("start").first()
    other = Speaker.objects.create(name="Sergei Lavrov")
    client = client_for(alice)
    url = reverse("articles-quote-speaker", args=[quote.pk])
    client.post(url, {"speaker": other.pk})
    quote.refresh_from_db()
    assert quote.speaker == other
    client.post(url, {"speaker": ""})
    quote.refresh_from_db()
    assert quote.speaker is None
    assert client.post(url, {"speaker": 987654}).status_code == 400


@pytest.mark.parametrize(
    "name", ["articles-quote-adjust", "articles-quote-delete", "articles-quote-speaker"]
)
def test_quote_writes_are_refused_to_viewers_anonymous_and_without_csrf(
    client, victor, alice, article, name
):
    quote = article.quotes.order_by("start").first()
    url = reverse(name, args=[quote.pk])
    data = {"start": quote.start, "end": quote.end, "speaker": ""}
    response = client.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(victor)
    assert client.post(url, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(url, data).status_code == 403
    assert not ChangeRecord.objects.exists()


def test_creating_and_restoring_quotes_are_refused_to_viewers(client_for, victor, article):
    client = client_for(victor)
    start, end, text = free_span(article)
    assert create(client, article, start, end, text).status_code == 403
    quote = article.quotes.first()
    assert client.post(reverse("articles-quote-restore", args=[quote.pk])).status_code == 403
    assert (
        "new-quote-form"
        not in client.get(reverse("articles-reader", args=[article.pk])).content.decode()
    )


def test_an_editor_can_mark_quotes(client_for, eddie, article):
    start, end, text = free_span(article)
    assert create(client_for(eddie), article, start, end, text).status_code == 302


def test_the_history_page_lists_changes_escaped(client_for, alice, victor, article):
    quote = article.quotes.order_by("start").first()
    client_for(alice).post(
        reverse("articles-quote-speaker", args=[quote.pk]), {"name": "<script>alert(1)</script>"}
    )
    client = client_for(victor)  # viewers may read history
    response = client.get(reverse("articles-history", args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "change quote" in html and "create speaker" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
