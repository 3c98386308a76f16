"""The article list's per-process cache: used outside transactions and never stale. Every way of
changing what a list shows moves the 'articles' version on (a database trigger); a coverage
decision (which only moves articles between stories) does not, and story lists are not cached.

Transactional tests: the cache is never used inside a transaction, and a TestCase runs in one."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from articles import caching
from articles.models import Article, Outlet, Story
from tests.conftest import make_user

# serialized_rollback puts back the rows the migrations created (roles, label sets, the
# version row) for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def empty_caches():
    caching.ID_LISTS.clear()
    caching.SNIPPETS.clear()
    caching.RESULTS.clear()


@pytest.fixture
def reader(client):
    client.force_login(make_user("victor", "viewer"))
    return client


def add(title, day=1, outlet=None, body=None, **fields):
    body = body or f"{title}. A body about grain."
    return Article.objects.create(
        title=title,
        body=body,
        raw_text=body,
        encoding="utf-8",
        sha256=f"{abs(hash(title)):064d}"[:64],
        outlet=outlet,
        published=dt.datetime(2024, 1, day, 12, tzinfo=dt.UTC),
        **fields,
    )


def titles(response):
    return [row.title for row in response.context["page"].rows]


def id_queries(queries):
    """The queries that read a list's ids in order (the cached part of the page)."""
    return [
        q["sql"]
        for q in queries
        if 'FROM "articles_article"' in q["sql"]
        and "ORDER BY" in q["sql"]
        and "COUNT" not in q["sql"]
        and "IN (" not in q["sql"].split("WHERE")[-1][:40]
    ]


def version():
    return caching.articles_version()


def test_the_second_request_reads_the_ids_from_the_cache(reader):
    add("First", 1)
    add("Second", 2)
    with CaptureQueriesContext(connection) as first:
        assert titles(reader.get("/")) == ["Second", "First"]
    with CaptureQueriesContext(connection) as second:
        response = reader.get("/")
    assert titles(response) == ["Second", "First"]
    assert response.context["page"].count == 2
    assert len(id_queries(first.captured_queries)) == 1
    assert id_queries(second.captured_queries) == []


def test_a_new_article_is_listed_at_once(reader):
    add("Old", 1)
    assert titles(reader.get("/")) == ["Old"]
    add("New", 2)
    assert titles(reader.get("/")) == ["New", "Old"]


def test_bulk_created_articles_are_listed_at_once(reader):
    add("Old", 1)
    assert reader.get("/").context["page"].count == 1
    Article.objects.bulk_create(
        Article(title=f"Bulk {n}", body="b", raw_text="b", encoding="utf-8", sha256=f"{n:064d}")
        for n in range(60)
    )
    page = reader.get("/", {"page": 2}).context["page"]
    assert page.count == 61
    assert page.num_pages == 2


def test_a_deleted_article_leaves_the_list_at_once(reader):
    add("Stays", 1)
    gone = add("Goes", 2)
    assert titles(reader.get("/")) == ["Goes", "Stays"]
    Article.objects.filter(pk=gone.pk).update(deleted_at=dt.datetime.now(dt.UTC))
    assert titles(reader.get("/")) == ["Stays"]
    Article.objects.filter(pk=gone.pk).update(deleted_at=None)
    assert titles(reader.get("/")) == ["Goes", "Stays"]


def test_a_new_date_reorders_the_list_at_once(reader):
    first = add("First", 1)
    add("Second", 2)
    assert titles(reader.get("/")) == ["Second", "First"]
    first.published = dt.datetime(2024, 1, 3, tzinfo=dt.UTC)
    first.save()
    assert titles(reader.get("/")) == ["First", "Second"]


def test_a_changed_title_is_found_at_once(reader):
    article = add("Grain talks", 1)
    assert reader.get("/", {"q": "zanzibar"}).context["page"].count == 0
    Article.objects.filter(pk=article.pk).update(title="Zanzibar talks")
    response = reader.get("/", {"q": "zanzibar"})
    assert titles(response) == ["Zanzibar talks"]


def test_an_outlet_change_moves_the_article_between_outlet_lists(reader):
    tass, bbc = Outlet.objects.create(name="TASS"), Outlet.objects.create(name="BBC")
    article = add("Moving", 1, outlet=tass)
    assert titles(reader.get("/", {"outlet": tass.pk})) == ["Moving"]
    assert titles(reader.get("/", {"outlet": bbc.pk})) == []
    Article.objects.filter(pk=article.pk).update(outlet=bbc)
    assert titles(reader.get("/", {"outlet": tass.pk})) == []
    assert titles(reader.get("/", {"outlet": bbc.pk})) == ["Moving"]


