"""Coverage workflow: index articles, suggest links through indexed keys, review them, and keep
stories (the connected groups of confirmed links) in step with every decision.

Fingerprints, band keys, blocking keys and term counts are derived data: they are not exported.
A restore leaves them empty and `manage.py suggest_links` rebuilds them; links and stories, the
analysts' work, are exported and restored as they were.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import (
    Article,
    ArticleFingerprint,
    BandKey,
    BlockingKey,
    ChangeRecord,
    CoverageLink,
    Story,
    TermCount,
)
from .text.signatures import band_keys, minhash, shingles
from .text.story import (
    RELATED_THRESHOLD,
    StoryProfile,
    blocking_keys,
    compare,
    profile_from_dict,
    profile_to_dict,
    story_profile,
)

NUM_PERM = 64
BANDS = 16
# A key shared by more articles than this names something common ("Putin", "government"):
# following it would compare a new article with thousands, so it finds no candidates.
KEY_CAP = 100
# The number of indexed articles is kept as the count of this (impossible) term.
TOTAL = ""
TERM_MAX = 100
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit

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


def read_article(article: Article) -> tuple[StoryProfile, tuple[int, ...]]:
    """The profile and MinHash signature of one article (pure text analysis, no queries)."""
    published = article.published.date() if article.published else None
    profile = story_profile(article.title, article.body, published)
    signature = minhash(shingles(article.title + "\n" + article.body), num_perm=NUM_PERM)
    return profile, signature


def _counted_terms(profile: StoryProfile) -> list[str]:
    return [t for t in profile.terms if len(t) <= TERM_MAX]


def _add_term_counts(terms: Iterable[str], delta: int) -> None:
    terms = sorted(set(terms) | {TOTAL})
    for chunk in _chunks(terms):
        if delta > 0:
            TermCount.objects.bulk_create(
                [TermCount(term=t, articles=0) for t in chunk], ignore_conflicts=True
            )
        # One UPDATE with F(): concurrent imports add up instead of overwriting each other.
        TermCount.objects.filter(term__in=chunk).update(articles=F("articles") + delta)


def _store_index(article: Article, profile: StoryProfile, signature, bands, blocks) -> None:
    old = ArticleFingerprint.objects.filter(article=article).first()
    if old is not None:
        _add_term_counts(_counted_terms(profile_from_dict(old.profile)), -1)
        old.delete()
    BandKey.objects.filter(article=article).delete()
    BlockingKey.objects.filter(article=article).delete()
    ArticleFingerprint.objects.create(
        article=article, minhash=list(signature), profile=profile_to_dict(profile)
    )
    BandKey.objects.bulk_create(BandKey(article=article, key=k) for k in bands)
    BlockingKey.objects.bulk_create(BlockingKey(article=article, key=k) for k in blocks)
    _add_term_counts(_counted_terms(profile), +1)


def _sharing(model, keys: list, exclude: int) -> set[int]:
    """Articles sharing one of `keys`, following only keys not shared by too many articles."""
    if not keys:
        return set()
    counts = (
        model.objects.filter(key__in=keys)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    usable = [key for key, n in counts if n <= KEY_CAP + 1]
    if not usable:
        return set()
    return set(
        model.objects.filter(key__in=usable)
        .exclude(article_id=exclude)
        .values_list("article_id", flat=True)
    )


def candidates(article_id: int, bands: list[int], blocks: list[str]) -> set[int]:
    """Copy candidates (a shared LSH band) and story candidates (a shared blocking key)."""
    return _sharing(BandKey, bands, article_id) | _sharing(BlockingKey, blocks, article_id)


def _doc_freq(terms: set[str]) -> tuple[dict[str, int], int]:
    wanted = sorted({t for t in terms if len(t) <= TERM_MAX} | {TOTAL})
    freq = {}
    for chunk in _chunks(wanted):
        freq.update(TermCount.objects.filter(term__in=chunk).values_list("term", "articles"))
    return freq, freq.pop(TOTAL, 0)


def evidence_of(found) -> dict:
    """The JSON evidence stored with a link: what an analyst needs to judge it."""
    return {
        "score": found.score,
        "text_similarity": round(found.text_similarity, 4),
        "shared_names": list(found.shared_names),
        "shared_terms": list(found.shared_terms),
        "shared_passages": [list(pair) for pair in found.shared_passages],
        "days_apart": found.days_apart,
    }


def _suggest(
    article_id: int,
    profile: StoryProfile,
    signature,
    language: str,
    others: dict[int, tuple[StoryProfile, tuple[int, ...], str]],
    doc_freq: dict[str, int],
    n_docs: int,
) -> list[CoverageLink]:
    links = []
    for other_id, (other_profile, other_sig, other_language) in others.items():
        a_first = article_id < other_id
        pa, pb = (profile, other_profile) if a_first else (other_profile, profile)
        sa, sb = (signature, other_sig) if a_first else (other_sig, signature)
        la, lb = (language, other_language) if a_first else (other_language, language)
        found = compare(pa, pb, doc_freq, n_docs, sa, sb, la, lb)
        if found.score < RELATED_THRESHOLD or found.relation not in RELATIONS:
            continue
        links.append(
            CoverageLink(
                article_a_id=min(article_id, other_id),
                article_b_id=max(article_id, other_id),
                relation=RELATIONS[found.relation],
                status=CoverageLink.SUGGESTED,
                score=found.score,
                evidence=evidence_of(found),
            )
        )
    return links


def _save_suggestions(article_id: int, links: list[CoverageLink]) -> int:
    """New pairs are inserted; a pair already reviewed (or confirmed at import) is left alone."""
    if not links:
        return 0
    existing = {
        (link.article_a_id, link.article_b_id): link
        for link in CoverageLink.objects.filter(
            Q(article_a_id=article_id) | Q(article_b_id=article_id)
        ).only("id", "article_a_id", "article_b_id", "status")
    }
    return _write(links, existing)


def _write(links: list[CoverageLink], existing: dict) -> int:
    new, refreshed = [], []
    for link in links:
        old = existing.get((link.article_a_id, link.article_b_id))
        if old is None:
            new.append(link)
        elif old.status == CoverageLink.SUGGESTED:
            old.score, old.relation, old.evidence = link.score, link.relation, link.evidence
            refreshed.append(old)
    CoverageLink.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    CoverageLink.objects.bulk_update(refreshed, ["score", "relation", "evidence"], batch_size=500)
    return len(new)


def _load_others(ids: Iterable[int]) -> dict[int, tuple[StoryProfile, tuple[int, ...], str]]:
    others = {}
    for chunk in _chunks(sorted(ids)):
        for article_id, sig, profile, language in ArticleFingerprint.objects.filter(
            article_id__in=chunk, article__deleted_at__isnull=True
        ).values_list("article_id", "minhash", "profile", "article__language"):
            others[article_id] = (profile_from_dict(profile), tuple(sig), language)
    return others


def index_article(article: Article) -> int:
    """Index one new (or changed) article and suggest its links; returns how many were new.

    Called inside the importer's per-file transaction, so an article is never half indexed.
    """
    profile, signature = read_article(article)
    bands = band_keys(signature, bands=BANDS)
    blocks = [k[:100] for k in blocking_keys(profile)]
    _store_index(article, profile, signature, bands, blocks)
    others = _load_others(candidates(article.pk, bands, blocks))
    created = 0
    if others:
        terms = set(profile.terms)
        for other_profile, _, _ in others.values():
            terms.update(other_profile.terms)
        doc_freq, n_docs = _doc_freq(terms)
        created = _save_suggestions(
            article.pk,
            _suggest(article.pk, profile, signature, article.language, others, doc_freq, n_docs),
        )
    # Exact duplicates are confirmed at import: they belong to a story at once.
    if CoverageLink.objects.filter(
        Q(article_a=article) | Q(article_b=article), status=CoverageLink.CONFIRMED
    ).exists():
        regroup([article.pk])
    return created


# --- stories -----------------------------------------------------------------------------------


def _component(start: int) -> set[int]:
    """The articles reachable from `start` through confirmed links (one query per step)."""
    seen, frontier = {start}, {start}
    while frontier:
        step = set()
        for chunk in _chunks(sorted(frontier)):
            for a, b in CoverageLink.objects.filter(
                Q(article_a_id__in=chunk) | Q(article_b_id__in=chunk),
                status=CoverageLink.CONFIRMED,
            ).values_list("article_a_id", "article_b_id"):
                step.update((a, b))
        frontier = step - seen
        seen |= frontier
    return seen


def regroup(article_ids: Iterable[int]) -> None:
    """Make `Article.story` match the connected groups of confirmed links around these articles.

    A group keeps the story most of its articles already had (so a story page stays where it
    was after a split); a new group gets a new story; a lone article has none.
    """
    components, seen = [], set()
    for article_id in article_ids:
        if article_id not in seen:
            component = _component(article_id)
            seen |= component
            components.append(component)
    components.sort(key=lambda c: (-len(c), min(c)))
    previous = set()
    used = set()
    for component in components:
        members = list(
            Article.objects.filter(pk__in=component).values_list("pk", "story_id", "published")
        )
        had = Counter(story for _, story, _ in members if story is not None)
        previous.update(had)
        if len(component) < 2:
            Article.objects.filter(pk__in=component).update(story=None)
            continue
        keep = next((s for s, _ in had.most_common() if s not in used), None)
        if keep is None:
            first = min(members, key=lambda m: (m[2] is None, m[2] or timezone.now(), m[0]))
            title = Article.objects.filter(pk=first[0]).values_list("title", flat=True).first()
            keep = Story.objects.create(title=(title or "")[:500]).pk
        used.add(keep)
        Article.objects.filter(pk__in=component).exclude(story_id=keep).update(story_id=keep)
    Story.objects.filter(pk__in=previous).exclude(
        pk__in=Article.objects.filter(story__isnull=False).values("story_id")
    ).delete()


# --- review ------------------------------------------------------------------------------------


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
        link = CoverageLink.objects.select_for_update().get(pk=link_id)
        if expected and link.status != expected:
            raise StaleDecision(f"this link is already {link.status}")
        before = _state(link)
        was_confirmed = link.status == CoverageLink.CONFIRMED
        link.status = status
        if relation:
            link.relation = relation
        link.reviewed_by = user
        link.reviewed_at = timezone.now()
        link.save(update_fields=["status", "relation", "reviewed_by", "reviewed_at"])
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


def last_decision(user) -> ChangeRecord | None:
    """The reviewer's most recent link decision that has not been undone."""
    records = ChangeRecord.objects.filter(user=user, subject=LINK_SUBJECT).order_by("-at", "-id")
    undone = set()
    for record in records[:200]:
        if record.action == ChangeRecord.RESTORE:
            undone.add((record.after or {}).get("undoes"))
            continue
        if record.pk not in undone:
            return record
    return None


