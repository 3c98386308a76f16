"""The label sets kept per process for the reader and the label request (articles.caching, the
'labels' version): read once, and never stale, since every change of a label set or a label
moves the version on in its own transaction.

Transactional tests: the cache is never used inside a transaction, and a TestCase runs in one."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import caching
from articles.models import Article, Label, LabelSet, Quote, StanceAnnotation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HX = {"HTTP_HX_REQUEST": "true"}
BODY = 'The minister said "talks will resume soon" and critics said "nothing will change".'


@pytest.fixture(autouse=True)
def empty_cache():
    caching.LABEL_SETS.clear()


@pytest.fixture
def analyst(client):
    client.force_login(make_user("alice", "analyst"))
    return client


@pytest.fixture
def article():
    article = Article.objects.create(
        title="Talks", body=BODY, raw_text=BODY, encoding="utf-8", sha256="a" * 64
    )
    for text in ("talks will resume soon", "nothing will change"):
        start = BODY.index(text)
        Quote.objects.create(article=article, start=start, end=start + len(text), text=text)
    return article


def labels_version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM articles_dataversion WHERE name = %s", ["labels"])
        row = cursor.fetchone()
    return row[0] if row else None


def label_set_queries(queries):
    """The ORM's reads of label sets and labels (the panel's raw stance query joins labels
    too, but it reads stances)."""
    return [
        q["sql"]
        for q in queries
        if 'FROM "articles_labelset"' in q["sql"] or 'FROM "articles_label"' in q["sql"]
    ]


def reader(client, article):
    return client.get(reverse("articles-reader", args=[article.pk]))


def post_label(client, quote, label):
    url = reverse("articles-quote-label", args=[quote.pk])
    return client.post(url, {"label": label.pk, "label_set": label.label_set_id}, **HX)


def test_the_second_reader_page_reads_no_label_set(analyst, article):
    with CaptureQueriesContext(connection) as first:
        assert "endorses" in reader(analyst, article).text
    with CaptureQueriesContext(connection) as second:
        page = reader(analyst, article).text
    assert len(label_set_queries(first.captured_queries)) == 2  # the sets, then their labels
    assert label_set_queries(second.captured_queries) == []
    assert "endorses" in page and "Presentation" in page


def test_a_renamed_label_shows_at_once(analyst, article):
    assert "endorses" in reader(analyst, article).text
    Label.objects.filter(name="endorses").update(name="backs")
    page = reader(analyst, article).text
    assert "backs" in page and "endorses" not in page


def test_a_new_label_set_is_offered_at_once_and_a_retired_one_is_not(analyst, article):
    assert "Tone" not in reader(analyst, article).text
    tone = LabelSet.objects.create(name="Tone", order=99)
    Label.objects.create(label_set=tone, name="hostile", key="h")
    assert f'href="?set={tone.pk}"' in reader(analyst, article).text
    LabelSet.objects.filter(pk=tone.pk).update(active=False)
    assert f'href="?set={tone.pk}"' not in reader(analyst, article).text


def test_a_label_of_a_just_retired_set_is_refused(analyst, article):
    quote = article.quotes.first()
    endorses = Label.objects.get(name="endorses")
    assert post_label(analyst, quote, endorses).status_code == 200
    LabelSet.objects.filter(pk=endorses.label_set_id).update(active=False)
    response = analyst.post(
        reverse("articles-quote-label", args=[quote.pk]), {"label": endorses.pk}
    )
    assert response.status_code == 400
    assert StanceAnnotation.objects.count() == 1


def test_the_label_request_takes_the_label_from_the_cache(analyst, article):
    quote = article.quotes.first()
    endorses, disputes = Label.objects.get(name="endorses"), Label.objects.get(name="disputes")
    post_label(analyst, quote, endorses)
    with CaptureQueriesContext(connection) as again:
        response = post_label(analyst, quote, disputes)
    assert "you: disputes" in response.text
    assert label_set_queries(again.captured_queries) == []
    assert StanceAnnotation.objects.get().label == disputes


def test_the_version_moves_with_every_change_of_a_label_set_or_a_label():
    seen = [labels_version()]
    assert seen[0] is not None
    tone = LabelSet.objects.create(name="Tone")
    seen.append(labels_version())
    hostile = Label.objects.create(label_set=tone, name="hostile", key="h")
    seen.append(labels_version())
    Label.objects.filter(pk=hostile.pk).update(colour="#ff0000")
    seen.append(labels_version())
    LabelSet.objects.filter(pk=tone.pk).update(note_required=True)
    seen.append(labels_version())
    tone.delete()  # and its labels with it
    seen.append(labels_version())
    # A new random number each time (see articles.caching): only inequality matters.
    assert len(set(seen)) == len(seen)


def test_a_rolled_back_label_change_leaves_the_version_as_it_was():
    before = labels_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Label.objects.filter(name="endorses").update(name="backs")
        raise RuntimeError
    assert labels_version() == before


def test_the_label_triggers_come_back_after_a_migrate_dropped_them():
    caching.drop_triggers(connection)
    before = labels_version()
    Label.objects.filter(name="endorses").update(name="backs")
    assert labels_version() == before
    caching.ensure_triggers_after_migrate(sender=None)
    Label.objects.filter(name="backs").update(name="endorses")
    assert labels_version() != before


def test_a_migrate_or_flush_empties_the_label_set_cache():
    caching.LABEL_SETS.put((1, "label sets"), ["a label set"])
    caching.ensure_triggers_after_migrate(sender=None)
    assert caching.LABEL_SETS.get((1, "label sets")) is None


def test_nothing_is_taken_from_the_cache_inside_a_transaction():
    with transaction.atomic():
        assert caching.usable(1234) is None
    assert caching.usable(1234) == 1234


def test_the_reader_costs_six_queries_with_labels_claims_and_a_deleted_quote(
    analyst, article, django_assert_max_num_queries
):
    first, second = article.quotes.order_by("start")
    post_label(analyst, first, Label.objects.get(name="endorses"))
    Quote.objects.filter(pk=second.pk).update(deleted_at=first.article.imported_at)
    reader(analyst, article)
    # session, user, article (with the labels version), quotes (deleted ones too), coverage,
    # labels and claims on the quotes (one statement).
    with django_assert_max_num_queries(6):
        page = reader(analyst, article).text
    assert "you: endorses" in page and "Deleted quotes (1)" in page


def test_the_label_request_costs_nine_queries(analyst, article, django_assert_max_num_queries):
    quote = article.quotes.first()
    endorses, disputes = Label.objects.get(name="endorses"), Label.objects.get(name="disputes")
    post_label(analyst, quote, endorses)
    # session, user, quote (with the labels version); the change in a transaction (begin or a
    # savepoint, lock the stance, update it, its history record, commit); the entry's labels
    # and claims in one. No session write: undo reads the history.
    with django_assert_max_num_queries(9):
        assert post_label(analyst, quote, disputes).status_code == 200


def test_the_undo_request_costs_eleven_queries(analyst, article, django_assert_max_num_queries):
    quote = article.quotes.first()
    endorses, disputes = Label.objects.get(name="endorses"), Label.objects.get(name="disputes")
    post_label(analyst, quote, endorses)
    post_label(analyst, quote, disputes)
    # session, user, article (with the labels version); the last change still to undo (its
    # label from the cached label sets); the change in a transaction (begin or a savepoint,
    # lock, update, history record, commit); the entry of the quote it changed (the quote, its
    # labels and claims in one). No session write.
    with django_assert_max_num_queries(11):
        response = analyst.post(reverse("articles-undo", args=[article.pk]), **HX)
    assert "you: endorses" in response.text and "<html" not in response.text
    assert StanceAnnotation.objects.get().label == endorses
