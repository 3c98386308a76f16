"""Indexing on import: fingerprints and keys are stored, and links are suggested incrementally."""

import pytest
from django.db import connection

from articles.coverage import KEY_CAP, candidates, index_article, rebuild_index
from articles.importing import ArticleImporter
from articles.models import (
    ArticleFingerprint,
    BandKey,
    BlockingKey,
    CoverageLink,
    TermCount,
)

PESKOV_A = (
    "Kremlin says NATO is at war with Russia\n\n"
    "Kremlin spokesman Dmitry Peskov told the Izvestia newspaper on Tuesday that NATO has become "
    "a party to the conflict in Ukraine. Peskov said the alliance supplies weapons to Kiev free "
    "of charge. “NATO intelligence works against Russia around the clock,” Peskov said. He added "
    "that the New START treaty could not be discussed while France and Britain keep their "
    "nuclear arsenals outside it.\n"
)
PESKOV_B = (
    "Peskov: the alliance is a party to the Ukraine conflict\n\n"
    "Dmitry Peskov, the Kremlin spokesman, said in an interview with Izvestia that the NATO "
    "alliance had in effect joined the conflict in Ukraine. “Their intelligence works against "
    "Russia day and night,” Peskov told the newspaper, adding that weapons reach Kiev free of "
    "charge. Peskov said New START talks were impossible while the French and British nuclear "
    "arsenals stayed outside the treaty.\n"
)
QUAKE = (
    "Earthquake shakes central Chile\n\n"
    "A magnitude 6.1 earthquake struck central Chile on Sunday, the Geological Survey said. "
    "Residents of Valparaiso fled their homes as buildings shook. Officials in Santiago reported "
    "no deaths but dozens of injuries. The quake was felt as far away as Mendoza in Argentina.\n"
)


def imported(text, name, outlet=""):
    result = ArticleImporter(outlet=outlet).import_bytes(text.encode(), name)
    assert result.status == "imported", result
    from articles.models import Article

    return Article.objects.get(pk=result.article_id)


def pair(a, b):
    lo, hi = sorted((a.pk, b.pk))
    return CoverageLink.objects.filter(article_a_id=lo, article_b_id=hi).first()


@pytest.mark.django_db
def test_importing_an_article_stores_its_fingerprint_and_keys():
    article = imported(PESKOV_A, "a.txt")
    fingerprint = ArticleFingerprint.objects.get(article=article)
    assert len(fingerprint.minhash) == 64
    assert "peskov" in fingerprint.profile["names"]
    assert BandKey.objects.filter(article=article).count() == 16
    assert BlockingKey.objects.filter(article=article, key="n:peskov").exists()
    assert TermCount.objects.get(term="peskov").articles == 1
    assert TermCount.objects.get(term="").articles == 1


@pytest.mark.django_db
def test_a_second_report_of_the_story_is_suggested_on_import_without_rerunning_anything():
    a = imported(PESKOV_A, "a.txt")
    quake = imported(QUAKE, "quake.txt")
    assert CoverageLink.objects.count() == 0
    b = imported(PESKOV_B, "b.txt")
    link = pair(a, b)
    assert link is not None
    assert link.status == CoverageLink.SUGGESTED
    assert link.relation != CoverageLink.RELATED
    assert link.score >= 0.5
    assert "Peskov" in link.evidence["shared_names"]
    assert pair(a, quake) is None and pair(b, quake) is None


@pytest.mark.django_db
def test_a_syndicated_copy_from_another_outlet_is_a_confirmed_duplicate_in_one_story():
    a = imported(PESKOV_A, "a.txt", outlet="Izvestia")
    b = imported(PESKOV_A, "a.txt", outlet="TASS")
    link = pair(a, b)
    assert (link.status, link.relation) == (CoverageLink.CONFIRMED, CoverageLink.DUPLICATE)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.story_id is not None and a.story_id == b.story_id


