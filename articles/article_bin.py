"""The article bin: articles are hidden with all their analysts' work, come back with it on
restore, and are deleted for good only after a grace period, never silently with someone's work.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import caching
from .models import (
    Adjudication,
    Article,
    ChangeRecord,
    ClaimQuote,
    CoverageLink,
    Quote,
    QuoteAlignment,
    StanceAnnotation,
)

# The kinds of analysts' work an article can carry, in the words of the confirmation page.
WORK_KINDS = {
    "labels": ("label", "labels"),
    "notes": ("note", "notes"),
    "claims": ("claim link", "claim links"),
    "quotes": ("hand-made quote", "hand-made quotes"),
    "corrections": ("quote correction", "quote corrections"),
    "links": ("reviewed coverage link", "reviewed coverage links"),
    "alignments": ("quote alignment", "quote alignments"),
    "adjudications": ("adjudication", "adjudications"),
}


@dataclass
class Work:
    """What a set of articles carries: quotes and links in all, and each analyst's own work."""

    articles: int = 0
    quotes: int = 0
    links: int = 0
    by_analyst: dict[str, Counter] = field(default_factory=dict)
    # Article ids that carry any analyst's work: empty_bin keeps these unless told otherwise.
    annotated: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        """One line per analyst: "alice: 3 labels, 1 note"."""
        out = []
        for name, counts in sorted(self.by_analyst.items()):
            parts = [
                f"{n} {WORK_KINDS[kind][n != 1]}"
                for kind in WORK_KINDS
                if (n := counts.get(kind, 0))
            ]
            out.append(f"{name}: {', '.join(parts)}")
        return out


def work_on(article_ids) -> Work:
    """Count the quotes, links and every analyst's work on these articles (binned or not)."""
    ids = list(article_ids)
    work = Work(articles=len(ids))
    if not ids:
        return work
    per = defaultdict(Counter)
    annotated = set()

    def add(kind, rows):
        # rows: (article id, username or None, count)
        for article_id, username, n in rows:
            per[username or "someone since removed"][kind] += n
            annotated.add(article_id)

    in_articles = Q(quote__article_id__in=ids)
    stances = StanceAnnotation.objects.filter(in_articles)
    add("labels", _grouped(stances, "quote__article_id", "annotator__username"))
    add("notes", _grouped(stances.exclude(note=""), "quote__article_id", "annotator__username"))
    add(
        "claims",
        _grouped(ClaimQuote.objects.filter(in_articles), "quote__article_id", "added_by__username"),
    )
    add(
        "adjudications",
        _grouped(Adjudication.objects.filter(in_articles), "quote__article_id", "editor__username"),
    )
    hand_made = Quote.objects.filter(article_id__in=ids, origin=Quote.ANALYST)
    add("quotes", _grouped(hand_made, "article_id", "created_by__username"))
    # Boundaries, speakers and deletions of found quotes, as the history recorded them.
    corrections = ChangeRecord.objects.filter(
        article_id__in=ids, subject="quote", user__isnull=False
    ).exclude(action=ChangeRecord.CREATE)
    add("corrections", _grouped(corrections, "article_id", "user__username"))
    alignments = QuoteAlignment.objects.filter(
        Q(quote_a__article_id__in=ids) | Q(quote_b__article_id__in=ids)
    )
    add("alignments", _grouped(alignments, "quote_a__article_id", "decided_by__username"))
    links = CoverageLink.objects.filter(Q(article_a_id__in=ids) | Q(article_b_id__in=ids))
    for a, b, username in links.filter(reviewed_by__isnull=False).values_list(
        "article_a_id", "article_b_id", "reviewed_by__username"
    ):
        per[username]["links"] += 1
        annotated.update({a, b} & set(ids))
    work.quotes = Quote.objects.filter(article_id__in=ids).count()
    work.links = links.count()
    work.by_analyst = dict(per)
    work.annotated = annotated
    return work


def _grouped(queryset, article_field, user_field):
    return (
        queryset.order_by()
        .values(article_field, user_field)
        .annotate(n=Count("pk"))
        .values_list(article_field, user_field, "n")
    )


def _bin_state(article):
    return {"deleted_at": article.deleted_at.isoformat() if article.deleted_at else None}


def _set_binned(user, article_ids, binned: bool) -> int:
    """Move articles into the bin or back, each change recorded in the article's history, and
    let the coverage groups around them decide again without (or with) them."""
    from . import coverage

    action, note = (
        (ChangeRecord.DELETE, "moved to the bin")
        if binned
        else (ChangeRecord.RESTORE, "restored from the bin")
    )
    changed = []
    now = timezone.now()
    with transaction.atomic():
        caching.take(caching.ARTICLES)  # before the rows it locks (see articles.caching)
        for article in Article.objects.select_for_update().filter(
            pk__in=list(article_ids), deleted_at__isnull=binned
        ):
            before = _bin_state(article)
            article.deleted_at = now if binned else None
            article.save(update_fields=["deleted_at"])
            ChangeRecord.record(
                user, action, "article", article.pk, article.pk, before,
                {**_bin_state(article), "bin": note},
            )  # fmt: skip
            changed.append(article.pk)
        coverage.regroup_around(changed)
    return len(changed)


def move_to_bin(user, article_ids) -> int:
    """Hide the articles (and with them their quotes, labels, claims and links) until restored.
    Nothing is deleted; each move is recorded in the article's history."""
    return _set_binned(user, article_ids, binned=True)


def restore_from_bin(user, article_ids) -> int:
    """Bring binned articles back exactly as they were, with all their analysts' work."""
    return _set_binned(user, article_ids, binned=False)


def expired(days: int, now=None):
    """Articles binned more than `days` days ago: the ones empty_bin may delete for good."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return Article.objects.filter(deleted_at__isnull=False, deleted_at__lt=cutoff).order_by("pk")


def delete_for_good(article_ids, archive: str = "") -> int:
    """Delete binned articles and everything attached to them; the caller has archived them.

    Stories around them are regrouped (a story left with one article is no story), and one
    history record per article, not attached to it, says what went and where it was archived.
    """
    from . import coverage

    ids = list(article_ids)
    with transaction.atomic():
        # Deleting an article deletes its quotes, labels and links before it: the versions in
        # their one order first, as an import takes them (see articles.caching).
        caching.take(*caching.VERSION_ORDER)
        articles = list(
            Article.objects.select_for_update()
            .filter(pk__in=ids, deleted_at__isnull=False)
            .only("pk", "title", "deleted_at")
        )
        ids = [a.pk for a in articles]
        neighbours = set()
        for a, b in CoverageLink.objects.filter(
            Q(article_a_id__in=ids) | Q(article_b_id__in=ids), status=CoverageLink.CONFIRMED
        ).values_list("article_a_id", "article_b_id"):
            neighbours.update({a, b})
        coverage.forget_terms(ids)
        Article.objects.filter(pk__in=ids).delete()
        neighbours -= set(ids)
        if neighbours:
            coverage.regroup(sorted(neighbours))
        for article in articles:
            ChangeRecord.record(
                None, ChangeRecord.DELETE, "article", article.pk, None,
                {"title": article.title, **_bin_state(article)},
                {"deleted": "for good, from the bin", "archive": archive},
            )  # fmt: skip
    return len(articles)
