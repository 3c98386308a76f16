"""The number of suggestions left to review, kept by triggers (articles.queue_tally): after every
way of changing links or the bin it is what counting them gives."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from articles import article_bin, coverage, queue_tally
from articles.models import Article, CoverageLink
from tests.test_coverage_review import make_article


def counted() -> int:
    """The number as the queue used to count it on every answer."""
    with connection.cursor() as cursor:
        cursor.execute(queue_tally.COUNT_SQL)
        return cursor.fetchone()[0]


def tally_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {queue_tally.TABLE}")
        return cursor.fetchone()[0]


def left() -> int:
    """The tally, checked against a full count."""
    number = queue_tally.suggestions_left()
    assert number == counted()
    return number


def link(a, b, status=CoverageLink.SUGGESTED, score=0.5):
    return CoverageLink.objects.create(
        article_a=a, article_b=b, relation="same story", status=status, score=score
    )


@pytest.fixture
def arts(db):
    return [make_article(f"Tally report {n}", "TASS") for n in range(6)]


def test_new_links_count_when_suggested(arts):
    assert left() == 0
    link(arts[0], arts[1])
    link(arts[1], arts[2], status=CoverageLink.CONFIRMED)
    assert left() == 1
    CoverageLink.objects.bulk_create(
        [
            CoverageLink(article_a=arts[2], article_b=arts[3], relation="related", score=0.2),
            CoverageLink(article_a=arts[3], article_b=arts[4], relation="related", score=0.2),
        ]
    )
    assert left() == 3
    with connection.cursor() as cursor:  # plain SQL, as the indexer writes
        cursor.execute(
            "INSERT INTO articles_coveragelink (article_a_id, article_b_id, relation, status,"
            " score, evidence, created_at) VALUES (%s, %s, 'related', 'suggested', 0.1, '{}', %s)",
            [arts[4].pk, arts[5].pk, timezone.now()],
        )
    assert left() == 4


def test_decisions_and_their_undo_move_the_number(arts, alice, eddie):
    ab, bc = link(arts[0], arts[1]), link(arts[1], arts[2])
    assert left() == 2
    coverage.decide(alice, ab.pk, CoverageLink.CONFIRMED)
    assert left() == 1
    coverage.decide(alice, bc.pk, bc.status, relation="rewrite")  # still a suggestion
    assert left() == 1
    coverage.decide(alice, bc.pk, CoverageLink.REJECTED)
    assert left() == 0
    coverage.undo_last(alice)
    assert left() == 1
    coverage.decide(eddie, ab.pk, CoverageLink.SUGGESTED)  # an editor puts it back
    assert left() == 2


def test_a_decision_rolled_back_leaves_the_number(arts, alice):
    ab = link(arts[0], arts[1])
    with pytest.raises(RuntimeError), transaction.atomic():
        coverage.decide(alice, ab.pk, CoverageLink.REJECTED)
        raise RuntimeError("the request failed after the decision")
    assert left() == 1
    with pytest.raises(coverage.StaleDecision):
        coverage.decide(alice, ab.pk, CoverageLink.REJECTED, expected=CoverageLink.CONFIRMED)
    assert left() == 1


def test_updates_and_deletes_in_bulk(arts):
    for i in range(5):
        link(arts[i], arts[i + 1])
    assert left() == 5
    CoverageLink.objects.filter(article_a__in=arts[:3]).update(status=CoverageLink.REJECTED)
    assert left() == 2
    CoverageLink.objects.update(status=CoverageLink.SUGGESTED)
    assert left() == 5
    CoverageLink.objects.filter(article_a=arts[0]).delete()
    assert left() == 4
    CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).update(score=0.9)  # no change
    assert left() == 4
    CoverageLink.objects.all().delete()
    assert left() == 0


def test_the_bin_takes_links_out_and_brings_them_back(arts, eddie):
    ab, bc, cd = link(arts[0], arts[1]), link(arts[1], arts[2]), link(arts[2], arts[3])
    assert left() == 3
    article_bin.move_to_bin(eddie, [arts[1].pk])
    assert left() == 1
    # Both articles of a link binned in one statement: the link leaves once.
    Article.objects.filter(pk__in=[arts[2].pk, arts[3].pk]).update(deleted_at=timezone.now())
    assert left() == 0
    Article.objects.filter(pk__in=[arts[1].pk, arts[2].pk]).update(deleted_at=None)
    assert left() == 2  # ab and bc; cd still touches the bin
    Article.objects.filter(pk=arts[3].pk).update(deleted_at=timezone.now())  # binned already
    assert left() == 2
    article_bin.restore_from_bin(eddie, [arts[3].pk])
    assert left() == 3
    bc.status = CoverageLink.REJECTED
    bc.save()
    Article.objects.filter(pk=arts[1].pk).update(deleted_at=timezone.now())
    assert left() == 1  # only cd: ab left with its article, bc was rejected
    assert {ab.pk, cd.pk}  # the links themselves stay


def test_an_article_restored_into_the_bin_and_deleted_from_it(arts):
    ab = link(arts[0], arts[1])
    with transaction.atomic():  # a restore may write links before the article they name
        Article.objects.filter(pk=arts[1].pk).delete()
        assert left() == 0  # its link went with it
        link(arts[0], arts[2])
        CoverageLink.objects.create(
            article_a_id=arts[0].pk, article_b_id=10**9, relation="related", score=0.1
        )
        assert left() == 2  # an article not there (yet) is not in the bin
        Article.objects.create(
            pk=10**9,
            title="Restored binned",
            body="x",
            raw_text="x",
            sha256="f" * 64,
            encoding="utf-8",
            deleted_at=timezone.now(),
        )
        assert left() == 1
        # Deleted from the bin while its link remains (as the collector might order it).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM articles_article WHERE id = %s", [10**9])
        assert left() == 2
        CoverageLink.objects.filter(article_b_id=10**9).delete()
        assert left() == 1
    assert ab.pk


def test_deleting_binned_articles_for_good_keeps_the_number(arts, eddie):
    link(arts[0], arts[1])
    link(arts[1], arts[2])
    link(arts[3], arts[4])
    article_bin.move_to_bin(eddie, [arts[1].pk])
    assert left() == 1
    article_bin.delete_for_good([arts[1].pk])
    assert left() == 1
    assert CoverageLink.objects.count() == 1


def test_many_changes_fold_into_one_row_with_the_same_sum(arts):
    ab = link(arts[0], arts[1])
    for _ in range(queue_tally.FOLD_AT + 1):
        CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.REJECTED)
        CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.SUGGESTED)
    assert tally_rows() > queue_tally.FOLD_AT
    assert left() == 1  # reads, then folds
    assert tally_rows() == 1
    assert left() == 1


def test_the_queue_page_folds_too(arts, client_for, alice):
    ab = link(arts[0], arts[1])
    for _ in range(queue_tally.FOLD_AT):
        CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.REJECTED)
        CoverageLink.objects.filter(pk=ab.pk).update(status=CoverageLink.SUGGESTED)
    html = client_for(alice).get("/coverage/").content.decode()
    assert "1 suggestion to review" in html
    assert tally_rows() == 1


def test_a_migrate_or_a_flush_starts_again_from_a_full_count(arts):
    link(arts[0], arts[1])
    with connection.cursor() as cursor:  # a tally gone wrong (say, triggers missing a while)
        cursor.execute(f"INSERT INTO {queue_tally.TABLE} (delta) VALUES (41)")
    assert queue_tally.suggestions_left() == 42
    queue_tally.install_after_migrate(sender=None, using="default")
    assert left() == 1 and tally_rows() == 1


def test_emptying_the_links_table(arts):
    link(arts[0], arts[1])
    link(arts[1], arts[2])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check pending
            cursor.execute("TRUNCATE articles_coveragelink")
        else:  # SQLite has no TRUNCATE: Django's flush deletes every row
            cursor.execute("DELETE FROM articles_coveragelink")
    assert left() == 0


def test_importing_and_rebuilding_suggestions_keep_the_number(seeds):
    from io import StringIO

    from django.core.management import call_command

    before = left()
    assert before == CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).count()
    assert before > 0
    call_command("suggest_links", "--rebuild", "--workers", "1", stdout=StringIO())
    assert left() == CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).count()
