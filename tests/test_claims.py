"""Claims: made from a quote, attached by search, tagged with frames, stale edits refused."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import (
    ChangeRecord,
    Claim,
    ClaimQuote,
    FrameTag,
    LabelSet,
    Outlet,
    StanceAnnotation,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def quotes(seeds):
    return [seeds[0].quotes.order_by("start").first(), seeds[1].quotes.order_by("start").first()]


def test_an_analyst_creates_a_claim_from_a_quote(client_for, alice, quotes):
    url = reverse("articles-quote-claim", args=[quotes[0].pk])
    response = client_for(alice).post(url, {"text": "NATO is at war with Russia"}, **HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "NATO is at war with Russia" in response.content.decode()
    claim = Claim.objects.get()
    assert list(claim.quotes.all()) == [quotes[0]] and claim.created_by == alice
    assert ChangeRecord.objects.filter(subject="claim", action="create").exists()
    assert ChangeRecord.objects.filter(
        subject="claim", article=quotes[0].article, after__quote_added=quotes[0].pk
    ).exists()


def test_an_empty_claim_is_refused(client_for, alice, quotes):
    url = reverse("articles-quote-claim", args=[quotes[0].pk])
    assert client_for(alice).post(url, {"text": "  "}, **HX).status_code == 422
    assert client_for(alice).post(url, {"text": ""}).status_code == 400
    assert not Claim.objects.exists()


def test_search_as_you_type_finds_claims_and_attaching_is_idempotent(client_for, alice, quotes):
    client = client_for(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "Sanctions failed"})
    claim = Claim.objects.get()
    results = client.get(
        reverse("articles-claim-search"), {"text": "sanct", "quote": quotes[1].pk}, **HX
    )
    assert "Sanctions failed" in results.content.decode()
    assert f'name="claim" value="{claim.pk}"' in results.content.decode()
    url = reverse("articles-quote-claim", args=[quotes[1].pk])
    for _ in range(2):
        assert client.post(url, {"claim": claim.pk}, **HX).status_code == 200
    assert ClaimQuote.objects.filter(claim=claim).count() == 2


def test_detaching_a_quote_from_a_claim(client_for, alice, quotes):
    client = client_for(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "A claim"})
    claim = Claim.objects.get()
    url = reverse("articles-quote-claim-remove", args=[quotes[0].pk, claim.pk])
    assert client.post(url, **HX).status_code == 200
    assert not ClaimQuote.objects.exists()


def test_the_claim_page_groups_quotes_by_outlet_with_stance_labels(client_for, alice, bob, quotes):
    presentation = LabelSet.objects.get(name="Presentation")
    for quote, name in zip(quotes, ["Izvestia <RU>", "Meduza"], strict=True):
        quote.article.outlet = Outlet.objects.create(name=name)
        quote.article.save()
    client = client_for(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "Shared claim"})
    claim = Claim.objects.get()
    client.post(reverse("articles-quote-claim", args=[quotes[1].pk]), {"claim": claim.pk})
    StanceAnnotation.objects.create(
        annotator=bob,
        quote=quotes[0],
        label_set=presentation,
        label=presentation.labels.get(name="disputes"),
    )
    html = client.get(reverse("articles-claim", args=[claim.pk])).content.decode()
    assert html.index("Izvestia &lt;RU&gt;") < html.index("Meduza")
    for quote in quotes:
        assert f"#q{quote.pk}" in html
    assert "bob (Presentation): disputes" in html


def test_editing_text_and_tags_bumps_the_version_and_records_history(client_for, alice, quotes):
    client = client_for(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "Old words"})
    claim = Claim.objects.get()
    tags = list(FrameTag.objects.filter(name__in=["Political", "Security and defense"]))
    response = client.post(
        reverse("articles-claim", args=[claim.pk]),
        {"text": "New words", "version": 1, "tags": [t.pk for t in tags]},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "New words" and claim.version == 2
    assert sorted(claim.tags.values_list("name", flat=True)) == [
        "Political",
        "Security and defense",
    ]
    record = ChangeRecord.objects.filter(subject="claim", action="change", article=None).get()
    assert record.before["text"] == "Old words" and record.after["tags"] == [
        "Political",
        "Security and defense",
    ]


def test_a_stale_edit_is_refused_with_409_and_a_message(client, alice, bob, quotes):
    client.force_login(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "Original"})
    claim = Claim.objects.get()
    url = reverse("articles-claim", args=[claim.pk])
    client.force_login(bob)
    assert client.post(url, {"text": "Bob's version", "version": 1}).status_code == 302
    client.force_login(alice)
    response = client.post(url, {"text": "Alice's version", "version": 1})
    assert response.status_code == 409
    assert "changed this claim while you were editing" in response.content.decode()
    assert "Bob&#x27;s version" in response.content.decode()
    claim.refresh_from_db()
    assert claim.text == "Bob's version" and claim.version == 2


@pytest.mark.parametrize("version", ["", "abc"])
def test_a_missing_version_is_bad_input(client_for, alice, quotes, version):
    client = client_for(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "C"})
    claim = Claim.objects.get()
    response = client.post(
        reverse("articles-claim", args=[claim.pk]), {"text": "D", "version": version}
    )
    assert response.status_code == 400


def test_hostile_claim_text_is_stored_as_typed_and_escaped(client_for, alice, quotes):
    evil = '</script><script>alert("claim")</script> "quoted"'
    client = client_for(alice)
    response = client.post(
        reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": evil}, **HX
    )
    assert "<script>alert" not in response.content.decode()
    claim = Claim.objects.get()
    assert claim.text == evil
    page = client.get(reverse("articles-claim", args=[claim.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    search = client.get(reverse("articles-claim-search"), {"q": "alert"}).content.decode()
    assert "<script>alert" not in search


def test_claim_writes_are_refused_to_viewers_anonymous_and_without_csrf(
    client, alice, victor, quotes
):
    client.force_login(alice)
    client.post(reverse("articles-quote-claim", args=[quotes[0].pk]), {"text": "Kept"})
    claim = Claim.objects.get()
    urls = [
        (reverse("articles-quote-claim", args=[quotes[1].pk]), {"claim": claim.pk}),
        (reverse("articles-quote-claim-remove", args=[quotes[0].pk, claim.pk]), {}),
        (reverse("articles-claim", args=[claim.pk]), {"text": "Changed", "version": 1}),
    ]
    anonymous = Client()
    viewer = Client()
    viewer.force_login(victor)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    for url, data in urls:
        response = anonymous.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response.url
        assert viewer.post(url, data).status_code == 403
        assert strict.post(url, data).status_code == 403
    claim.refresh_from_db()
    assert claim.text == "Kept" and ClaimQuote.objects.count() == 1
    page = viewer.get(reverse("articles-claim", args=[claim.pk])).content.decode()
    assert "Save claim" not in page


def test_the_claim_page_costs_a_bounded_number_of_queries(
    client_for, alice, seeds, django_assert_max_num_queries
):
    client = client_for(alice)
    first = seeds[0].quotes.first()
    client.post(reverse("articles-quote-claim", args=[first.pk]), {"text": "Many quotes"})
    claim = Claim.objects.get()
    for article in seeds:
        for quote in article.quotes.all():
            client.post(reverse("articles-quote-claim", args=[quote.pk]), {"claim": claim.pk})
    with django_assert_max_num_queries(12):
        assert client.get(reverse("articles-claim", args=[claim.pk])).status_code == 200
