"""The reader at `/articles/<id>/`: body with quotes marked by speaker, speakers, labels, coverage."""

import pytest
from django.utils import timezone

from articles.models import (
    Article,
    CoverageLink,
    Label,
    Outlet,
    Quote,
    Speaker,
    StanceAnnotation,
    Story,
)


def make_article(title, body, **fields):
    fields.setdefault("sha256", f"{abs(hash((title, body))):064d}"[:64])
    return Article.objects.create(title=title, body=body, raw_text=body, encoding="utf-8", **fields)


def quote(article, text, speaker=None):
    start = article.body.index(text)
    return Quote.objects.create(
        article=article, start=start, end=start + len(text), text=text, speaker=speaker
    )


@pytest.fixture
def article(db):
    outlet = Outlet.objects.create(name="TASS")
    story = Story.objects.create(title="Kremlin talks")
    body = (
        'Peskov said "talks are possible" today.\n\n'
        'Lavrov added "no deal yet" and Peskov repeated "talks are possible".'
    )
    article = make_article("Talks", body, outlet=outlet, story=story)
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    lavrov = Speaker.objects.create(name="Sergei Lavrov")
    quote(article, "talks are possible", peskov)
    quote(article, "no deal yet", lavrov)
    start = body.rindex("talks are possible")
    Quote.objects.create(
        article=article, start=start, end=start + 18, text=body[start : start + 18], speaker=peskov
    )
    return article


def test_anonymous_users_are_sent_to_log_in(client, article):
    assert client.get(f"/articles/{article.pk}/").status_code == 302


@pytest.mark.parametrize("role", ["victor", "alice", "eddie"])
def test_every_role_can_read_an_article(request, client_for, article, role):
    response = client_for(request.getfixturevalue(role)).get(f"/articles/{article.pk}/")
    assert response.status_code == 200


def test_a_missing_or_deleted_article_is_404(client_for, victor, article):
    client = client_for(victor)
    assert client.get("/articles/999999/").status_code == 404
    Article.objects.filter(pk=article.pk).update(deleted_at=timezone.now())
    assert client.get(f"/articles/{article.pk}/").status_code == 404


def test_every_quote_is_marked_and_coloured_by_speaker(client_for, victor, article):
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    quotes = list(article.quotes.order_by("start"))
    for q in quotes:
        assert f'data-quote="{q.pk}"' in html
        assert f'class="quote spk-{q.speaker_id % 12}"' in html
    assert html.count('<mark class="quote') == 3


def test_speakers_are_listed_with_their_counts(client_for, victor, article):
    response = client_for(victor).get(f"/articles/{article.pk}/")
    rows = [(row["speaker"].name, row["count"]) for row in response.context["speakers"]]
    assert rows == [("Dmitry Peskov", 2), ("Sergei Lavrov", 1)]
    assert "?speaker=Dmitry%20Peskov" in response.content.decode()


def test_each_quote_shows_its_current_labels(client_for, victor, alice, bob, article):
    endorses = Label.objects.get(name="endorses")
    disputes = Label.objects.get(name="disputes")
    first = article.quotes.order_by("start").first()
    for user, label in [(alice, endorses), (bob, endorses)]:
        StanceAnnotation.objects.create(
            annotator=user, quote=first, label_set=label.label_set, label=label
        )
    second = article.quotes.order_by("start")[1]
    StanceAnnotation.objects.create(
        annotator=alice, quote=second, label_set=disputes.label_set, label=disputes
    )
    # The labels themselves are drawn by the annotation panel (which also honours blind mode).
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    entry = html.split(f'data-quote="{first.pk}"')[-1]
    assert "alice: endorses" in entry.split("</li>")[0]
    assert "bob: endorses" in entry.split("</li>")[0]
    assert "alice: disputes" in html


def test_the_header_says_when_the_title_was_derived(client_for, victor, db):
    article = make_article("First words of", "First words of the text.", title_derived=True)
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert "derived from the first words" in html


