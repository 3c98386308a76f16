"""Coverage workflow: index articles, suggest links through indexed keys, review them, and keep
stories (the connected groups of confirmed links) in step with every decision.

Fingerprints, band keys, blocking keys and term counts are derived data: they are not exported.
A restore leaves them empty and `manage.py suggest_links` rebuilds them; links and stories, the
analysts' work, are exported and restored as they were.
"""

import json
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, repeat

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from . import caching, queue_tally
from .models import (
    Article,
    ArticleFingerprint,
    BandKey,
    BlockingKey,
    ChangeRecord,
    CorpusScoring,
    CoverageLink,
    Story,
    TermCount,
)
from .models.history import UNDOES_SQL
from .plain_sql import json_placeholder, json_value, placeholders
from .text.link_index import IndexEntry, index_batch
from .text.story import (
    RELATED_THRESHOLD,
    SUGGEST_THRESHOLD,
    Fingerprint,
    StoryProfile,
    StoryScorer,
    fingerprint,
    profile_from_dict,
    profile_to_dict,
    score_batch,
    scored_pairs,
    start_scoring,
)
from .text.story_groups import (
    GROUP_LEVEL,
    Verdict,
    needing_participants,
    participants,
    story_verdicts,
)
from .workers import process_pool

NUM_PERM = 64
BANDS = 16
# A key shared by more articles than this names something common ("Putin", "government"):
# following it would compare a new article with thousands, so it finds no candidates.
KEY_CAP = 100
# A blocking key held by at most this many articles (a rare name, an unusual word) is telling
# on its own: sharing it makes two articles candidates. Two articles that share only commoner
# keys (up to KEY_CAP holders) must share two of them. On the 20,000-article scale corpus the
# pairs that shared just one key of more than 20 holders were 46% of all pairs compared, and 1
# in 3,000 of them scored as even related. A story can hold a dozen reports or more (ECB+
# events do), so the bar is not lower: filtering bench/eval_stories.py's candidates with this
# rule leaves its F1 as it was (BASIL 1.000, ECB+ 0.832), where a bar of 5 costs ECB+ 0.03.
RARE_KEY = 20
# Two articles that share just one blocking key (a telling one) are compared only if they
# appeared within this many days of each other, or a date is unknown: the scorer weighs time
# apart, and on the 40,000-article scale corpus none of the 164,000 such pairs further apart
# (two thirds of all pairs compared) scored as even related, while the 7,500 closer ones gave
# 3,000 related links. Articles that share two keys or a band are compared whenever they ran.
SINGLE_KEY_DAYS = 30
# Up to this many keys (one article's bands and blocking keys) are looked up one by one.
FEW_KEYS = 64
# The number of indexed articles is kept as the count of this (impossible) term.
TOTAL = ""
TERM_MAX = 100
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit
# First articles per scoring batch of a rebuild: each pulls in its candidates' profiles too
# (about ten each), and a few batches are in flight at once, so this bounds the memory.
SCORE_BATCH = 200

RELATIONS = {
    "duplicate": CoverageLink.DUPLICATE,
    "rewrite": CoverageLink.REWRITE,
    "translation": CoverageLink.TRANSLATION,
    "same story": CoverageLink.SAME_STORY,
    "related": CoverageLink.RELATED,
}
LINK_SUBJECT = "coverage link"


class StaleDecision(Exception):
    """The link changed since the reviewer saw it: the decision is refused, not applied."""


# --- indexing ----------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_article(article: Article) -> Fingerprint:
    """The profile, signature and keys of one article (pure text analysis, no queries)."""
    return fingerprint(*_fingerprint_args(article))


def _fingerprint_args(article: Article) -> tuple:
    published = article.published.date() if article.published else None
    return (article.title, article.body, published, NUM_PERM, BANDS)


def _counted_terms(profile: StoryProfile) -> list[str]:
    return [t for t in profile.terms if len(t) <= TERM_MAX]


# The incremental path (an import batch, one new article) runs a dozen small statements per
# article: written out as plain SQL, because compiling them through the ORM cost more CPU than
# running them.


def _name(model, field: str = "") -> str:
    """The quoted table name of `model`, or the quoted column of one of its fields."""
    if field:
        return connection.ops.quote_name(model._meta.get_field(field).column)
    return connection.ops.quote_name(model._meta.db_table)


