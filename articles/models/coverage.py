"""Coverage between articles: suggested and confirmed links, the stories they form, and the
indexed signatures that find candidates without comparing every pair."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .corpus import Article, Quote


class Story(models.Model):
    """A connected group of confirmed coverage links."""

    title = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "stories"

    def __str__(self):
        return self.title or f"Story {self.pk}"


class CoverageLink(models.Model):
    DUPLICATE, REWRITE, TRANSLATION, SAME_STORY, RELATED = (
        "duplicate",
        "rewrite",
        "translation",
        "same story",
        "related",
    )
    RELATION_CHOICES = [(r, r) for r in (DUPLICATE, REWRITE, TRANSLATION, SAME_STORY, RELATED)]
    SUGGESTED, CONFIRMED, REJECTED = "suggested", "confirmed", "rejected"
    STATUS_CHOICES = [(s, s) for s in (SUGGESTED, CONFIRMED, REJECTED)]

    # Stored once per pair, the lower id first.
    article_a = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    article_b = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=20, choices=RELATION_CHOICES)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=SUGGESTED)
    score = models.FloatField(default=0.0)
    evidence = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article_a", "article_b"], name="one_link_per_pair"),
            models.CheckConstraint(condition=Q(article_a__lt=F("article_b")), name="link_ordered"),
        ]
        # With id, the queue's order (best first, oldest first on a tie) is the index's own:
        # thousands of links share a score, and without it each page sorted them all.
        indexes = [
            models.Index(fields=["status", "-score", "id"], name="link_queue_order"),
            # The queue counts the suggestions left on every render: from this slim index
            # (index-only) instead of reading the whole table, evidence and all.
            models.Index(
                fields=["article_a", "article_b"],
                condition=Q(status="suggested"),
                name="link_suggested_pairs",
            ),
        ]

    def other(self, article_id):
        return self.article_b_id if article_id == self.article_a_id else self.article_a_id


class ArticleFingerprint(models.Model):
    """What the linker keeps of an article so new arrivals can be compared without re-reading."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="fingerprint")
    minhash = models.JSONField(default=list)
    profile = models.JSONField(default=dict)


class BandKey(models.Model):
    """One LSH band of an article's MinHash: articles sharing a key are copy candidates."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField(db_index=True)


class BlockingKey(models.Model):
    """A rare name or term of an article: articles sharing one are same-story candidates."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100, db_index=True)


class TermCount(models.Model):
    """How many articles carry a profile term: the corpus document frequency."""

    term = models.CharField(max_length=100, unique=True)
    articles = models.PositiveIntegerField(default=0)


class CorpusScoring(models.Model):
    """How many articles the corpus had when every candidate pair was last scored under its
    statistics at once (a rebuild, or an import that rescored a small corpus): one row, derived
    data like the term counts. An import rescores a small corpus each time it has grown by half since
    (see articles.coverage.rescore_if_grown)."""

    articles = models.PositiveIntegerField(default=0)


class QuoteAlignment(models.Model):
    """An analyst's correction of the automatic alignment: these two quotes are (not) the same."""

    quote_a = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="+")
    quote_b = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="+")
    linked = models.BooleanField(help_text="True: same statement. False: never align these.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quote_a", "quote_b"], name="one_alignment_per_pair"),
            models.CheckConstraint(condition=Q(quote_a__lt=F("quote_b")), name="alignment_ordered"),
        ]