def undo_last(user) -> CoverageLink | None:
    """Put back the link the reviewer decided last, as it was; None if there is nothing to undo."""
    with transaction.atomic():
        record = last_decision(user)
        if record is None:
            return None
        link = CoverageLink.objects.select_for_update().filter(pk=record.object_id).first()
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
        link.save(update_fields=["status", "relation", "reviewed_by", "reviewed_at"])
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
    return link


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
            Article.objects.filter(story=s).order_by(F("published").asc(nulls_last=True), "pk")
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


def rebuild_index(batch: int = 500, progress=None) -> dict:
    """Index every article again from scratch and suggest links, in near-linear time.

    Phase 1 streams articles in batches and writes fingerprints and keys in bulk. Phase 2
    streams each key table sorted by key: the articles under one key (if not too many) are
    candidate pairs. Phase 3 compares the pairs in batches of articles and writes suggestions.
    """
    ArticleFingerprint.objects.all().delete()
    BandKey.objects.all().delete()
    BlockingKey.objects.all().delete()
    TermCount.objects.all().delete()
    doc_freq: Counter[str] = Counter()
    indexed = 0
    articles = (
        Article.objects.visible()
        .order_by("pk")
        .only("pk", "title", "body", "published")
        .iterator(chunk_size=batch)
    )
    pending: list[tuple[Article, StoryProfile, tuple[int, ...]]] = []

    def flush():
        ArticleFingerprint.objects.bulk_create(
            ArticleFingerprint(article=a, minhash=list(sig), profile=profile_to_dict(p))
            for a, p, sig in pending
        )
        BandKey.objects.bulk_create(
            (BandKey(article=a, key=k) for a, _, sig in pending for k in band_keys(sig, BANDS)),
            batch_size=2000,
        )
        BlockingKey.objects.bulk_create(
            (BlockingKey(article=a, key=k[:100]) for a, p, _ in pending for k in blocking_keys(p)),
            batch_size=2000,
        )
        pending.clear()

    for article in articles:
        profile, signature = read_article(article)
        doc_freq.update(_counted_terms(profile))
        pending.append((article, profile, signature))
        indexed += 1
        if len(pending) >= batch:
            with transaction.atomic():
                flush()
            if progress:
                progress(f"indexed {indexed}")
    with transaction.atomic():
        flush()
        doc_freq[TOTAL] = indexed
        TermCount.objects.bulk_create(
            (TermCount(term=t, articles=n) for t, n in doc_freq.items()), batch_size=2000
        )

    pairs = candidate_pairs()
    created = suggest_pairs(pairs, dict(doc_freq), indexed, batch)
    # Confirmed links (exact duplicates, reviewed links) decide the stories.
    confirmed = CoverageLink.objects.filter(status=CoverageLink.CONFIRMED).values_list(
        "article_a_id", flat=True
    )
    regroup(sorted(set(confirmed)))
    return {"articles": indexed, "pairs": len(pairs), "suggested": created}