def _add_term_counts(counts: Counter, sign: int = 1) -> None:
    """Add each term's count to the corpus document frequencies.

    Increments in the database (an upsert, or an UPDATE of the stored value), so concurrent
    imports add up instead of overwriting each other; terms in sorted order, so two imports
    lock the same rows in the same order.
    """
    table, term, articles = _name(TermCount), _name(TermCount, "term"), _name(TermCount, "articles")
    rows = [(t, counts[t] * sign) for t in sorted(counts)]
    if sign > 0:
        sql = (
            f"INSERT INTO {table} ({term}, {articles}) VALUES (%s, %s) "
            f"ON CONFLICT ({term}) DO UPDATE SET {articles} = {table}.{articles} + excluded.{articles}"
        )
        params = rows
    else:
        sql = f"UPDATE {table} SET {articles} = {articles} + %s WHERE {term} = %s"
        params = [(n, t) for t, n in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _stored_profiles(article_ids: Iterable[int]) -> Iterator[tuple[int, str, object, object]]:
    """(article id, language, profile, signature) of the indexed articles among these that are
    not in the bin; profile and signature as the driver returns JSON (see `plain_sql.json_value`)."""
    fp, article = _name(ArticleFingerprint), _name(Article)
    sql = (
        f"SELECT f.{_name(ArticleFingerprint, 'article')}, a.{_name(Article, 'language')}, "
        f"f.{_name(ArticleFingerprint, 'profile')}, f.{_name(ArticleFingerprint, 'minhash')} "
        f"FROM {fp} f JOIN {article} a ON a.{_name(Article, 'id')} = "
        f"f.{_name(ArticleFingerprint, 'article')} "
        f"WHERE a.{_name(Article, 'deleted_at')} IS NULL AND "
        f"f.{_name(ArticleFingerprint, 'article')} IN "
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(sorted(set(article_ids))):
            cursor.execute(sql + f"({placeholders(len(chunk))})", chunk)
            yield from cursor.fetchall()


def forget_terms(article_ids: Iterable[int]) -> None:
    """Take indexed articles out of the corpus document frequencies: before they are indexed
    again, or deleted for good (their fingerprints and keys then go by cascade)."""
    old = Counter()
    table, profile, article = (
        _name(ArticleFingerprint),
        _name(ArticleFingerprint, "profile"),
        _name(ArticleFingerprint, "article"),
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(sorted(set(article_ids))):
            cursor.execute(
                f"SELECT {profile} FROM {table} WHERE {article} IN ({placeholders(len(chunk))})",
                chunk,
            )
            for (stored,) in cursor.fetchall():
                old.update(t for t in json_value(stored).get("terms", ()) if len(t) <= TERM_MAX)
                old[TOTAL] += 1
    if old:
        _add_term_counts(old, -1)


def _store_index(articles: list[Article], prints: list[Fingerprint]) -> None:
    ids = sorted(a.pk for a in articles)
    forget_terms(ids)
    with connection.cursor() as cursor:
        for model in (ArticleFingerprint, BandKey, BlockingKey):
            for chunk in _chunks(ids):
                cursor.execute(
                    f"DELETE FROM {_name(model)} WHERE {_name(model, 'article')} "
                    f"IN ({placeholders(len(chunk))})",
                    chunk,
                )
    _insert_rows(
        ArticleFingerprint,
        ("article", "minhash", "profile"),
        [
            (a.pk, json.dumps(list(p.signature)), json.dumps(profile_to_dict(p.profile)))
            for a, p in zip(articles, prints, strict=True)
        ],
        json_columns=2,
    )
    _store_keys(articles, prints)
    new = Counter()
    for p in prints:
        new.update(_counted_terms(p.profile))
    new[TOTAL] += len(prints)
    _add_term_counts(new)


def _store_keys(articles: list[Article], prints: list[Fingerprint]) -> None:
    """Insert the band and blocking keys of these articles (about thirty rows each)."""
    pairs = list(zip(articles, prints, strict=True))
    _insert_rows(BandKey, ("article", "key"), [(a.pk, k) for a, p in pairs for k in p.band_keys])
    _insert_rows(
        BlockingKey, ("article", "key"), [(a.pk, k) for a, p in pairs for k in p.blocking_keys]
    )


@contextmanager
def _index_scans_only(cursor) -> Iterator[None]:
    """On PostgreSQL, within the current transaction, read through plain index scans, which
    stop at a LIMIT, not bitmap scans, which first gather every matching row.

    The planner guesses a key's holders from the average key (some 6,000 on the 100,000-article
    corpus) and picks a bitmap scan, which for a common key ('t:familiar', 100,280 holders)
    marks them all before the LIMIT: 6.5 ms a lookup against 0.2 ms, and a new article looks up
    a dozen keys. The setting it had is put back afterwards."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    cursor.execute(
        "SELECT current_setting('enable_bitmapscan'), set_config('enable_bitmapscan', 'off', true)"
    )
    before = cursor.fetchone()[0]
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('enable_bitmapscan', %s, true)", [before])


def _usable(model, keys: set) -> dict:
    """{key: article ids} for the keys not shared by too many articles (see KEY_CAP)."""
    if len(keys) <= FEW_KEYS:
        # One article's keys: a query per key that stops reading after KEY_CAP + 2 holders,
        # where counting would read all the thousands of holders of a common key.
        holders = {}
        sql = (
            f"SELECT {_name(model, 'article')} FROM {_name(model)} "
            f"WHERE {_name(model, 'key')} = %s LIMIT {KEY_CAP + 2}"
        )
        with connection.cursor() as cursor, _index_scans_only(cursor):
            for key in sorted(keys):
                cursor.execute(sql, [key])
                ids = [row[0] for row in cursor.fetchall()]
                if len(ids) <= KEY_CAP + 1:
                    holders[key] = set(ids)
        return holders
    usable = []
    for chunk in _chunks(sorted(keys)):
        usable.extend(
            key
            for key, n in model.objects.filter(key__in=chunk)
            .values("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
            if n <= KEY_CAP + 1
        )
    holders = defaultdict(set)
    for chunk in _chunks(usable):
        for key, article_id in model.objects.filter(key__in=chunk).values_list("key", "article_id"):
            holders[key].add(article_id)
    return holders


def candidates(
    article_id: int, bands: Iterable[int], blocks: Iterable[str], published=None
) -> set[int]:
    """Copy candidates (a shared LSH band) and story candidates (shared blocking keys) of an
    article published on `published` (a date, or None when unknown)."""
    bands, blocks = set(bands), set(blocks)
    block_holders = _usable(BlockingKey, blocks)
    days = _days_of(_telling_holders(block_holders))
    days[article_id] = published.toordinal() if published else None
    return _partners(article_id, bands, blocks, _usable(BandKey, bands), block_holders, days)


def _telling_holders(block_holders: dict) -> set[int]:
    return {i for holders in block_holders.values() if len(holders) <= RARE_KEY for i in holders}


def _days_of(article_ids: Iterable[int]) -> dict[int, int | None]:
    """{article id: day of publication as an ordinal, or None when unknown}."""
    days = {}
    for chunk in _chunks(sorted(article_ids)):
        for pk, published in Article.objects.filter(pk__in=chunk).values_list("pk", "published"):
            days[pk] = published.date().toordinal() if published else None
    return days


def _partners(
    article_id: int,
    bands: Iterable[int],
    blocks: Iterable[str],
    band_holders: dict,
    block_holders: dict,
    days: dict[int, int | None] | None = None,
) -> set[int]:
    """The candidates of one article, from the holders of its usable keys: any article that
    shares a band with it, or two blocking keys, or one telling blocking key (at most RARE_KEY
    holders) and a news cycle (SINGLE_KEY_DAYS, by `days`; an unknown day is close to any).
    `candidate_pairs` applies the same rule to a whole corpus."""
    found = set()
    for key in bands:
        found |= band_holders.get(key, set())
    shared, telling = Counter(), set()
    for key in blocks:
        holders = block_holders.get(key, set())
        shared.update(holders)
        if len(holders) <= RARE_KEY:
            telling |= holders
    found.update(other for other, times in shared.items() if times >= 2)
    days = days or {}
    own = days.get(article_id)
    found.update(
        other
        for other in telling
        if shared[other] == 1
        and (own is None or days.get(other) is None or abs(own - days[other]) <= SINGLE_KEY_DAYS)
    )
    found.discard(article_id)
    return found


def _doc_freq(terms: set[str]) -> tuple[dict[str, int], int]:
    wanted = sorted({t for t in terms if len(t) <= TERM_MAX} | {TOTAL})
    freq = {}
    term, table = _name(TermCount, "term"), _name(TermCount)
    sql = f"SELECT {term}, {_name(TermCount, 'articles')} FROM {table} WHERE {term} IN "
    with connection.cursor() as cursor:
        for chunk in _chunks(wanted):
            cursor.execute(sql + f"({placeholders(len(chunk))})", chunk)
            freq.update(cursor.fetchall())
    return freq, freq.pop(TOTAL, 0)


def _write(scored: list[tuple], existing: dict[tuple[int, int], tuple[int, str]]) -> int:
    """Store scored pairs (first id, second id, relation, score, evidence) as suggestions:
    new pairs inserted, pairs still only suggested refreshed, reviewed ones left alone.

    `existing` maps the pairs already linked to (link id, status). Plain SQL: a rebuild writes
    hundreds of thousands of links, and an import a few per article.
    """
    new, refreshed = [], []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for a, b, relation, score, evidence in scored:
        old = existing.get((a, b))
        if old is None:
            new.append((a, b, RELATIONS[relation], CoverageLink.SUGGESTED, score, evidence, now))
        elif old[1] == CoverageLink.SUGGESTED:
            refreshed.append((score, RELATIONS[relation], json.dumps(evidence), old[0]))
    _insert_rows(
        CoverageLink,
        ("article_a", "article_b", "relation", "status", "score", "created_at", "evidence"),
        [(*row[:5], row[6], json.dumps(row[5])) for row in new],
        json_columns=1,
        conflict=("article_a", "article_b"),
    )
    if refreshed:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_name(CoverageLink)} SET {_name(CoverageLink, 'score')} = %s, "
                f"{_name(CoverageLink, 'relation')} = %s, "
                f"{_name(CoverageLink, 'evidence')} = {json_placeholder()} "
                f"WHERE {_name(CoverageLink, 'id')} = %s",
                refreshed,
            )
    return len(new)


def _load_others(ids: Iterable[int]) -> dict[int, tuple[StoryProfile, tuple[int, ...], str]]:
    return {
        article_id: (profile_from_dict(json_value(profile)), tuple(json_value(sig)), language)
        for article_id, language, profile, sig in _stored_profiles(ids)
    }


def _load_raw(ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """Like `_load_others` but with the JSON left undecoded: worker processes decode it, so the
    process that feeds them stays free to read and write the database."""
    raw = {}
    for chunk in _chunks(sorted(ids)):
        for article_id, sig, profile, language in ArticleFingerprint.objects.filter(
            article_id__in=chunk, article__deleted_at__isnull=True
        ).values_list(
            "article_id",
            Cast("minhash", TextField()),
            Cast("profile", TextField()),
            "article__language",
        ):
            raw[article_id] = (profile, sig, language)
    return raw


def index_article(article: Article) -> int:
    """Index one new (or changed) article and suggest its links; returns how many were new."""
    return index_articles([article])


def index_articles(articles: Iterable[Article]) -> int:
    """Index a batch of new (or changed) articles and suggest their links, in a few queries.

    Called inside the importer's batch transaction, so an article is never half indexed.
    Candidates come only from indexed key lookups: articles sharing an LSH band (copies) or a
    blocking key (same story), the new articles of the batch included.
    """
    articles = list(articles)
    if not articles:
        return 0
    prints = [read_article(a) for a in articles]
    _store_index(articles, prints)
    bands = _usable(BandKey, {k for p in prints for k in p.band_keys})
    blocks = _usable(BlockingKey, {k for p in prints for k in p.blocking_keys})
    days = _days_of(_telling_holders(blocks) - {a.pk for a in articles})
    for a, p in zip(articles, prints, strict=True):
        days[a.pk] = p.profile.published.toordinal() if p.profile.published else None
    pairs = set()
    for article, p in zip(articles, prints, strict=True):
        found = _partners(article.pk, p.band_keys, p.blocking_keys, bands, blocks, days)
        pairs.update((min(article.pk, o), max(article.pk, o)) for o in found)
    created = 0
    if pairs:
        new = {
            a.pk: (p.profile, p.signature, a.language)
            for a, p in zip(articles, prints, strict=True)
        }
        loaded = {**_load_others({i for pair in pairs for i in pair} - new.keys()), **new}
        terms = set()
        for profile, _, _ in loaded.values():
            terms.update(profile.terms)
        doc_freq, n_docs = _doc_freq(terms)
        scorer = StoryScorer(doc_freq, n_docs)
        scored = []
        for a, b in sorted(pairs):
            if a in loaded and b in loaded:
                scored.extend(scored_pairs(a, *loaded[a], {b: loaded[b]}, scorer))
        if connection.in_atomic_block:
            # Before refreshing suggestions a reviewer may hold (see decide): version, then rows.
            caching.take(caching.LINKS)
        created = _suggest_grouped(scored, [a.pk for a in articles])
    # Exact duplicates are confirmed at import: they belong to a story at once.
    ids = [a.pk for a in articles]
    confirmed = CoverageLink.objects.filter(
        Q(article_a_id__in=ids) | Q(article_b_id__in=ids), status=CoverageLink.CONFIRMED
    ).values_list("article_a_id", "article_b_id")
    touched = sorted({i for pair in confirmed for i in pair} & set(ids))
    if touched:
        regroup(touched)
    rescore_if_grown()
    return created


# --- rescoring a small corpus ------------------------------------------------------------------

# An import scores its pairs under the corpus's statistics of the moment. While the corpus is
# small they are unreliable (in a corpus of ten articles a word of three weighs little; at a
# thousand, much), and the scores, and the pairs not kept for scoring below RELATED_THRESHOLD,
# would otherwise stay as they were first made. So each time an import finds the corpus
# RESCORE_GROWTH times the size it had when all its pairs were last scored together, it scores
# them all again, as a rebuild does. Past RESCORE_UNTIL articles the statistics move little
# and one rescoring would stall an import too long (about 5 s of CPU at 4,000 articles of
# link_scale's synthetic corpus, 8,460 candidate pairs; a corpus of denser stories has more
# pairs per article); a rebuild (manage.py suggest_links --rebuild) still rescores everything.
RESCORE_UNTIL = 4000
# Growth by half: over the corpus's life about three rebuilds' scoring (1 + 2/3 + 4/9 ...).
# On ECB+ (231 articles) the stories analysts get reach a rebuild's F1 (0.910) within 0.01
# when last rescored at 154 articles or later (0.902), but not at 128 (0.894): doubling falls
# short of that just before each rescoring.
RESCORE_GROWTH = 1.5
# A small corpus of dense stories can still hold many candidate pairs (ECB+: 2,855 for 231
# articles, about 0.5 ms of CPU each to score): past this many, a rescoring would stall the
# import for more than a few seconds, so it is passed over until the corpus has grown again.
RESCORE_PAIRS = 10_000


def rescore_if_grown() -> bool:
    """Within an import, after its articles are counted: rescore every candidate pair of the
    corpus if it has grown RESCORE_GROWTH times since they were last scored together and is
    still small (RESCORE_UNTIL). Returns whether it did."""
    _, n_docs = _doc_freq(set())
    if n_docs > RESCORE_UNTIL:
        return False
    scored_at = CorpusScoring.objects.values_list("articles", flat=True).first() or 0
    if n_docs < RESCORE_GROWTH * scored_at:
        return False
    if connection.in_atomic_block:
        # Before any link row lock, as every writer of links (see articles.caching).
        caching.take(caching.LINKS)
    done = rescore_suggestions(max_pairs=RESCORE_PAIRS) is not None
    # Also when passed over for its pairs: the next try waits for the same growth again.
    _scored_at(n_docs)
    return done


def _scored_at(n_docs: int) -> None:
    """Remember that every candidate pair was scored (or passed over for their number) under the
    statistics of `n_docs` articles."""
    if not CorpusScoring.objects.update(articles=n_docs):
        CorpusScoring.objects.create(articles=n_docs)


def rescore_suggestions(max_pairs: int | None = None) -> dict | None:
    """Score every candidate pair of the indexed corpus again under its present statistics, as
    phases 2-4 of `rebuild_index` do, from the stored keys: suggestions are refreshed, new pairs
    worth suggesting added, and suggestions the statistics no longer keep dropped (see
    `_drop_unkept`); confirmed and rejected links, the analysts' work, are left as they are.
    Then every component is grouped again. With more than `max_pairs` candidate pairs, nothing
    is done and None returned."""
    bands, blocks, days = _stored_keys()
    pairs = candidate_pairs(bands.arrays(), blocks.arrays(), days)
    if max_pairs is not None and len(pairs) > max_pairs:
        return None
    doc_freq = dict(TermCount.objects.filter(articles__gt=0).values_list("term", "articles"))
    n_docs = doc_freq.pop(TOTAL, 0)
    return _suggest_all(pairs, doc_freq, n_docs, days[0])


def _suggest_all(
    pairs: np.ndarray, doc_freq, n_docs: int, indexed: np.ndarray, workers: int = 1, progress=None
) -> dict:
    """Score every candidate pair of the corpus (the `indexed` articles) and store the
    suggestions; drop the suggestions this scoring no longer keeps, which would otherwise stay
    in the queue for good (see `_drop_unkept`); then group every component of the links."""
    kept: set[tuple[int, int]] = set()
    created = suggest_pairs(pairs, doc_freq, n_docs, SCORE_BATCH, workers, kept=kept)
    dropped = _drop_unkept(kept, set(indexed.tolist()))
    group_suggestions(progress)
    return {"pairs": len(pairs), "suggested": created, "dropped": dropped}


def _stored_keys() -> tuple["_KeyColumns", "_KeyColumns", tuple[np.ndarray, np.ndarray]]:
    """The band and blocking keys of the indexed articles not in the bin, and (sorted article
    ids, days of publication as ordinals or -1), as a rebuild holds them after phase 1."""
    published = dict(
        Article.objects.filter(
            deleted_at__isnull=True, pk__in=ArticleFingerprint.objects.values("article_id")
        ).values_list("pk", "published")
    )
    bands, blocks = _KeyColumns(), _KeyColumns()
    for model, columns in ((BandKey, bands), (BlockingKey, blocks)):
        held = defaultdict(list)
        for article_id, key in model.objects.order_by("article_id").values_list(
            "article_id", "key"
        ):
            if article_id in published:
                held[article_id].append(key)
        for article_id, keys in held.items():
            columns.add(article_id, keys)
    ids = sorted(published)
    days = [published[i].date().toordinal() if published[i] else -1 for i in ids]
    return bands, blocks, (np.array(ids, dtype=np.int64), np.array(days, dtype=np.int64))


def _drop_unkept(kept: set[tuple[int, int]], indexed: set[int]) -> int:
    """Delete the suggestions between two indexed articles that a rescoring did not keep (no
    longer candidates, or scored below RELATED_THRESHOLD): what a rebuild would not suggest.
    A suggestion an analyst has decided on and undone has a history, and stays."""
    unkept = [
        link_id
        for link_id, a, b in CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).values_list(
            "id", "article_a_id", "article_b_id"
        )
        if (a, b) not in kept and a in indexed and b in indexed
    ]
    decided = set()
    for chunk in _chunks(unkept):
        decided.update(
            ChangeRecord.objects.filter(subject=LINK_SUBJECT, object_id__in=chunk).values_list(
                "object_id", flat=True
            )
        )
    dropped = [link_id for link_id in unkept if link_id not in decided]
    for chunk in _chunks(dropped):
        CoverageLink.objects.filter(pk__in=chunk, status=CoverageLink.SUGGESTED).delete()
    return len(dropped)


# --- grouping ----------------------------------------------------------------------------------

# The most articles an import regroups. The component of the graph of links scored at least
# GROUP_LEVEL holding a new article is found link by link and regrouped whole; past this size
# the new article's pairs are judged on their own (pair by pair, as before grouping) and say
# so, until the next rebuild groups every component. Regrouping costs about 0.25 ms of CPU per
# article of the component (110 ms at 500 articles, 590 ms at 2,000, with five links each and
# participants to read; several times that in wall time on a loaded machine), so 2,000 would
# let one import stall for seconds. A story rarely has hundreds of reports (the development
# corpora's largest component has 39 articles, link_scale's 14): a component past 500 is
# mostly a chain of loosely linked stories, which the rebuild groups.
GROUP_CAP = 500
# The relations that put two articles in one story once confirmed.
SAME_STORY = frozenset(
    {
        CoverageLink.DUPLICATE,
        CoverageLink.REWRITE,
        CoverageLink.TRANSLATION,
        CoverageLink.SAME_STORY,
    }
)


# Grouping reads only links between two articles out of the bin: a binned article neither holds
# its neighbours together nor keeps them apart (the queue's own test, articles.queue_tally).
_OUT_OF_THE_BIN = queue_tally.NOT_BINNED.format(l=_name(CoverageLink))


def _suggest_grouped(scored: list[tuple], new_ids: list[int]) -> int:
    """Store the scored pairs of new articles as suggestions, then let the groups of their
    components decide which are one story (see `story_groups.story_verdicts`); returns how
    many links are new."""
    kept = {(a, b): score for a, b, _, score, _ in scored}
    found = _group_components(new_ids, kept)
    over = {x for members, whole in found if not whole for x in members}
    if over:
        # Judged pair by pair, and the evidence says why.
        note = {"ungrouped": {"over": GROUP_CAP}}
        scored = [
            (a, b, relation, score, {**evidence, **note} if a in over or b in over else evidence)
            for a, b, relation, score, evidence in scored
        ]
    created = _save_suggestions_bulk(scored)
    grouped = {x for members, whole in found if whole for x in members}
    wanted = (set(new_ids) - over) | grouped
    if wanted:
        links = _links_among(wanted, touching=set(new_ids) - over)
        _apply_verdicts(links, _verdicts(links, set(new_ids) - over))
    return created


def _group_components(
    start: Iterable[int], extra: dict[tuple[int, int], float]
) -> list[tuple[set[int], bool]]:
    """The components of the graph of links scored at least GROUP_LEVEL (stored, or in `extra`)
    holding the `start` articles: (members, whole), where a component found to pass GROUP_CAP
    articles stops growing there and is not whole. An article with no such link has none."""
    near = defaultdict(set)
    for (a, b), score in extra.items():
        if score >= GROUP_LEVEL:
            near[a].add(b)
            near[b].add(a)
    a_col, b_col = _name(CoverageLink, "article_a"), _name(CoverageLink, "article_b")
    sql = (
        f"SELECT {a_col}, {b_col} FROM {_name(CoverageLink)} "
        f"WHERE {_name(CoverageLink, 'score')} >= %s AND ({a_col} IN ({{ids}}) OR {b_col} IN ({{ids}})) "
        f"AND {_OUT_OF_THE_BIN}"
    )
    found, seen = [], set()
    for first in sorted(set(start)):
        if first in seen:
            continue
        members, frontier, whole = {first}, [first], True
        with connection.cursor() as cursor:
            while frontier and whole:
                reached = set()
                for chunk in _chunks(sorted(frontier)):
                    marks = placeholders(len(chunk))
                    cursor.execute(sql.format(ids=marks), [GROUP_LEVEL, *chunk, *chunk])
                    reached.update(x for pair in cursor.fetchall() for x in pair)
                for x in frontier:
                    reached |= near.get(x, set())
                frontier = sorted(reached - members)
                members.update(frontier)
                whole = len(members) <= GROUP_CAP
        seen |= members
        if len(members) > 1:
            found.append((members, whole))
    return found


def _links_among(ids: set[int], touching: set[int] = frozenset()) -> dict[tuple[int, int], tuple]:
    """{(a, b): (link id, score, status, relation)} of the stored links between two of `ids`,
    and of those with an article in `touching` (every link is kept: score >= RELATED_THRESHOLD),
    leaving out links with an article in the bin."""
    a_col, b_col = _name(CoverageLink, "article_a"), _name(CoverageLink, "article_b")
    columns = (
        f"{a_col}, {b_col}, {_name(CoverageLink, 'id')}, {_name(CoverageLink, 'score')}, "
        f"{_name(CoverageLink, 'status')}, {_name(CoverageLink, 'relation')}"
    )
    links = {}
    with connection.cursor() as cursor:
        for column in (a_col, b_col):
            for chunk in _chunks(sorted(ids)):
                cursor.execute(
                    f"SELECT {columns} FROM {_name(CoverageLink)} "
                    f"WHERE {column} IN ({placeholders(len(chunk))}) AND {_OUT_OF_THE_BIN}",
                    chunk,
                )
                for a, b, *link in cursor.fetchall():
                    if (a in ids and b in ids) or a in touching or b in touching:
                        links[(a, b)] = tuple(link)
    return links


def _verdicts(links: dict[tuple[int, int], tuple], articles=None) -> dict[tuple[int, int], Verdict]:
    """story_verdicts over stored links, with the participants of the articles of the
    components where they may change the groups (the others need no profile read)."""
    scores = {pair: score for pair, (_, score, _, _) in links.items() if score >= RELATED_THRESHOLD}
    ids = {x for members in needing_participants(scores, GROUP_LEVEL) for x in members}
    return story_verdicts(scores, _people(ids), GROUP_LEVEL, articles)


def _people(ids: Iterable[int]) -> dict[int, tuple[frozenset, frozenset]]:
    """Each article's participants and, of the words it uses, those that are someone's
    participant here: all grouping asks of its words. Two reads of the stored profiles, so
    only the few words that matter are kept in memory."""
    named = {}
    for article_id, _, profile, _ in _stored_profiles(ids):
        named[article_id] = frozenset(participants(json_value(profile).get("names", {})))
    everyone = frozenset().union(*named.values())
    if not everyone:
        return {i: (names, frozenset()) for i, names in named.items()}
    people = {}
    for article_id, _, profile, _ in _stored_profiles(named):
        words = everyone.intersection(json_value(profile).get("terms", {}))
        people[article_id] = (named[article_id], frozenset(words))
    return people


def _apply_verdicts(links: dict[tuple[int, int], tuple], verdicts: dict) -> int:
    """Make each suggested link's relation follow its group's verdict: one story (the relation
    the pair had on its own, or "same story" / "translation" for a pair that was only related),
    or "related" for a pair its groups hold apart. Where the verdict is not what the pair's own
    score says, the evidence keeps the pair's own relation (`pair_relation`) and the group's
    reason, kept up to date as the groups change. Confirmed and rejected links are analysts'
    work: never touched. Returns how many links changed."""
    changing = {}
    for pair, verdict in verdicts.items():
        link_id, score, status, relation = links.get(pair, (None, 0.0, "", ""))
        if status != CoverageLink.SUGGESTED:
            continue
        if (relation in SAME_STORY) != verdict.same_story or (
            score >= SUGGEST_THRESHOLD
        ) != verdict.same_story:
            changing[link_id] = verdict
    if not changing:
        return 0
    link, article = _name(CoverageLink), _name(Article)
    sql = (
        f"SELECT l.{_name(CoverageLink, 'id')}, l.{_name(CoverageLink, 'relation')}, "
        f"l.{_name(CoverageLink, 'evidence')}, a.{_name(Article, 'language')}, "
        f"b.{_name(Article, 'language')} FROM {link} l "
        f"JOIN {article} a ON a.{_name(Article, 'id')} = l.{_name(CoverageLink, 'article_a')} "
        f"JOIN {article} b ON b.{_name(Article, 'id')} = l.{_name(CoverageLink, 'article_b')} "
        f"WHERE l.{_name(CoverageLink, 'status')} = %s AND l.{_name(CoverageLink, 'id')} IN "
    )
    updates = []
    with connection.cursor() as cursor:
        for chunk in _chunks(sorted(changing)):
            cursor.execute(sql + f"({placeholders(len(chunk))})", [CoverageLink.SUGGESTED, *chunk])
            for link_id, was, stored, language_a, language_b in cursor.fetchall():
                stored = json_value(stored) or {}
                evidence = dict(stored) if isinstance(stored, dict) else {"reason": str(stored)}
                verdict, relation = changing[link_id], was
                own = evidence.get("pair_relation", relation)
                if not verdict.same_story:
                    relation = CoverageLink.RELATED
                elif own in SAME_STORY:
                    relation = own
                elif language_a and language_b and language_a != language_b:
                    relation = CoverageLink.TRANSLATION
                else:
                    relation = CoverageLink.SAME_STORY
                for key in ("group", "held_apart", "ungrouped", "pair_relation"):
                    evidence.pop(key, None)
                evidence.update(verdict.as_json())
                if relation != own:
                    evidence["pair_relation"] = own
                if (relation, evidence) != (was, stored):
                    updates.append((relation, json.dumps(evidence), link_id))
        if not updates:
            return 0
        cursor.executemany(
            f"UPDATE {link} SET {_name(CoverageLink, 'relation')} = %s, "
            f"{_name(CoverageLink, 'evidence')} = {json_placeholder()} "
            f"WHERE {_name(CoverageLink, 'id')} = %s AND {_name(CoverageLink, 'status')} = %s",
            [(*row, CoverageLink.SUGGESTED) for row in updates],
        )
    return len(updates)


def regroup_around(article_ids: Iterable[int]) -> int:
    """Let the groups decide again around articles that went into the bin or came back from it,
    as an import does around its new articles; returns how many suggestions changed. Called in
    the binning transaction, after the version of the articles and before any link row lock."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    caching.take(caching.LINKS)  # before the link rows it may change (see articles.caching)
    a_col, b_col = _name(CoverageLink, "article_a"), _name(CoverageLink, "article_b")
    near = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            marks = placeholders(len(chunk))
            cursor.execute(
                f"SELECT {a_col}, {b_col} FROM {_name(CoverageLink)} "
                f"WHERE {_name(CoverageLink, 'score')} >= %s "
                f"AND ({a_col} IN ({marks}) OR {b_col} IN ({marks}))",
                [GROUP_LEVEL, *chunk, *chunk],
            )
            near.update(x for pair in cursor.fetchall() for x in pair)
    binned = set(
        Article.objects.filter(pk__in=near | set(ids), deleted_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    # The articles whose groups may change: those out of the bin and their neighbours; each
    # component they are in is grouped again, unless it passes the cap (left to a rebuild).
    start = (near | set(ids)) - binned
    found = _group_components(start, {})
    over = {x for members, whole in found if not whole for x in members}
    wanted = (start - over) | {x for members, whole in found if whole for x in members}
    if not wanted:
        return 0
    links = _links_among(wanted, touching=start - over)
    return _apply_verdicts(links, _verdicts(links, start - over))


def group_suggestions(progress=None) -> dict:
    """After a rebuild has scored every pair: group every component of the links (whatever its
    size, a rebuild has the time) and let the groups decide which suggestions are one story."""
    a_col, b_col = _name(CoverageLink, "article_a"), _name(CoverageLink, "article_b")
    links = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {a_col}, {b_col}, {_name(CoverageLink, 'id')}, "
            f"{_name(CoverageLink, 'score')}, {_name(CoverageLink, 'status')}, "
            f"{_name(CoverageLink, 'relation')} FROM {_name(CoverageLink)} WHERE {_OUT_OF_THE_BIN}"
        )
        for a, b, *link in cursor.fetchall():
            links[(a, b)] = tuple(link)
    changed = _apply_verdicts(links, _verdicts(links))
    if progress:
        progress(f"grouped {len(links)} links, {changed} suggestions changed by their groups")
    return {"links": len(links), "changed": changed}


# --- stories -----------------------------------------------------------------------------------


# The articles reachable from one through confirmed links, with what regroup needs of each, in
# one statement: a recursive walk, where the step-by-step queryset took a query per step and
# two more for the articles and a new story's title. UNION (not UNION ALL) keeps each article
# once, so the walk ends.
COMPONENT_SQL = """
WITH RECURSIVE component(id) AS (
  SELECT id FROM articles_article WHERE id = %s
  UNION
  SELECT CASE WHEN l.article_a_id = c.id THEN l.article_b_id ELSE l.article_a_id END
  FROM component c
  JOIN articles_coveragelink l ON l.article_a_id = c.id OR l.article_b_id = c.id
  WHERE l.status = %s
)
SELECT a.id, a.story_id, a.published, a.title
FROM component c JOIN articles_article a ON a.id = c.id
"""

# Stories that no article is in any more (after a regroup moved their articles elsewhere).
EMPTY_STORIES_SQL = """
DELETE FROM articles_story WHERE id IN ({ids})
AND NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.story_id = articles_story.id)
"""


def _component(start: int) -> dict[int, tuple]:
    """The articles reachable from `start` through confirmed links, `start` included when it
    exists: {id: (story_id, published, title)}."""
    with connection.cursor() as cursor:
        cursor.execute(COMPONENT_SQL, [start, CoverageLink.CONFIRMED])
        return {pk: (story, published, title) for pk, story, published, title in cursor}


def _set_story(ids: list[int], story_id: int | None) -> None:
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(
                f"UPDATE articles_article SET story_id = %s WHERE id IN ({placeholders(len(chunk))})",
                [story_id, *chunk],
            )


def regroup(article_ids: Iterable[int]) -> None:
    """Make `Article.story` match the connected groups of confirmed links around these articles.

    A group keeps the story most of its articles already had (so a story page stays where it
    was after a split); a new group gets a new story; a lone article has none. Only the
    articles whose story changes are written.
    """
    components, seen = [], set()
    for article_id in article_ids:
        if article_id not in seen:
            members = _component(article_id)
            seen |= set(members) | {article_id}
            components.append(members)
    components.sort(key=lambda c: (-len(c), min(c, default=0)))
    previous, used, alone = set(), set(), []
    for members in components:
        had = Counter(story for story, _, _ in members.values() if story is not None)
        previous.update(had)
        if len(members) < 2:
            alone += [pk for pk, (story, _, _) in members.items() if story is not None]
            continue
        keep = next((s for s, _ in had.most_common() if s not in used), None)
        if keep is None:
            first = min(
                members.items(),
                key=lambda m: (m[1][1] is None, m[1][1] or timezone.now(), m[0]),
            )
            keep = Story.objects.create(title=(first[1][2] or "")[:500]).pk
        used.add(keep)
        _set_story(sorted(pk for pk, (story, _, _) in members.items() if story != keep), keep)
    _set_story(sorted(alone), None)
    emptied = sorted(previous - used)
    if emptied:
        with connection.cursor() as cursor:
            for chunk in _chunks(emptied):
                cursor.execute(EMPTY_STORIES_SQL.format(ids=placeholders(len(chunk))), chunk)


# --- review ------------------------------------------------------------------------------------


# A link with what a decision reads and writes, locked (on PostgreSQL) until the transaction
# ends; written out: the ORM's select_for_update().get() cost more CPU to build than to run.
LINK_FOR_REVIEW_SQL = """
SELECT id, article_a_id, article_b_id, status, relation, reviewed_by_id, reviewed_at
FROM articles_coveragelink WHERE id = %s
"""
UPDATE_LINK_SQL = """
UPDATE articles_coveragelink SET status = %s, relation = %s, reviewed_by_id = %s, reviewed_at = %s
WHERE id = %s
"""


def _link_for_update(link_id: int) -> CoverageLink | None:
    sql = LINK_FOR_REVIEW_SQL
    if connection.features.has_select_for_update:
        sql += "FOR UPDATE"
    return next(iter(CoverageLink.objects.raw(sql, [link_id])), None)


def _save_review(link: CoverageLink) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            UPDATE_LINK_SQL,
            [link.status, link.relation, link.reviewed_by_id, link.reviewed_at, link.pk],
        )


def _state(link: CoverageLink) -> dict:
    return {
        "status": link.status,
        "relation": link.relation,
        "reviewed_by": link.reviewed_by_id,
        "reviewed_at": link.reviewed_at.isoformat() if link.reviewed_at else None,
    }


def decide(user, link_id: int, status: str, relation: str | None = None, expected: str = ""):
    """Confirm, reject or re-label a link as `user`; refuses with StaleDecision if the link's
    status is no longer `expected` (another reviewer got there first)."""
    with transaction.atomic():
        if CoverageLink.REJECTED in (status, expected) or not expected:
            # A link moving into or out of "rejected" moves the 'links' version (its trigger):
            # taken before the link's row lock, as articles.caching asks, or an import that
            # holds the version and refreshes this suggestion would wait for us as we wait
            # for it.
            caching.take(caching.LINKS)
        link = _link_for_update(link_id)
        if link is None:
            raise CoverageLink.DoesNotExist(f"No coverage link {link_id}.")
        if expected and link.status != expected:
            raise StaleDecision(f"this link is already {link.status}")
        before = _state(link)
        was_confirmed = link.status == CoverageLink.CONFIRMED
        link.status = status
        if relation:
            link.relation = relation
        link.reviewed_by_id = user.pk
        link.reviewed_at = timezone.now()
        _save_review(link)
        ChangeRecord.record(
            user,
            ChangeRecord.CHANGE,
            LINK_SUBJECT,
            link.pk,
            article_id=link.article_a_id,
            before=before,
            after=_state(link),
        )
        if was_confirmed or status == CoverageLink.CONFIRMED:
            regroup([link.article_a_id, link.article_b_id])
    return link


# The reviewer's most recent link decisions that no undo has undone, among their last WINDOW
# link records, with what an undo needs of them, in one statement: what each undo undid is read
# from those records only; reading the records whole in Python, with their JSON, was half the
# review queue's CPU, and a second query then read the one record. Each comes with its place
# among those records (1 = the newest), so that an undo knows from the same statement whether
# another decision will be left to undo after it.
LAST_DECISIONS_SQL = """
WITH recent AS (
  SELECT id, at, action, object_id, before, after
  FROM articles_changerecord
  WHERE user_id = %s AND subject = %s
  ORDER BY at DESC, id DESC
  LIMIT {window}
), marked AS (
  SELECT id, at, action, object_id, before, after, {undoes} AS undoes,
    ROW_NUMBER() OVER (ORDER BY at DESC, id DESC) AS place
  FROM recent
)
SELECT id, object_id, before, after, place FROM marked
WHERE action <> %s
  AND id NOT IN (SELECT undoes FROM marked WHERE action = %s AND undoes IS NOT NULL)
ORDER BY at DESC, id DESC
LIMIT %s
"""
WINDOW = 200


def _last_decisions(user, count: int) -> list[tuple[ChangeRecord, int]]:
    """The reviewer's `count` most recent link decisions not undone, newest first, each with
    its place among their last WINDOW link records."""
    restore = ChangeRecord.RESTORE
    with connection.cursor() as cursor:
        cursor.execute(
            LAST_DECISIONS_SQL.format(window=WINDOW, undoes=UNDOES_SQL[connection.vendor]),
            [user.pk, LINK_SUBJECT, restore, restore, count],
        )
        rows = cursor.fetchall()
    return [
        (ChangeRecord(pk=pk, object_id=obj, before=json_value(b), after=json_value(a)), place)
        for pk, obj, b, a, place in rows
    ]


def last_decision(user) -> ChangeRecord | None:
    """The reviewer's most recent link decision that has not been undone (id, object_id,
    before and after), or None."""
    found = _last_decisions(user, 1)
    return found[0][0] if found else None


def last_decision_id(user) -> int | None:
    """The id of the reviewer's most recent link decision that has not been undone, or None."""
    record = last_decision(user)
    return None if record is None else record.pk


@dataclass(frozen=True)
class Undone:
    """What an undo did: the link as it put it back, its status before, and whether the
    reviewer has another decision left to undo."""

    link: CoverageLink
    was: str
    more: bool


def undo_last(user) -> CoverageLink | None:
    """Put back the link the reviewer decided last, as it was; None if there is nothing to undo."""
    undone = undo_last_decision(user)
    return None if undone is None else undone.link


def undo_last_decision(user) -> Undone | None:
    """undo_last, saying what it did."""
    with transaction.atomic():
        found = _last_decisions(user, 2)
        if not found:
            return None
        record = found[0][0]
        if CoverageLink.REJECTED in (
            (record.before or {}).get("status"),
            (record.after or {}).get("status"),
        ):
            caching.take(caching.LINKS)  # before the row lock, as in decide
        link = _link_for_update(record.object_id)
        if link is None:
            return None
        if _state(link) != record.after:
            raise StaleDecision("this link has changed since your decision")
        before = record.before or {}
        was = _state(link)
        link.status = before.get("status", CoverageLink.SUGGESTED)
        link.relation = before.get("relation", link.relation)
        link.reviewed_by_id = before.get("reviewed_by")
        reviewed_at = before.get("reviewed_at")
        link.reviewed_at = datetime.fromisoformat(reviewed_at) if reviewed_at else None
        _save_review(link)
        ChangeRecord.record(
            user,
            ChangeRecord.RESTORE,
            LINK_SUBJECT,
            link.pk,
            article_id=link.article_a_id,
            before=was,
            after={**_state(link), "undoes": record.pk},
        )
        if CoverageLink.CONFIRMED in (was["status"], link.status):
            regroup([link.article_a_id, link.article_b_id])
    # The next decision stays within the reviewer's last WINDOW records once this undo's own
    # record is added only if it was within the first WINDOW - 1.
    more = len(found) > 1 and found[1][1] < WINDOW
    return Undone(link, was["status"], more)


def remove_from_story(user, story: Story, article_id: int) -> int:
    """Split an article off its story: reject each confirmed link that holds it there."""
    links = CoverageLink.objects.filter(
        Q(article_a_id=article_id) | Q(article_b_id=article_id), status=CoverageLink.CONFIRMED
    ).values_list("pk", flat=True)
    count = 0
    with transaction.atomic():
        for link_id in list(links):
            decide(user, link_id, CoverageLink.REJECTED)
            count += 1
    return count


def merge_stories(user, story: Story, other: Story) -> CoverageLink:
    """Merge two stories by confirming a link between their first reports, so the merge is a
    reviewed link like any other (and survives any later regrouping)."""

    def first(s):
        return (
            Article.objects.visible()
            .filter(story=s)
            .order_by(F("published").asc(nulls_last=True), "pk")
        ).first()

    a, b = first(story), first(other)
    if a is None or b is None or a.pk == b.pk:
        raise ValueError("both stories must hold articles")
    lo, hi = sorted((a.pk, b.pk))
    with transaction.atomic():
        link, _ = CoverageLink.objects.get_or_create(
            article_a_id=lo,
            article_b_id=hi,
            defaults={
                "relation": CoverageLink.SAME_STORY,
                "evidence": {"reason": "stories merged by an editor"},
            },
        )
        return decide(user, link.pk, CoverageLink.CONFIRMED)


# --- whole corpus ------------------------------------------------------------------------------


class _KeyColumns:
    """(key, article id) rows kept in two flat arrays while a corpus is indexed, so candidate
    pairs come from memory instead of reading a million key rows back from the database."""

    def __init__(self):
        self.keys = array("q")
        self.ids = array("q")
        self.codes: dict[str, int] = {}  # blocking keys are strings: each gets a number

    def add(self, article_id: int, keys: Iterable) -> None:
        codes = self.codes
        # One extend per column: a million and a half appends each were a visible part of the
        # writing process's CPU.
        numbers = [codes.setdefault(k, len(codes)) if isinstance(k, str) else k for k in keys]
        self.keys.extend(numbers)
        self.ids.extend([article_id] * len(numbers))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self.keys, dtype=np.int64), np.frombuffer(self.ids, dtype=np.int64)


def _key_index_statements() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes on the band and blocking keys, as the
    migrations made them (on PostgreSQL a blocking key also has a pattern index)."""
    editor = connection.schema_editor()
    return [
        (str(statement.parts["name"]), str(statement))
        for model in (BandKey, BlockingKey)
        for statement in editor._field_indexes_sql(model, model._meta.get_field("key"))
    ]


def _check_pending_rows() -> None:
    # Inside a caller's transaction, PostgreSQL refuses to build or drop an index of a table
    # whose rows' deferred foreign key checks are still pending: run those checks now.
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        connection.check_constraints()


def restore_key_indexes() -> None:
    """Create the key indexes that are missing: after a rebuild's bulk insert, or after a
    rebuild that was killed before it could (until then, key lookups read whole tables)."""
    _check_pending_rows()
    with connection.cursor() as cursor:
        for _, sql in _key_index_statements():
            cursor.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


@contextmanager
def _without_key_indexes() -> Iterator[None]:
    """Drop the key indexes for a rebuild's bulk insert, and create them again afterwards
    whatever happens.

    A rebuild writes some three million key rows in random key order: kept up row by row, the
    two key indexes cost the writing process more CPU than the rows themselves, where building
    each once at the end is one sort. The key rows are derived data, and the rebuild commits
    them batch by batch as before; only key lookups (an import during the rebuild) are slower
    until the indexes are back. A rebuild killed midway leaves them missing: the next rebuild,
    or `suggest_links` without --rebuild, creates them again (`restore_key_indexes`).
    """
    _check_pending_rows()
    with connection.cursor() as cursor:
        for name, _ in _key_index_statements():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    try:
        yield
    finally:
        restore_key_indexes()


@contextmanager
def _trusted_json() -> Iterator[None]:
    """Insert JSON text without SQLite's CHECK (json_valid(...)) of every JSON column: the
    rebuild writes what json.dumps made, and SQLite parsing each ~8 kB profile again cost the
    writing process about a third of its fingerprint inserts. Other databases check nothing
    here (PostgreSQL parses the text into jsonb either way)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def _index_corpus(batch: int, workers: int, progress) -> tuple:
    """Phase 1 of `rebuild_index`: (articles indexed, band and blocking key columns, (article
    ids, days of publication), document frequencies)."""
    ArticleFingerprint.objects.all().delete()
    BandKey.objects.all().delete()
    BlockingKey.objects.all().delete()
    TermCount.objects.all().delete()
    doc_freq: Counter[str] = Counter()
    bands, blocks = _KeyColumns(), _KeyColumns()
    # Each article's day of publication (an ordinal, -1 when unknown), in id order.
    day_ids, days = array("q"), array("q")
    indexed = 0
    articles = (
        Article.objects.visible()
        .order_by("pk")
        .values_list("pk", "title", "body", "published")
        .iterator(chunk_size=batch)
    )
    pool = process_pool(workers) if workers > 1 else None
    try:
        pending: list[tuple] = []
        # The batch the workers are reading while this process writes the one before it.
        in_flight: list = []

        def write(ids: list[int], done: Iterable[tuple[list[IndexEntry], Counter]]) -> None:
            entries: list[IndexEntry] = []
            for some, term_counts in done:  # in article order
                entries.extend(some)
                doc_freq.update(term_counts)
            rows = list(zip(ids, entries, strict=True))
            with transaction.atomic():
                with _trusted_json():
                    _insert_rows(
                        ArticleFingerprint,
                        ("article", "minhash", "profile"),
                        [(i, e.minhash_json, e.profile_json) for i, e in rows],
                        json_columns=2,
                    )
                _insert_rows(
                    BandKey,
                    ("article", "key"),
                    [(i, k) for i, e in rows for k in e.band_keys],
                )
                _insert_rows(
                    BlockingKey,
                    ("article", "key"),
                    [(i, k) for i, e in rows for k in e.blocking_keys],
                )
            for article_id, entry in rows:
                bands.add(article_id, entry.band_keys)
                blocks.add(article_id, entry.blocking_keys)

        def flush():
            args = [
                (title, body, published.date() if published else None, NUM_PERM, BANDS)
                for _, title, body, published in pending
            ]
            if pool is not None:
                # Eight parts a batch, as many as pool.map's chunks were: few enough that
                # sending them costs little, enough that both workers stay busy.
                size = max(1, len(args) // 8)
                parts = [args[start : start + size] for start in range(0, len(args), size)]
                done = pool.map(index_batch, parts, repeat(TERM_MAX))
            else:
                done = [index_batch(args, TERM_MAX)]
            if in_flight:
                write(*in_flight.pop())
            in_flight.append(([pk for pk, *_ in pending], done))
            day_ids.extend(pk for pk, *_ in pending)
            days.extend(p.date().toordinal() if p else -1 for *_, p in pending)
            pending.clear()

        for row in articles:
            pending.append(row)
            indexed += 1
            if len(pending) >= batch:
                flush()
                if progress:
                    progress(f"indexed {indexed}")
        if pending:
            flush()
        if in_flight:
            write(*in_flight.pop())
        doc_freq[TOTAL] = indexed
        with transaction.atomic():
            # In term order: one pass along the unique index instead of a jump per term.
            _insert_rows(TermCount, ("term", "articles"), sorted(doc_freq.items()))
    finally:
        if pool is not None:
            pool.shutdown()
    days_by_id = (np.frombuffer(day_ids, dtype=np.int64), np.frombuffer(days, dtype=np.int64))
    return indexed, bands, blocks, days_by_id, doc_freq


def rebuild_index(batch: int = 500, workers: int = 1, progress=None) -> dict:
    """Index every article again from scratch and suggest links, in near-linear time.

    Phase 1 streams articles in batches (text analysis spread over `workers` processes) and
    writes fingerprints and keys in bulk. Phase 2 groups the articles under each key (kept in
    memory while writing them): pairs under a usable key are candidates. Phase 3 compares the
    pairs, a batch of articles at a time, with the whole corpus's document frequencies, and
    drops the suggestions it no longer keeps. Phase 4 groups every component of the links and
    lets the groups decide which suggestions are one story. Phases 3 and 4 are
    `_suggest_all`. The key indexes are built once, after phase 1's bulk insert.
    """
    with _without_key_indexes():
        indexed, bands, blocks, days, doc_freq = _index_corpus(batch, workers, progress)
    pairs = candidate_pairs(bands.arrays(), blocks.arrays(), days)
    if progress:
        progress(f"{len(pairs)} candidate pairs")
    found = _suggest_all(pairs, dict(doc_freq), indexed, days[0], workers, progress)
    # Confirmed links (exact duplicates, reviewed links) decide the stories.
    confirmed = CoverageLink.objects.filter(status=CoverageLink.CONFIRMED).values_list(
        "article_a_id", flat=True
    )
    regroup(sorted(set(confirmed)))
    _scored_at(indexed)
    return {"articles": indexed, "pairs": len(pairs), "suggested": found["suggested"]}


# Rows per INSERT statement. One statement of many rows runs its program once, where an
# executemany of one-row statements runs it once per row (and SQLite then also updates the
# AUTOINCREMENT counter per row): on a rebuild's key rows (SQLite, callgrind, 48,000 rows) that
# was some 28,500 instructions a row, against 7,600 with 500 rows a statement.
ROWS_PER_INSERT = 500


def _insert_rows(
    model, fields: tuple[str, ...], rows: list[tuple], json_columns: int = 0, conflict=()
) -> None:
    """Plain parameterised INSERTs of many rows each: building a model instance per row was
    the slowest part of indexing a whole corpus. The last `json_columns` values are JSON text;
    a row that would break the unique `conflict` fields is skipped."""
    if not rows:
        return
    columns = ", ".join(_name(model, f) for f in fields)
    values = ", ".join(["%s"] * (len(fields) - json_columns) + [json_placeholder()] * json_columns)
    ending = ""
    if conflict:
        ending = f" ON CONFLICT ({', '.join(_name(model, f) for f in conflict)}) DO NOTHING"

    def statement(count: int) -> str:
        return (
            f"INSERT INTO {_name(model)} ({columns}) VALUES "
            + ", ".join([f"({values})"] * count)
            + ending
        )

    per_statement = ROWS_PER_INSERT
    if connection.features.max_query_params:  # SQLite's variable limit, PostgreSQL's 65,535
        per_statement = max(
            1, min(per_statement, connection.features.max_query_params // len(fields))
        )
    full = statement(per_statement)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, per_statement):
            sql = full if len(chunk) == per_statement else statement(len(chunk))
            cursor.execute(sql, list(chain.from_iterable(chunk)))


# Pairs of article ids travel as one 64-bit number each: the first id above, the second below.
_ID_BITS = 32
_LOW_ID = (1 << _ID_BITS) - 1


def pair_codes(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """Pairs (lower id first) as sorted 64-bit codes, the form the rebuild handles them in."""
    codes = [(a << _ID_BITS) | b for a, b in pairs]
    return np.unique(np.array(codes, dtype=np.int64))


def _split(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return codes >> _ID_BITS, codes & _LOW_ID


def candidate_pairs(
    bands: tuple[np.ndarray, np.ndarray],
    blocks: tuple[np.ndarray, np.ndarray],
    days: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Every candidate pair, as sorted codes, from (keys, article ids) of both key kinds and
    (sorted article ids, day ordinals or -1) of publication.

    The same rule as one article's lookup (`_partners`): a shared band; two shared blocking
    keys of up to KEY_CAP + 1 holders each; or a single shared telling one (at most RARE_KEY
    holders) between articles at most SINGLE_KEY_DAYS apart (or of unknown date).
    """
    for _, ids in (bands, blocks):
        if len(ids) and ids.max() > _LOW_ID >> 1:
            raise ValueError("article ids above 2**31 do not fit a pair code")
    band_pairs, _ = _pairs_under_keys(*bands)
    block_pairs, holders = _pairs_under_keys(*blocks)
    shared, times = np.unique(block_pairs, return_counts=True)
    alone = np.intersect1d(np.unique(block_pairs[holders <= RARE_KEY]), shared[times == 1])
    if days is not None:
        alone = alone[_close_in_time(alone, *days)]
    return np.unique(np.concatenate([band_pairs, shared[times >= 2], alone]))


def _close_in_time(pairs: np.ndarray, ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Which pairs ran at most SINGLE_KEY_DAYS apart (or have an unknown date, -1)."""
    lower, upper = _split(pairs)
    first, second = days[np.searchsorted(ids, lower)], days[np.searchsorted(ids, upper)]
    return (first < 0) | (second < 0) | (np.abs(first - second) <= SINGLE_KEY_DAYS)


def _pairs_under_keys(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of articles that share a key of 2 to KEY_CAP + 1 holders, once per key, with
    the number of holders of the key that joined them."""
    order = np.lexsort((ids, keys))
    keys, ids = keys[order], ids[order]
    distinct = np.ones(len(keys), dtype=bool)
    distinct[1:] = (keys[1:] != keys[:-1]) | (ids[1:] != ids[:-1])
    keys, ids = keys[distinct], ids[distinct]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
    sizes = np.diff(np.r_[starts, len(keys)])
    found, holders = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    # Keys with the same number of holders form one matrix (a key a row, its holders sorted),
    # and all their pairs are two column picks of it.
    for size in np.unique(sizes):
        if not 2 <= size <= KEY_CAP + 1:
            continue
        members = ids[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        codes = ((members[:, first] << _ID_BITS) | members[:, second]).ravel()
        found.append(codes)
        holders.append(np.full(len(codes), size, dtype=np.int64))
    return np.concatenate(found), np.concatenate(holders)


def suggest_pairs(
    pairs: np.ndarray, doc_freq, n_docs: int, batch: int = 500, workers: int = 1, kept=None
) -> int:
    """Compare candidate pairs (codes), a batch of articles at a time, and store suggestions
    (and add the pairs kept, those worth a link, to the set `kept` when given).

    With several workers the comparisons run in worker processes while this one reads the
    next batch's profiles and writes the last batch's links.
    """
    firsts, by_first = _in_walk_order(pairs)

    def work() -> Iterator[tuple]:
        for chunk in _chunks(firsts, batch):
            needed = set(chunk)
            for a in chunk:
                needed.update(by_first[a])
            loaded = _load_raw(needed)
            yield (
                loaded,
                [(a, [b for b in by_first[a] if b in loaded]) for a in chunk if a in loaded],
            )

    created = 0

    def save(scored: list[tuple]) -> None:
        nonlocal created
        with transaction.atomic():
            created += _save_suggestions_bulk(scored)
        if kept is not None:
            kept.update((a, b) for a, b, *_ in scored)

    if workers <= 1:
        stats = (doc_freq, n_docs, {})
        for item in work():
            save(score_batch(item, stats))
        return created
    with process_pool(workers, start_scoring, (doc_freq, n_docs)) as pool:
        # A few batches in flight keep the workers busy without loading the whole corpus.
        in_flight: deque = deque()
        for item in work():
            in_flight.append(pool.submit(score_batch, item))
            if len(in_flight) > workers:
                save(in_flight.popleft().result())
        while in_flight:
            save(in_flight.popleft().result())
    return created


def _in_walk_order(pairs: np.ndarray) -> tuple[list[int], dict[int, list[int]]]:
    """The articles in the order of a breadth-first walk of the candidate graph (pair codes),
    each with the partners it met earlier in the walk.

    A batch then holds articles that are candidates of one another, so it reads (and a worker
    decodes) far fewer profiles than a batch of consecutive ids, whose partners are scattered
    over the whole corpus. Every pair is still compared exactly once.
    """
    lower, upper = _split(pairs)
    nodes = np.unique(np.concatenate([lower, upper]))
    a, b = np.searchsorted(nodes, lower), np.searchsorted(nodes, upper)
    # Neighbours of each node, sorted: the walk takes them in id order, as lists (fast to index).
    source, target = np.concatenate([a, b]), np.concatenate([b, a])
    by_source = np.lexsort((target, source))
    target = target[by_source].tolist()
    bounds = np.searchsorted(source[by_source], np.arange(len(nodes) + 1)).tolist()
    position = [-1] * len(nodes)
    walked = 0
    for start in range(len(nodes)):
        if position[start] >= 0:
            continue
        position[start] = walked
        walked += 1
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in target[bounds[node] : bounds[node + 1]]:
                if position[other] < 0:
                    position[other] = walked
                    walked += 1
                    queue.append(other)
    position = np.array(position, dtype=np.int64)
    # Each pair is compared by its later article in the walk.
    later_is_a = position[a] > position[b]
    first, other = np.where(later_is_a, a, b), np.where(later_is_a, b, a)
    by_walk = np.lexsort((nodes[other], position[first]))
    first, other = nodes[first[by_walk]].tolist(), nodes[other[by_walk]].tolist()
    earlier: dict[int, list[int]] = {}
    for x, y in zip(first, other, strict=True):
        earlier.setdefault(x, []).append(y)
    return list(earlier), earlier


def _save_suggestions_bulk(scored: list[tuple]) -> int:
    """Store scored pairs as suggestions (see `_write`), with one lookup of the pairs already
    linked per batch of first articles; returns how many links are new."""
    if not scored:
        return 0
    firsts = sorted({a for a, *_ in scored})
    existing = {}
    a, b = _name(CoverageLink, "article_a"), _name(CoverageLink, "article_b")
    sql = (
        f"SELECT {a}, {b}, {_name(CoverageLink, 'id')}, {_name(CoverageLink, 'status')} "
        f"FROM {_name(CoverageLink)} WHERE {a} IN "
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(firsts):
            cursor.execute(sql + f"({placeholders(len(chunk))})", chunk)
            for first, second, link_id, status in cursor.fetchall():
                existing[(first, second)] = (link_id, status)
    return _write(scored, existing)
