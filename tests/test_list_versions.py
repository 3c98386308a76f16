"""The article list's results kept per process under the 'articles', 'quotes' and 'links'
versions: kept while nothing changes, never stale after any change an analyst, an editor or an
import makes (labels, quotes, speakers, links, the bin), and writers that take two versions do
not deadlock.

Transactional tests: the cache is never used inside a transaction, and a TestCase runs in one."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from articles import annotation, article_bin, caching, speakers
from articles.importing import ArticleImporter
from articles.models import (
    Article,
    CoverageLink,
    Label,
    LabelSet,
    Quote,
    Speaker,
    SpeakerAlias,
    StanceAnnotation,
)
from tests.conftest import SEEDS, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HTMX = {"HTTP_HX_REQUEST": "true"}
BODY = "Peskov said: “Talks continue.” Nothing more."


@pytest.fixture(autouse=True)
def empty_caches():
    caching.ID_LISTS.clear()
    caching.RESULTS.clear()


@pytest.fixture
def reader(client):
    client.force_login(make_user("victor", "viewer"))
    return client


@pytest.fixture
def analyst():
    return make_user("alice", "analyst")


@pytest.fixture
def label():
    label_set = LabelSet.objects.create(name="Versions set")
    return Label.objects.create(label_set=label_set, name="supportive", key="s")


def add(title, day, speaker=None):
    article = Article.objects.create(
        title=title,
        body=BODY,
        raw_text=BODY,
        encoding="utf-8",
        sha256=f"{abs(hash(title)):064d}"[:64],
        published=dt.datetime(2024, 1, day, 12, tzinfo=dt.UTC),
    )
    start = BODY.index("Talks")
    Quote.objects.create(
        article=article, start=start, end=start + 15, text=BODY[start : start + 15], speaker=speaker
    )
    return article


def rows(client, **params):
    """(title, quotes, labelled, coverage) of each row, read from the page's HTML: what an
    analyst sees, whether the section was made now or kept."""
    import re

    html = client.get("/", params, **HTMX).content.decode()
    found = re.findall(
        r'<a href="/articles/\d+/">([^<]*)</a>.*?'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        html,
        re.S,
    )
    return [(title, int(q), int(lab), int(cov)) for title, q, lab, cov in found]


def versions():
    return caching.list_versions()


def test_the_same_list_again_is_shown_from_the_cache(reader):
    add("First", 1)
    add("Second", 2)
    assert rows(reader) == [("Second", 1, 0, 0), ("First", 1, 0, 0)]
    with CaptureQueriesContext(connection) as again:
        assert rows(reader) == [("Second", 1, 0, 0), ("First", 1, 0, 0)]
    # The session, the user, the versions: nothing of the list itself.
    assert not [q for q in again.captured_queries if "articles_quote" in q["sql"]]
    assert len(again.captured_queries) == 3
    full = reader.get("/").content.decode()
    assert "<html" in full and "Second" in full


def test_the_filter_form_is_made_once_for_each_query_string(reader):
    add("First", 1)
    first = reader.get("/", {"q": "talks", "language": "en"})
    assert 'value="talks"' in first.text and 'value="en"' in first.text
    assert "filters" in [t.name for t in first.templates]
    again = reader.get("/", {"q": "talks", "language": "en"})
    main = lambda response: response.text.split("<main")[1].split("</main>")[0]  # noqa: E731
    assert main(again) == main(first)
    assert "filters" not in [t.name for t in again.templates]
    other = reader.get("/", {"q": "grain"}).text
    assert 'value="grain"' in other and 'value="talks"' not in other and 'value="en"' not in other


def test_a_label_and_its_removal_show_in_the_counts_and_the_unlabelled_filter(
    reader, analyst, label
):
    article = add("Quoted", 1)
    quote = article.quotes.get()
    assert rows(reader) == [("Quoted", 1, 0, 0)]
    assert rows(reader, unlabelled=1) == [("Quoted", 1, 0, 0)]
    annotation.set_label(analyst, quote, label)
    assert rows(reader) == [("Quoted", 1, 1, 0)]
    assert rows(reader, unlabelled=1) == []
    annotation.undo_last(analyst, article.pk)
    assert not StanceAnnotation.objects.exists()
    assert rows(reader) == [("Quoted", 1, 0, 0)]
    assert rows(reader, unlabelled=1) == [("Quoted", 1, 0, 0)]


def test_deleting_restoring_and_adding_quotes_show_at_once(reader, analyst):
    article = add("Quoted", 1)
    quote = article.quotes.get()
    assert rows(reader) == [("Quoted", 1, 0, 0)]
    annotation.delete_quote(analyst, quote.pk)
    assert rows(reader) == [("Quoted", 0, 0, 0)]
    assert rows(reader, unlabelled=1) == []
    annotation.restore_quote(analyst, quote.pk)
    assert rows(reader) == [("Quoted", 1, 0, 0)]
    annotation.create_quote(analyst, article, 0, 6, "Peskov")
    assert rows(reader) == [("Quoted", 2, 0, 0)]


def test_the_speaker_filter_follows_attributions_merges_and_aliases(reader, analyst):
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    other = Speaker.objects.create(name="D. Peskov")
    first = add("First", 1, speaker=peskov)
    add("Second", 2, speaker=other)
    assert [r[0] for r in rows(reader, speaker="Dmitry Peskov")] == ["First"]
    # An analyst gives the second article's quote to Peskov.
    second_quote = Quote.objects.get(article__title="Second")
    annotation.set_speaker(analyst, second_quote.pk, speaker_id=peskov.pk)
    assert [r[0] for r in rows(reader, speaker="Dmitry Peskov")] == ["Second", "First"]
    annotation.set_speaker(analyst, second_quote.pk, speaker_id=other.pk)
    assert [r[0] for r in rows(reader, speaker="Dmitry Peskov")] == ["First"]
    # An editor merges the two speakers.
    speakers.merge_speakers(peskov, [other])
    assert [r[0] for r in rows(reader, speaker="Dmitry Peskov")] == ["Second", "First"]
    # A new alias finds them; a renamed speaker is found by the new name only.
    assert rows(reader, speaker="Kremlin spokesman") == []
    SpeakerAlias.objects.create(speaker=peskov, name="Kremlin spokesman", key="kremlin")
    assert [r[0] for r in rows(reader, speaker="Kremlin spokesman")] == ["Second", "First"]
    Speaker.objects.filter(pk=peskov.pk).update(name="Dmitri Peskov")
    assert rows(reader, speaker="Dmitry Peskov") == []
    # A quote deleted takes its article out of the speaker's list.
    annotation.delete_quote(analyst, first.quotes.get().pk)
    assert [r[0] for r in rows(reader, speaker="Dmitri Peskov")] == ["Second"]


def test_coverage_counts_follow_rejections_and_the_bin(reader, analyst):
    a, b, c = add("A", 1), add("B", 2), add("C", 3)
    ab = CoverageLink.objects.create(article_a=a, article_b=b, score=0.9)
    CoverageLink.objects.create(article_a=a, article_b=c, score=0.8)
    assert [r[3] for r in rows(reader)] == [1, 1, 2]  # C, B, A
    CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.REJECTED)
    assert [r[3] for r in rows(reader)] == [1, 0, 1]
    CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.CONFIRMED)
    assert [r[3] for r in rows(reader)] == [1, 1, 2]
    # The other article of a link in the bin: the link is not counted, until it comes back.
    article_bin.move_to_bin(analyst, [c.pk])
    assert rows(reader) == [("B", 1, 0, 1), ("A", 1, 0, 1)]
    article_bin.restore_from_bin(analyst, [c.pk])
    assert [r[3] for r in rows(reader)] == [1, 1, 2]
    CoverageLink.objects.filter(pk=ab.pk).delete()
    assert [r[3] for r in rows(reader)] == [1, 0, 1]


def test_an_import_shows_its_articles_with_their_quotes(reader):
    add("Before", 1)
    assert [r[0] for r in rows(reader)] == ["Before"]
    path = sorted(SEEDS.glob("*.txt"))[0]
    result = ArticleImporter().import_file(path, path.name)
    assert result.status == "imported", result
    article = Article.objects.get(pk=result.article_id)
    shown = {title: quotes for title, quotes, *_ in rows(reader)}
    assert shown.keys() == {"Before", article.title}
    assert shown[article.title] == article.quotes.count() >= 1
    name = article.quotes.exclude(speaker=None).first().speaker.name
    assert [r[0] for r in rows(reader, speaker=name)] == [article.title]


def test_a_row_shows_a_changed_title_badge_and_date_format_at_once(reader):
    article = add("Quoted", 1)
    assert "derived title" not in reader.get("/", **HTMX).text
    assert "2024-01-01 12:00" not in reader.get("/", **HTMX).text
    Article.objects.filter(pk=article.pk).update(title_derived=True)
    assert "derived title" in reader.get("/", **HTMX).text
    Article.objects.filter(pk=article.pk).update(published_has_time=True)
    assert "2024-01-01 12:00" in reader.get("/", **HTMX).text


def test_each_change_moves_the_version_the_list_reads_it_under(analyst, label):
    article = add("Quoted", 1)
    quote = article.quotes.get()
    other = add("Other", 2)

    def moved(change):
        before = versions()
        change()
        after = versions()
        return [
            name for name, b, a in zip(caching.VERSION_ORDER, before, after, strict=True) if b != a
        ]

    assert moved(lambda: annotation.set_label(analyst, quote, label)) == ["quotes"]
    second = Label.objects.create(label_set=label.label_set, name="critical", key="c")
    assert moved(lambda: annotation.set_label(analyst, quote, second)) == []  # still labelled
    assert moved(lambda: annotation.undo_last(analyst, article.pk)) == []
    assert moved(lambda: annotation.undo_last(analyst, article.pk)) == ["quotes"]
    assert moved(lambda: Quote.objects.filter(pk=quote.pk).update(cue="said")) == []
    speaker = Speaker.objects.create(name="Dmitry Peskov")
    assert moved(lambda: Quote.objects.filter(pk=quote.pk).update(speaker=speaker)) == ["quotes"]
    assert moved(lambda: Speaker.objects.filter(pk=speaker.pk).update(role="x")) == []
    link = CoverageLink.objects.create(article_a=article, article_b=other, score=0.5)
    assert moved(lambda: None) == []
    link_rows = CoverageLink.objects.filter(pk=link.pk)
    # A confirmation leaves the count as it was, and so the version; a rejection does not.
    assert moved(lambda: link_rows.update(status=CoverageLink.CONFIRMED)) == []
    assert moved(lambda: link_rows.update(status=CoverageLink.REJECTED)) == ["links"]
    assert moved(lambda: link_rows.update(status=CoverageLink.SUGGESTED)) == ["links"]
    assert moved(lambda: link_rows.delete()) == ["links"]
    assert moved(lambda: Article.objects.filter(pk=other.pk).update(title="O")) == ["articles"]


def test_the_versions_triggers_come_back_after_a_migrate_dropped_them():
    caching.drop_triggers(connection, versions=(caching.QUOTES, caching.LINKS))
    article = add("Quoted", 1)  # the articles trigger stays
    before = versions()
    Quote.objects.filter(article=article).update(deleted_at=dt.datetime.now(dt.UTC))
    assert versions()[1] == before[1]
    caching.ensure_triggers_after_migrate(sender=None)
    Quote.objects.filter(article=article).update(deleted_at=None)
    assert versions()[1] != before[1]


def test_nothing_is_kept_inside_a_transaction(reader):
    with transaction.atomic():
        assert versions() is None


# --- writers that take two versions, or a row and then a version ------------------------------

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL only"
)


def in_threads(first, second, started):
    """Run `first` and, once it says `started`, `second`; every error of either is returned."""
    errors = []

    def run(call, wait):
        try:
            if wait:
                assert started.wait(5)
            call()
        except Exception as exc:  # noqa: BLE001 — any failure is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(first, False))]
    threads.append(threading.Thread(target=run, args=(second, True)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


@needs_row_locks
def test_a_quote_edit_during_a_speaker_merge_waits_instead_of_deadlocking(analyst, monkeypatch):
    """An analyst's quote deletion locks the quote, then changes it (the 'quotes' version); a
    merge takes the version, then moves the quotes. The deletion takes the version first."""
    peskov = Speaker.objects.create(name="Dmitry Peskov")
    other = Speaker.objects.create(name="D. Peskov")
    quote = add("Quoted", 1, speaker=other).quotes.get()
    locked = threading.Event()
    snapshot = annotation.quote_snapshot

    def slow_snapshot(*args, **kwargs):  # runs with the quote locked, before it changes
        locked.set()
        time.sleep(0.5)  # the merge starts meanwhile
        return snapshot(*args, **kwargs)

    monkeypatch.setattr(annotation, "quote_snapshot", slow_snapshot)
    errors = in_threads(
        lambda: annotation.delete_quote(analyst, quote.pk),
        lambda: speakers.merge_speakers(peskov, [other]),
        locked,
    )
    assert errors == []
    quote.refresh_from_db()
    assert (quote.deleted_at is not None, quote.speaker_id) == (True, peskov.pk)


@needs_row_locks
def test_deleting_for_good_during_an_import_waits_instead_of_deadlocking(analyst):
    """An import takes 'articles', then 'quotes'; deleting an article for good deletes its
    quotes before it, so it takes the versions in the import's order first."""
    from articles import coverage  # noqa: F401 — delete_for_good's import, done before the race

    binned = add("Binned", 1)
    article_bin.move_to_bin(analyst, [binned.pk])
    writing = threading.Event()

    def importer():
        with transaction.atomic():
            new = Article.objects.create(
                title="New", body=BODY, raw_text=BODY, encoding="utf-8", sha256="e" * 64
            )  # takes 'articles'
            writing.set()
            time.sleep(0.5)  # the deletion starts meanwhile
            Quote.objects.create(article=new, start=0, end=6, text="Peskov")  # then 'quotes'

    errors = in_threads(importer, lambda: article_bin.delete_for_good([binned.pk]), writing)
    assert errors == []
    assert list(Article.objects.values_list("title", flat=True)) == ["New"]