def candidate_pairs() -> set[tuple[int, int]]:
    """Every pair of articles sharing a usable key, read from the key tables sorted by key."""
    pairs: set[tuple[int, int]] = set()
    for model in (BandKey, BlockingKey):
        rows = model.objects.order_by("key", "article_id").values_list("key", "article_id")
        group, current = [], object()
        for key, article_id in rows.iterator(chunk_size=5000):
            if key != current:
                _pairs_of(group, pairs)
                group, current = [], key
            group.append(article_id)
        _pairs_of(group, pairs)
    return pairs


def _pairs_of(group: list[int], pairs: set) -> None:
    if 2 <= len(group) <= KEY_CAP + 1:
        group = sorted(set(group))
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pairs.add((a, b))


def suggest_pairs(pairs: set[tuple[int, int]], doc_freq, n_docs: int, batch: int = 500) -> int:
    """Compare candidate pairs, a batch of first articles at a time, and store suggestions."""
    by_first: dict[int, list[int]] = defaultdict(list)
    for a, b in pairs:
        by_first[a].append(b)
    firsts = sorted(by_first)
    created = 0
    for chunk in _chunks(firsts, batch):
        needed = set(chunk)
        for a in chunk:
            needed.update(by_first[a])
        loaded = _load_others(needed)
        links = []
        for a in chunk:
            if a not in loaded:
                continue
            profile, signature, language = loaded[a]
            others = {b: loaded[b] for b in by_first[a] if b in loaded}
            links.extend(_suggest(a, profile, signature, language, others, doc_freq, n_docs))
        with transaction.atomic():
            created += _save_suggestions_bulk(links)
    return created


def _save_suggestions_bulk(links: list[CoverageLink]) -> int:
    """Like `_save_suggestions`, for many first articles at once (one lookup per batch)."""
    if not links:
        return 0
    firsts = sorted({link.article_a_id for link in links})
    existing = {}
    for chunk in _chunks(firsts):
        for link in CoverageLink.objects.filter(article_a_id__in=chunk).only(
            "id", "article_a_id", "article_b_id", "status"
        ):
            existing[(link.article_a_id, link.article_b_id)] = link
    return _write(links, existing)


def index_articles(articles: Iterable[Article]) -> int:
    """Index a batch of newly written articles, in order, so each sees those before it."""
    return sum(index_article(article) for article in articles)