@pytest.mark.django_db
def test_a_near_copy_is_found_through_a_shared_band_key():
    a = imported(PESKOV_A, "a.txt")
    b = imported(PESKOV_A.replace("Tuesday", "Wednesday"), "b.txt")
    link = pair(a, b)
    assert link.relation in {CoverageLink.DUPLICATE, CoverageLink.REWRITE}
    assert link.evidence["text_similarity"] > 0.5


@pytest.mark.django_db
def test_a_key_shared_by_too_many_articles_finds_no_candidates():
    a = imported(PESKOV_A, "a.txt")
    BlockingKey.objects.bulk_create(
        BlockingKey(article=a, key="n:common") for _ in range(KEY_CAP + 5)
    )
    assert candidates(0, [], ["n:common"]) == set()
    assert candidates(0, [], ["n:peskov"]) == {a.pk}


@pytest.mark.django_db
def test_a_common_key_alone_finds_no_candidates_and_two_of_them_do():
    from articles.coverage import RARE_KEY
    from articles.models import Article

    holders = Article.objects.bulk_create(
        Article(title=f"t{i}", body="b", raw_text="b", sha256=f"{i:064x}")
        for i in range(2 * RARE_KEY)
    )
    # Two keys of RARE_KEY + 1 holders each (too common to be telling alone), overlapping on
    # ten articles; and a key of one holder.
    overlap_from = RARE_KEY + 1 - 10
    name, word = holders[: RARE_KEY + 1], holders[overlap_from : overlap_from + RARE_KEY + 1]
    BlockingKey.objects.bulk_create(
        [BlockingKey(article=a, key="n:common") for a in name]
        + [BlockingKey(article=a, key="t:commonword") for a in word]
        + [BlockingKey(article=holders[3], key="n:rare")]
    )
    assert len(name) == len(word) == RARE_KEY + 1
    assert candidates(0, [], ["n:common"]) == set()
    assert candidates(0, [], ["t:commonword"]) == set()
    both = {a.pk for a in name} & {a.pk for a in word}
    assert len(both) == 10
    assert candidates(0, [], ["n:common", "t:commonword"]) == both
    assert candidates(0, [], ["n:common", "n:rare"]) == {holders[3].pk}


@pytest.mark.django_db
def test_one_telling_key_finds_the_articles_of_the_same_news_cycle_and_the_undated():
    from datetime import UTC, date, datetime

    from articles.models import Article

    def article(n, published):
        return Article.objects.create(
            title=f"t{n}", body="b", raw_text="b", sha256=f"{n:064x}", published=published
        )

    near = article(1, datetime(2023, 2, 20, tzinfo=UTC))
    far = article(2, datetime(2023, 9, 1, tzinfo=UTC))
    undated = article(3, None)
    for a in (near, far, undated):
        BlockingKey.objects.create(article=a, key="n:rare")
    BlockingKey.objects.create(article=far, key="t:second")
    assert candidates(0, [], ["n:rare"], date(2023, 2, 28)) == {near.pk, undated.pk}
    # A second shared key makes the date irrelevant; no date of our own, neither is it.
    assert candidates(0, [], ["n:rare", "t:second"], date(2023, 2, 28)) == {
        near.pk,
        far.pk,
        undated.pk,
    }
    assert candidates(0, [], ["n:rare"]) == {near.pk, far.pk, undated.pk}


@pytest.mark.django_db
def test_indexing_again_does_not_count_an_article_twice_or_touch_reviewed_links(eddie):
    a = imported(PESKOV_A, "a.txt")
    b = imported(PESKOV_B, "b.txt")
    link = pair(a, b)
    link.status = CoverageLink.REJECTED
    link.save()
    index_article(b)
    assert TermCount.objects.get(term="peskov").articles == 2
    assert TermCount.objects.get(term="").articles == 2
    assert pair(a, b).status == CoverageLink.REJECTED
    assert BandKey.objects.filter(article=b).count() == 16