def test_search_snippets_are_made_once(reader):
    add("Grain deal", 1)
    first = [row.snippet for row in reader.get("/", {"q": "grain"}).context["page"].rows]
    with CaptureQueriesContext(connection) as again:
        response = reader.get("/", {"q": "grain"})
    assert "<mark>" in first[0].lower()
    assert [row.snippet for row in response.context["page"].rows] == first
    assert not [q for q in again.captured_queries if "snippet" in q["sql"].lower()]
    assert not [q for q in again.captured_queries if "ts_headline" in q["sql"].lower()]


def test_the_version_moves_with_every_change_a_list_shows():
    before = version()
    assert before is not None
    article = add("Counted", 1)
    after_insert = version()
    Article.objects.filter(pk=article.pk).update(language="de")
    after_update = version()
    Article.objects.filter(pk=article.pk).delete()
    after_delete = version()
    # A new random number each time (see articles.caching): only inequality matters.
    assert len({before, after_insert, after_update, after_delete}) == 4


def test_moving_articles_between_stories_keeps_the_version(reader):
    story = Story.objects.create(title="Talks")
    article = add("In a story", 1)
    assert titles(reader.get("/", {"story": story.pk})) == []
    before = version()
    Article.objects.filter(pk=article.pk).update(story=story)
    assert version() == before
    # Lists by story are not cached, so they are right at once all the same.
    assert titles(reader.get("/", {"story": story.pk})) == ["In a story"]


def test_nothing_is_cached_inside_a_transaction():
    with transaction.atomic():
        assert version() is None
    assert version() is not None


def test_the_outlet_filter_shows_a_renamed_or_new_outlet_at_once(reader):
    """The filter's outlets are cached under the articles version, which outlets move on."""
    outlet = Outlet.objects.create(name="Daily Grain")
    add("First", 1, outlet=outlet)
    assert "Daily Grain</option>" in reader.get("/").text
    before = version()
    Outlet.objects.filter(pk=outlet.pk).update(name="Weekly Grain")
    assert version() != before
    page = reader.get("/").text
    assert "Weekly Grain</option>" in page and "Daily Grain" not in page
    Outlet.objects.create(name="Evening <Grain>")
    assert "Evening &lt;Grain&gt;</option>" in reader.get("/").text


def test_a_rolled_back_change_leaves_the_version_as_it_was():
    before = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        add("Never", 1)
        raise RuntimeError
    assert version() == before


def test_the_triggers_come_back_after_a_migrate_dropped_them():
    caching.drop_triggers(connection)
    before = version()
    add("Unseen", 1)
    assert version() == before
    caching.ensure_triggers_after_migrate(sender=None)
    add("Seen", 2)
    assert version() != before


def test_a_migrate_or_flush_empties_the_caches():
    caching.ID_LISTS.put((1, "list"), [1], 1)
    caching.ensure_triggers_after_migrate(sender=None)
    assert caching.ID_LISTS.get((1, "list")) is None


def test_the_cache_forgets_the_least_recently_used_lists_first():
    lru = caching.Lru(max_size=10)
    lru.put("a", [0] * 4, 4)
    lru.put("b", [0] * 4, 4)
    assert lru.get("a") is not None  # "a" is now the most recently used
    lru.put("c", [0] * 4, 4)
    assert lru.get("b") is None
    assert lru.get("a") is not None and lru.get("c") is not None
    lru.put("huge", [0] * 11, 11)
    assert lru.get("huge") is None and lru.size == 8


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
def test_an_edit_during_an_import_waits_for_it_instead_of_deadlocking():
    """An import holds the version row for its batch and then groups stories, updating older
    articles; an editor's change of one of them meanwhile must queue for the version row
    before it locks the article (a BEFORE trigger), or each would wait for the other."""
    import threading
    import time

    from django.db import connections

    older = add("Older", 1)
    story = Story.objects.create(title="Talks")
    imported, errors = threading.Event(), []

    def importer():
        try:
            with transaction.atomic():
                add("Imported", 2)  # takes the version row
                imported.set()
                time.sleep(0.5)  # the editor's change starts meanwhile
                Article.objects.filter(pk=older.pk).update(story=story)
        except Exception as exc:  # noqa: BLE001 — any failure is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    def editor():
        imported.wait(5)
        try:
            Article.objects.filter(pk=older.pk).update(title="Older, edited")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=importer), threading.Thread(target=editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    older.refresh_from_db()
    assert (older.title, older.story_id) == ("Older, edited", story.pk)


def test_a_restored_version_number_is_not_counted_up_into_numbers_already_cached(reader):
    # A backup restored (or a test flush with serialized rollback) puts back an old version
    # row; the same writes after it must not reach the numbers the cache already holds.
    restored = version()
    add("Before the restore", 1)
    assert titles(reader.get("/")) == ["Before the restore"]
    cached_under = version()
    Article.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_dataversion SET version = %s WHERE name = %s",
            [restored, caching.ARTICLES],
        )
    add("After the restore", 1)
    assert version() != cached_under
    assert titles(reader.get("/")) == ["After the restore"]
