"""A whole-corpus rebuild: it writes keys without their indexes, always leaves the indexes in
place afterwards, and stores the same index as importing the articles one by one did."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from articles import coverage
from articles.coverage import rebuild_index
from articles.models import ArticleFingerprint, BandKey, BlockingKey, CoverageLink, TermCount
from tests.test_coverage_indexing import PESKOV_A, PESKOV_B, QUAKE, imported


def key_indexes() -> set[str]:
    """The names of the indexes on the key column of the band and blocking keys."""
    found = set()
    with connection.cursor() as cursor:
        for model in (BandKey, BlockingKey):
            table = model._meta.db_table
            for name, about in connection.introspection.get_constraints(cursor, table).items():
                if about["index"] and about["columns"] == ["key"] and not about["primary_key"]:
                    found.add(name)
    return found


def index_rows() -> dict:
    """Everything the index holds, in a fixed order and without row ids."""
    return {
        "fingerprints": sorted(
            ArticleFingerprint.objects.values_list("article_id", "minhash", "profile"),
            key=lambda row: row[0],
        ),
        "bands": sorted(BandKey.objects.values_list("article_id", "key")),
        "blocks": sorted(BlockingKey.objects.values_list("article_id", "key")),
        "terms": sorted(TermCount.objects.values_list("term", "articles")),
    }


@pytest.fixture
def three_articles(db):
    return [imported(PESKOV_A, "a.txt"), imported(PESKOV_B, "b.txt"), imported(QUAKE, "q.txt")]


def test_a_rebuild_writes_keys_without_their_indexes_and_creates_them_again(
    three_articles, monkeypatch
):
    before = key_indexes()
    assert len(before) >= 2  # one per key table (PostgreSQL adds a pattern index)
    seen_while_writing = []
    insert_rows = coverage._insert_rows

    def watched(model, *args, **kwargs):
        if model in (BandKey, BlockingKey):
            seen_while_writing.append(key_indexes())
        return insert_rows(model, *args, **kwargs)

    monkeypatch.setattr(coverage, "_insert_rows", watched)
    rebuild_index(batch=2, workers=1)
    assert seen_while_writing == [set()] * 4  # two batches, two key tables each
    assert key_indexes() == before


def test_a_rebuild_that_fails_midway_leaves_whole_batches_and_the_indexes(
    three_articles, monkeypatch
):
    before = key_indexes()
    insert_rows = coverage._insert_rows
    blocking_writes = 0

    def failing(model, *args, **kwargs):
        nonlocal blocking_writes
        if model is BlockingKey:
            blocking_writes += 1
            if blocking_writes == 2:
                raise RuntimeError("disk full")
        return insert_rows(model, *args, **kwargs)

    monkeypatch.setattr(coverage, "_insert_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        rebuild_index(batch=2, workers=1)
    assert key_indexes() == before
    # The first batch (two articles) was written whole; the second not at all.
    first_two = sorted(a.pk for a in three_articles)[:2]
    assert sorted(ArticleFingerprint.objects.values_list("article_id", flat=True)) == first_two
    assert sorted(set(BandKey.objects.values_list("article_id", flat=True))) == first_two
    assert sorted(set(BlockingKey.objects.values_list("article_id", flat=True))) == first_two


def test_suggest_links_creates_the_indexes_a_killed_rebuild_left_missing(three_articles):
    before = key_indexes()
    # What a rebuild killed during its bulk insert leaves behind.
    with connection.cursor() as cursor:
        for name, _ in coverage._key_index_statements():
            cursor.execute(f"DROP INDEX {name}")
    assert key_indexes() == set()
    call_command("suggest_links", stdout=StringIO())
    assert key_indexes() == before


def test_the_rebuilt_index_is_the_one_importing_built(three_articles):
    # A word too long to be counted (TERM_MAX) is left out of the term counts either way.
    long_word = "Supercali" + "fragilistic" * 10
    imported(f"A long word\n\nResearchers in Valparaiso coined {long_word} on Sunday.\n", "w.txt")
    imported_one_by_one = index_rows()
    assert len(imported_one_by_one["bands"]) == 4 * 16
    assert not any(len(term) > coverage.TERM_MAX for term, _ in imported_one_by_one["terms"])
    rebuild_index(batch=2, workers=1)
    assert index_rows() == imported_one_by_one


def test_a_rebuild_drops_the_suggestions_it_no_longer_keeps_and_nothing_reviewed(
    three_articles, alice
):
    peskov_a, peskov_b, quake = three_articles
    kept = CoverageLink.objects.get(article_a=peskov_a, article_b=peskov_b)
    # Links no scoring of these texts would make: a stale suggestion, one an analyst decided
    # and undid (it has a history), and a confirmed one (the analyst's word).
    stale = CoverageLink.objects.create(article_a=peskov_a, article_b=quake, score=0.6)
    undone = CoverageLink.objects.create(article_a=peskov_b, article_b=quake, score=0.6)
    coverage.decide(alice, undone.pk, CoverageLink.REJECTED)
    coverage.undo_last(alice)
    confirmed = imported(QUAKE.replace("Sunday", "Monday"), "q2.txt")
    reviewed = CoverageLink.objects.create(
        article_a=peskov_a, article_b=confirmed, score=0.6, status=CoverageLink.CONFIRMED
    )
    rebuild_index(workers=1)
    left = set(CoverageLink.objects.values_list("pk", flat=True))
    assert stale.pk not in left
    assert {kept.pk, undone.pk, reviewed.pk} <= left