def test_the_reader_links_the_raw_text_and_the_story(client_for, victor, article):
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert f'href="/articles/{article.pk}/raw/"' in html
    assert f"?story={article.story_id}" in html


def test_coverage_links_are_listed_but_not_rejected_ones(client_for, victor, article):
    confirmed = make_article("Copy", "Copy body")
    suggested = make_article("Maybe", "Maybe body")
    rejected = make_article("Unrelated", "Other body")
    for other, status in [
        (confirmed, "confirmed"),
        (suggested, "suggested"),
        (rejected, "rejected"),
    ]:
        a, b = sorted([article.pk, other.pk])
        CoverageLink.objects.create(
            article_a_id=a, article_b_id=b, relation="rewrite", status=status, score=0.8
        )
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert f'href="/articles/{confirmed.pk}/"' in html
    assert f'href="/articles/{suggested.pk}/"' in html
    assert f'href="/articles/{rejected.pk}/"' not in html
    assert "suggested (0.80)" in html


def test_hostile_article_text_is_escaped(client_for, victor, db):
    body = "He said \"</script><script>alert(1)</script>\" and <b hx-get='/x'>bold</b>."
    article = make_article("<script>alert('t')</script>", body)
    quote(article, "</script><script>alert(1)</script>")
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "<b hx-get" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_raw_text_is_served_as_plain_text(client_for, victor, article):
    response = client_for(victor).get(f"/articles/{article.pk}/raw/")
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == article.raw_text


def test_a_long_article_with_many_quotes_runs_a_bounded_number_of_queries(
    client_for, victor, alice, db, django_assert_max_num_queries
):
    speakers = [Speaker.objects.create(name=f"Speaker {i}") for i in range(20)]
    paragraphs = [f'Para {i} opens and "quote number {i} here" closes.' for i in range(150)]
    body = "\n\n".join(paragraphs) + "\n\n" + "Filler words. " * 1500
    assert len(body) > 25_000
    article = make_article("Long", body)
    quotes = Quote.objects.bulk_create(
        Quote(
            article=article,
            start=body.index(f"quote number {i} here"),
            end=body.index(f"quote number {i} here") + len(f"quote number {i} here"),
            text=f"quote number {i} here",
            speaker=speakers[i % 20],
        )
        for i in range(150)
    )
    label = Label.objects.get(name="neutral report")
    StanceAnnotation.objects.bulk_create(
        StanceAnnotation(annotator=alice, quote=q, label_set=label.label_set, label=label)
        for q in quotes
    )
    client = client_for(victor)
    client.get(f"/articles/{article.pk}/")
    # session, user, article, quotes, coverage, label sets and their labels (cached outside
    # a transaction), the quotes' labels, claims: none per quote.
    with django_assert_max_num_queries(9):
        response = client.get(f"/articles/{article.pk}/")
    assert response.content.decode().count('<mark class="quote') == 150


def test_a_link_to_an_article_in_the_bin_is_not_listed(client_for, victor, article):
    binned = make_article("Binned copy", "Binned body", deleted_at=timezone.now())
    a, b = sorted([article.pk, binned.pk])
    CoverageLink.objects.create(
        article_a_id=a, article_b_id=b, relation="duplicate", status="confirmed", score=1.0
    )
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert f'href="/articles/{binned.pk}/"' not in html
    assert "Binned copy" not in html


def test_the_outlet_and_an_untitled_story_are_named(client_for, victor, db):
    story = Story.objects.create(title="")
    outlet = Outlet.objects.create(name="Izvestia <daily>")
    article = make_article("Untitled story", "Some body.", outlet=outlet, story=story)
    html = client_for(victor).get(f"/articles/{article.pk}/").content.decode()
    assert f"All articles in Story {story.pk}</a>" in html
    assert "Izvestia &lt;daily&gt;" in html
    bare = make_article("No outlet", "Other body.")
    assert "Unknown outlet" in client_for(victor).get(f"/articles/{bare.pk}/").content.decode()
