"""The article list at `/`: search, every filter, sorting, pagination, htmx partials, counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles.models import (
    Article,
    CoverageLink,
    Label,
    Outlet,
    Quote,
    Speaker,
    SpeakerAlias,
    StanceAnnotation,
    Story,
)
from articles.views import reading

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_article(title, body="", outlet=None, published=None, **fields):
    fields.setdefault("sha256", f"{abs(hash((title, body))):064d}"[:64])
    return Article.objects.create(
        title=title,
        body=body or title,
        raw_text=body or title,
        encoding="utf-8",
        outlet=outlet,
        published=published,
        **fields,
    )


def titles(response):
    return [row.title for row in response.context["page"].rows]


def day(d):
    return dt.datetime(2024, 1, d, 12, tzinfo=dt.UTC)


@pytest.fixture
def corpus(db):
    tass = Outlet.objects.create(name="TASS")
    bbc = Outlet.objects.create(name="BBC")
    story = Story.objects.create(title="Talks")
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    SpeakerAlias.objects.create(speaker=peskov, name="Kremlin spokesman", key="kremlin spokesman")
    a = make_article("Peskov on talks", "Peskov said: talks continue.", tass, day(1), story=story)
    b = make_article("BBC on talks", "The BBC reports talks stalled.", bbc, day(2), language="en")
    c = make_article("Grain corridor", "Ships left Odesa.", bbc, day(3), language="en")
    d = make_article("Undated note", "No date here.", None, None, language="ru")
    q = Quote.objects.create(article=a, start=12, end=27, text=a.body[12:27], speaker=peskov)
    Quote.objects.create(article=b, start=16, end=29, text=b.body[16:29])
    return {"a": a, "b": b, "c": c, "d": d, "tass": tass, "story": story, "quote": q}


def test_anonymous_users_are_sent_to_log_in(client, corpus):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["victor", "alice", "eddie"])
def test_every_role_can_read_the_list(request, client_for, corpus, role):
    response = client_for(request.getfixturevalue(role)).get("/")
    assert response.status_code == 200
    assert titles(response) == ["Grain corridor", "BBC on talks", "Peskov on talks", "Undated note"]


def test_the_list_shows_outlet_date_title_and_counts(client_for, victor, corpus, alice):
    label = Label.objects.get(name="endorses")
    StanceAnnotation.objects.create(
        annotator=alice, quote=corpus["quote"], label_set=label.label_set, label=label
    )
    CoverageLink.objects.create(
        article_a=corpus["a"], article_b=corpus["b"], relation="same story", status="confirmed"
    )
    CoverageLink.objects.create(
        article_a=corpus["a"], article_b=corpus["c"], relation="related", status="rejected"
    )
    response = client_for(victor).get("/")
    rows = {row.title: row for row in response.context["page"].rows}
    assert (rows["Peskov on talks"].quote_count, rows["Peskov on talks"].labelled_count) == (1, 1)
    assert (rows["BBC on talks"].quote_count, rows["BBC on talks"].labelled_count) == (1, 0)
    assert rows["Peskov on talks"].coverage_count == 1
    assert rows["BBC on talks"].coverage_count == 1
    assert rows["Grain corridor"].coverage_count == 0
    html = response.content.decode()
    assert "TASS" in html and "2024-01-01" in html


def test_deleted_quotes_and_articles_are_not_counted_or_listed(client_for, victor, corpus):
    Quote.objects.filter(article=corpus["a"]).update(deleted_at=timezone.now())
    Article.objects.filter(pk=corpus["c"].pk).update(deleted_at=timezone.now())
    response = client_for(victor).get("/")
    rows = {row.title: row for row in response.context["page"].rows}
    assert rows["Peskov on talks"].quote_count == 0
    assert "Grain corridor" not in rows


def test_search_finds_words_in_bodies(client_for, victor, corpus):
    response = client_for(victor).get("/", {"q": "talks"})
    assert set(titles(response)) == {"Peskov on talks", "BBC on talks"}


def test_search_shows_the_matching_passage_highlighted(client_for, victor, corpus):
    response = client_for(victor).get("/", {"q": "Odesa"})
    assert '<p class="snippet">Ships left <mark>Odesa</mark>' in response.content.decode()


def test_search_understands_phrases_and_exclusions(client_for, victor, corpus):
    client = client_for(victor)
    assert titles(client.get("/", {"q": '"talks continue"'})) == ["Peskov on talks"]
    assert titles(client.get("/", {"q": "talks -BBC"})) == ["Peskov on talks"]


def test_relevance_sort_puts_the_best_match_first(client_for, victor, corpus):
    make_article("Odesa Odesa", "Odesa port, Odesa harbour, Odesa again.", None, day(1))
    response = client_for(victor).get("/", {"q": "odesa", "sort": "relevance"})
    assert titles(response) == ["Odesa Odesa", "Grain corridor"]
    response = client_for(victor).get("/", {"q": "odesa", "sort": "date"})
    assert titles(response) == ["Grain corridor", "Odesa Odesa"]


def test_an_unknown_sort_falls_back_to_newest_first(client_for, victor, corpus):
    response = client_for(victor).get("/", {"sort": "raw_text__contains"})
    assert response.status_code == 200
    assert titles(response)[0] == "Grain corridor"


def test_filter_by_outlet(client_for, victor, corpus):
    response = client_for(victor).get("/", {"outlet": corpus["tass"].pk})
    assert titles(response) == ["Peskov on talks"]


def test_filter_by_date_range_includes_both_ends(client_for, victor, corpus):
    response = client_for(victor).get("/", {"from": "2024-01-02", "to": "2024-01-03"})
    assert titles(response) == ["Grain corridor", "BBC on talks"]


def test_filter_by_speaker_name_or_alias(client_for, victor, corpus):
    client = client_for(victor)
    assert titles(client.get("/", {"speaker": "dmitry peskov"})) == ["Peskov on talks"]
    assert titles(client.get("/", {"speaker": "Kremlin spokesman"})) == ["Peskov on talks"]
    assert titles(client.get("/", {"speaker": "Nobody"})) == []


def test_filter_by_language(client_for, victor, corpus):
    assert titles(client_for(victor).get("/", {"language": "ru"})) == ["Undated note"]


def test_filter_by_story(client_for, victor, corpus):
    response = client_for(victor).get("/", {"story": corpus["story"].pk})
    assert titles(response) == ["Peskov on talks"]


def test_filter_articles_with_unlabelled_quotes(client_for, victor, alice, corpus):
    client = client_for(victor)
    assert titles(client.get("/", {"unlabelled": "1"})) == ["BBC on talks", "Peskov on talks"]
    label = Label.objects.get(name="endorses")
    StanceAnnotation.objects.create(
        annotator=alice, quote=corpus["quote"], label_set=label.label_set, label=label
    )
    assert titles(client.get("/", {"unlabelled": "1"})) == ["BBC on talks"]


def test_filters_combine_with_search(client_for, victor, corpus):
    response = client_for(victor).get("/", {"q": "talks", "outlet": corpus["tass"].pk})
    assert titles(response) == ["Peskov on talks"]
    response = client_for(victor).get("/", {"q": "talks", "language": "ru"})
    assert titles(response) == []


@pytest.mark.parametrize(
    "params",
    [
        {"outlet": "abc"},
        {"outlet": "-1"},
        {"outlet": "99999999999999999999999"},
        {"from": "2024-13-45"},
        {"to": "yesterday"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "nan"},
        {"story": "' OR 1=1"},
        {"speaker": "%"},
        {"speaker": "_"},
        {"language": "\x00"},
        {"sort": "-id"},
    ],
)
def test_bad_filter_values_are_ignored_not_errors(client_for, victor, corpus, params):
    response = client_for(victor).get("/", params)
    assert response.status_code == 200


def test_an_empty_result_says_so(client_for, victor, corpus):
    response = client_for(victor).get("/", {"q": "zzzyzzx"})
    assert titles(response) == []
    assert "No articles match" in response.content.decode()


def test_an_empty_corpus_says_so(client_for, victor):
    assert "No articles yet" in client_for(victor).get("/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        '"</script><script>alert(1)</script>',
        "' OR 1=1 --",
        "NEAR(talks peskov)",
        "talks*",
        "%_\\",
        "a\x00b",
        "x" * 3000,
    ],
)
def test_hostile_queries_are_rendered_escaped(client_for, victor, corpus, query):
    response = client_for(victor).get("/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "</script><script>" not in html


def test_htmx_gets_only_the_results(client_for, victor, corpus):
    response = client_for(victor).get("/", {"q": "talks"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "Peskov on talks" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_a_full_page_has_the_search_form_and_results(client_for, victor, corpus):
    html = client_for(victor).get("/", {"q": "talks"}).content.decode()
    assert "<html" in html and 'id="results"' in html
    assert 'type="search"' in html and 'value="talks"' in html


def test_an_htmx_history_restore_gets_the_full_page(client_for, victor, corpus):
    response = client_for(victor).get(
        "/", {"q": "talks"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert "<html" in response.content.decode()


@pytest.fixture
def many(db):
    outlet = Outlet.objects.create(name="Wire")
    Article.objects.bulk_create(
        Article(
            outlet=outlet,
            title=f"Item {i:03d}",
            body=f"wire item {i}" + (" rare" if i % 10 == 0 else ""),
            raw_text="x",
            encoding="utf-8",
            sha256=f"{i:064d}",
            published=dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
        )
        for i in range(120)
    )


def test_pages_hold_fifty_articles_newest_first(client_for, victor, many):
    client = client_for(victor)
    first = client.get("/")
    assert len(titles(first)) == 50
    assert titles(first)[0] == "Item 119"
    third = client.get("/", {"page": 3})
    assert titles(third) == [f"Item {i:03d}" for i in range(19, -1, -1)]
    assert "101–120 of 120 articles" in third.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client_for, victor, many):
    response = client_for(victor).get("/", {"page": 999})
    assert response.context["page"].number == 3


def test_page_links_keep_the_search_and_filters(client_for, victor, many):
    html = client_for(victor).get("/", {"q": "wire", "sort": "date"}).content.decode()
    assert 'href="?q=wire&amp;sort=date&amp;page=2"' in html


def test_search_results_are_paged_and_counted(client_for, victor, many):
    response = client_for(victor).get("/", {"q": "rare"})
    assert response.context["page"].count == 12
    assert len(titles(response)) == 12


def test_the_list_runs_a_bounded_number_of_queries(
    client_for, victor, many, django_assert_max_num_queries
):
    client = client_for(victor)
    client.get("/")
    with django_assert_max_num_queries(9):
        client.get("/", {"q": "wire -rare", "sort": "relevance", "unlabelled": "1", "page": 2})
    with django_assert_max_num_queries(9):
        client.get("/", {"speaker": "x", "from": "2020-01-01", "outlet": 1})


def test_the_hello_view_exists_only_for_the_benchmark(client_for, victor, monkeypatch):
    client = client_for(victor)
    assert client.get("/bench/hello").status_code == 404
    monkeypatch.setenv("NEWSDESK_BENCH", "1")
    assert client.get("/bench/hello").content == b"hello"


def test_a_post_to_the_list_without_csrf_is_refused_and_with_it_not_allowed(victor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(victor)
    assert client.get("/").status_code == 200
    assert client.post("/").status_code == 403
    token = client.cookies["csrftoken"].value
    assert client.post("/", HTTP_X_CSRFTOKEN=token).status_code == 405


def test_filters_parse_from_the_url():
    f = reading.ListFilters.from_query(
        {"q": " a ", "outlet": "3", "from": "2024-01-02", "unlabelled": "1", "sort": "relevance"}
    )
    assert (f.q, f.outlet, f.date_from, f.unlabelled, f.sort) == (
        "a",
        3,
        dt.date(2024, 1, 2),
        True,
        "relevance",
    )


def test_a_list_that_is_not_cached_is_counted_only_so_far(client_for, victor, db, monkeypatch):
    # "Has unlabelled quotes" holds for most of a corpus: counting all of it took 0.45 s a page
    # on 100,000 articles, so such lists say "more than" past COUNT_CAP and page on regardless.
    monkeypatch.setattr(reading, "COUNT_CAP", 3)
    monkeypatch.setattr(reading, "PAGE_SIZE", 2)
    for n in range(1, 6):
        article = make_article(f"Day {n}", f"He said: “day {n}”.", published=day(n))
        Quote.objects.create(article=article, start=9, end=16, text=article.body[9:16])
    client = client_for(victor)
    response = client.get("/", {"unlabelled": "1"})
    page = response.context["page"]
    assert titles(response) == ["Day 5", "Day 4"]
    assert (page.count, page.num_pages, page.has_next) == (3, None, True)
    html = response.content.decode()
    assert "1–2 of more than 3 articles" in html and "Page 1</span>" in html
    assert 'href="?unlabelled=1&amp;page=2"' in html
    last = client.get("/", {"unlabelled": "1", "page": 3})
    assert titles(last) == ["Day 1"]
    assert not last.context["page"].has_next and last.context["page"].has_previous
    # Under the cap, the count is exact as before.
    monkeypatch.setattr(reading, "COUNT_CAP", 10)
    page = client.get("/", {"unlabelled": "1"}).context["page"]
    assert (page.count, page.num_pages) == (5, 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_page_rows_statement_is_prepared_whatever_the_ids(db):
    """psycopg sends an int as int2, int4 or int8 by its size: with the ids as parameters of
    an IN list, nearly every page had a new signature and was planned afresh. As one array in
    text, the statement is the same on every page and prepared at its 5th use."""
    small, middle, large = (
        make_article(f"Id {pk}", id=pk, published=day(1)) for pk in (7, 40_000, 3_000_000_000)
    )
    for _ in range(4):
        assert [r.pk for r in reading.page_rows([small.pk, middle.pk])] == [7, 40_000]
        assert [r.pk for r in reading.page_rows([small.pk, large.pk])] == [7, 3_000_000_000]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM articles_stanceannotation s WHERE s.quote_id = q.id%"],
        )
        assert cursor.fetchone()[0] == 1