@pytest.mark.django_db
def test_rebuilding_the_index_finds_the_same_suggestions():
    a = imported(PESKOV_A, "a.txt")
    b = imported(PESKOV_B, "b.txt")
    imported(QUAKE, "quake.txt")
    CoverageLink.objects.all().delete()
    stats = rebuild_index(batch=2, workers=2)
    assert stats["articles"] == 3
    assert pair(a, b).score >= 0.5
    assert TermCount.objects.get(term="peskov").articles == 2
    assert CoverageLink.objects.count() == 1


@pytest.mark.django_db
def test_seeds_link_the_three_interview_versions_and_not_the_macron_call(seeds):
    by_name = {a.source_files.first().name[:3]: a for a in seeds}
    for x, y in [("000", "001"), ("000", "002"), ("001", "002")]:
        link = pair(by_name[x], by_name[y])
        assert link is not None and link.score >= 0.5, (x, y, link and link.score)
    for x in ["000", "001", "002"]:
        link = pair(by_name[x], by_name["003"])
        assert link is None or link.score < 0.5, (x, link.score)


@pytest.mark.django_db
def test_suggest_links_rebuilds_the_index_of_a_restored_corpus():
    from io import StringIO

    from django.core.management import call_command

    a = imported(PESKOV_A, "a.txt")
    b = imported(PESKOV_B, "b.txt")
    # A restore brings articles and links but no derived index.
    ArticleFingerprint.objects.all().delete()
    BandKey.objects.all().delete()
    BlockingKey.objects.all().delete()
    TermCount.objects.all().delete()
    CoverageLink.objects.all().delete()
    out = StringIO()
    call_command("suggest_links", stdout=out)
    assert out.getvalue().startswith("indexed=2 ")
    assert pair(a, b).status == CoverageLink.SUGGESTED
    c = imported(QUAKE, "quake.txt")
    ArticleFingerprint.objects.filter(article=c).delete()
    out = StringIO()
    call_command("suggest_links", stdout=out)
    assert out.getvalue().startswith("indexed=1 ")
    out = StringIO()
    call_command("suggest_links", "--rebuild", stdout=out)
    assert out.getvalue().startswith("indexed=3 ")
    assert ArticleFingerprint.objects.count() == 3


@pytest.mark.django_db
def test_a_batch_of_new_articles_finds_links_among_itself_and_with_the_corpus():
    from articles.coverage import index_articles

    a = imported(PESKOV_A, "a.txt")
    quake = imported(QUAKE, "quake.txt")
    CoverageLink.objects.all().delete()
    b = imported(PESKOV_B, "b.txt")
    CoverageLink.objects.all().delete()
    index_articles([quake, b])  # indexed again, together
    assert pair(a, b) is not None
    assert TermCount.objects.get(term="").articles == 3
    assert TermCount.objects.get(term="peskov").articles == 2


@pytest.mark.django_db
def test_rebuilding_in_worker_processes_suggests_what_one_process_suggests():
    imported(PESKOV_A, "a.txt")
    imported(PESKOV_B, "b.txt")
    imported(QUAKE, "quake.txt")

    def links():
        return sorted(
            CoverageLink.objects.values_list(
                "article_a_id", "article_b_id", "relation", "score", "evidence"
            )
        )

    CoverageLink.objects.all().delete()
    rebuild_index(batch=2, workers=1)
    alone = links()
    band_keys = sorted(BandKey.objects.values_list("article_id", "key"))
    CoverageLink.objects.all().delete()
    rebuild_index(batch=2, workers=2)
    assert links() == alone and alone
    # Keys are written with plain INSERTs: the same rows either way, 16 bands per article.
    assert sorted(BandKey.objects.values_list("article_id", "key")) == band_keys
    assert len(band_keys) == 3 * 16


def test_scoring_walk_compares_every_candidate_pair_once_with_partners_close_by():
    from articles.coverage import _in_walk_order, pair_codes

    # Two cliques joined by one pair, ids interleaved so id order would scatter them.
    group_a, group_b = [1, 3, 5, 7], [2, 4, 6, 8]
    pairs = {(x, y) for g in (group_a, group_b) for x in g for y in g if x < y} | {(7, 8)}
    order, partners = _in_walk_order(pair_codes(pairs))
    assert len(order) == len(set(order))
    seen = [tuple(sorted((a, b))) for a in order for b in partners[a]]
    assert sorted(seen) == sorted(pairs)
    # The walk starts at 1, which meets no partner before it, so it has nothing to compare.
    assert 1 not in order
    walk = [1, *order]
    position = {a: i for i, a in enumerate(walk)}
    # Each article's partners come before it in the walk, and a clique's members are adjacent.
    assert all(position[b] < position[a] for a in order for b in partners[a])
    assert set(walk[:4]) == set(group_a) and set(walk[4:]) == set(group_b)


@pytest.mark.django_db
def test_one_articles_keys_and_a_batchs_keys_obey_the_same_cap():
    from articles.coverage import FEW_KEYS, _usable

    a = imported(PESKOV_A, "a.txt")
    BlockingKey.objects.bulk_create(
        [BlockingKey(article=a, key="n:edge") for _ in range(KEY_CAP + 1)]
        + [BlockingKey(article=a, key="n:over") for _ in range(KEY_CAP + 2)]
    )
    few = _usable(BlockingKey, {"n:edge", "n:over"})
    many = _usable(BlockingKey, {"n:edge", "n:over"} | {f"t:x{i}" for i in range(FEW_KEYS)})
    assert dict(few) == {"n:edge": {a.pk}}
    assert dict(many) == {"n:edge": {a.pk}}


def _columns(holders_by_key: dict) -> tuple:
    import numpy as np

    rows = [(key, article) for key, holders in holders_by_key.items() for article in holders]
    keys, ids = zip(*rows, strict=True) if rows else ((), ())
    return np.array(keys, dtype=np.int64), np.array(ids, dtype=np.int64)


def _key_layout():
    """Articles 1..200 under invented keys: one band shared by 1 and 2; a telling (rare)
    blocking key of 3, 4 and 5; two commoner keys, each alone not enough, both shared by 6
    and 7; and a key of more than KEY_CAP + 1 holders, which joins no one."""
    from articles.coverage import RARE_KEY

    common = list(range(8, 8 + RARE_KEY))  # with 6 or 7: RARE_KEY + 1 holders
    bands = {101: [1, 2], 102: [3]}
    blocks = {
        1: [3, 4, 5],
        2: [6, 7, *common],
        3: [6, 7, *[c + 100 for c in common]],
        4: [6, *common[:5], *range(30, 30 + KEY_CAP)],
        5: [9, 60],
    }
    return bands, blocks


def _days_apart(layout_days: dict) -> tuple:
    import numpy as np

    ids = np.arange(1, 200, dtype=np.int64)
    return ids, np.array([layout_days.get(i, -1) for i in ids], dtype=np.int64)


# Day ordinals: 3 and 4 ran a week apart, 5 a season later; 6 and 7 (two shared keys) and
# 1 and 2 (a shared band) years apart; the rest undated.
DAYS = {3: 738000, 4: 738007, 5: 738100, 6: 737000, 7: 738500, 1: 737000, 2: 738500}


def test_candidate_pairs_need_a_band_two_keys_or_a_telling_key_and_a_news_cycle():
    from articles.coverage import SINGLE_KEY_DAYS, _split, candidate_pairs

    bands, blocks = _key_layout()
    lower, upper = _split(candidate_pairs(_columns(bands), _columns(blocks), _days_apart(DAYS)))
    pairs = set(zip(lower.tolist(), upper.tolist(), strict=True))
    assert {(1, 2), (3, 4), (6, 7), (9, 60)} <= pairs
    # 5 shares only the telling key 1 with 3 and 4, and ran more than a news cycle later.
    assert DAYS[5] - DAYS[4] > SINGLE_KEY_DAYS
    assert (3, 5) not in pairs and (4, 5) not in pairs


def test_candidate_pairs_need_a_band_a_telling_key_or_two_commoner_keys():
    from articles.coverage import _split, candidate_pairs

    bands, blocks = _key_layout()
    lower, upper = _split(candidate_pairs(_columns(bands), _columns(blocks)))
    pairs = set(zip(lower.tolist(), upper.tolist(), strict=True))
    assert (1, 2) in pairs
    assert {(3, 4), (3, 5), (4, 5)} <= pairs
    assert (6, 7) in pairs
    assert (9, 60) in pairs
    # Sharing only one commoner key: 6 and 8 (key 2 only; key 4 is over the cap).
    assert (6, 8) not in pairs and (7, 8) not in pairs and (8, 9) not in pairs
    assert (6, 30) not in pairs
    assert all(a < b for a, b in pairs)


def test_one_article_finds_the_candidates_a_rebuild_pairs_it_with():
    from articles.coverage import KEY_CAP, _partners, _split, candidate_pairs

    bands, blocks = _key_layout()
    lower, upper = _split(candidate_pairs(_columns(bands), _columns(blocks), _days_apart(DAYS)))
    pairs = set(zip(lower.tolist(), upper.tolist(), strict=True))
    usable = {k: set(v) for k, v in blocks.items() if len(v) <= KEY_CAP + 1}
    for article in range(1, 200):
        own_bands = [k for k, v in bands.items() if article in v]
        own_blocks = [k for k, v in blocks.items() if article in v]
        expected = {b for a, b in pairs if a == article} | {a for a, b in pairs if b == article}
        found = _partners(
            article, own_bands, own_blocks, {k: set(v) for k, v in bands.items()}, usable, DAYS
        )
        assert found == expected, article


@pytest.mark.django_db
def test_suggest_links_takes_a_number_of_worker_processes():
    from io import StringIO

    from django.core.management import CommandError, call_command

    a = imported(PESKOV_A, "a.txt")
    b = imported(PESKOV_B, "b.txt")
    CoverageLink.objects.all().delete()
    out = StringIO()
    call_command("suggest_links", "--rebuild", "--workers", "1", stdout=out)
    assert out.getvalue().startswith("indexed=2 ")
    assert pair(a, b).status == CoverageLink.SUGGESTED
    with pytest.raises(CommandError, match="--workers"):
        call_command("suggest_links", "--rebuild", "--workers", "0", stdout=StringIO())


def analysed_rows(table):
    """The row count the query planner's statistics give `table` (None: never analysed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            rows = cursor.fetchone()[0]
            return None if rows < 0 else int(rows)
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL", [table])
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


@pytest.mark.django_db
def test_a_rebuild_leaves_the_planner_statistics_of_what_it_rewrote_up_to_date():
    """Plans made from the tables as they were before a rebuild scanned every article for a
    story's articles (SQLite) and JIT-compiled the list's link counts (PostgreSQL)."""
    from io import StringIO

    from django.core.management import call_command

    imported(PESKOV_A, "a.txt")
    imported(PESKOV_B, "b.txt")
    imported(QUAKE, "quake.txt")
    call_command("suggest_links", "--rebuild", "--workers", "1", stdout=StringIO())
    assert analysed_rows("articles_coveragelink") == CoverageLink.objects.count() > 0
    assert analysed_rows("articles_articlefingerprint") == 3


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
@pytest.mark.parametrize("session", ["on", "off"])
def test_key_lookups_read_by_index_scans_and_leave_the_planner_as_it_was(session):
    from articles.coverage import _usable

    article = imported(PESKOV_A, "a.txt")
    keys = set(BlockingKey.objects.filter(article=article).values_list("key", flat=True))
    seen = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_bitmapscan', %s, true)", [session])

        def watch(execute, sql, params, many, context):
            if "LIMIT" in sql:
                cursor.execute("SELECT current_setting('enable_bitmapscan')")
                seen.append(cursor.fetchone()[0])
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch):
            holders = _usable(BlockingKey, keys)
        cursor.execute("SELECT current_setting('enable_bitmapscan')")
        assert cursor.fetchone()[0] == session
    assert seen and set(seen) == {"off"}
    assert all(article.pk in ids for ids in holders.values())
