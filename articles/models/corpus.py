"""The corpus: outlets, articles as imported, the files they came from, speakers and quotes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Only web links: a `javascript:` or `data:` URL stored here would later be rendered as a link.
web_url = URLValidator(schemes=["http", "https"])


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=1000, blank=True, validators=[web_url])
    country = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=16, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def visible(self):
        """Articles not in the bin."""
        return self.filter(deleted_at__isnull=True)


class Article(models.Model):
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(max_length=500)
    title_derived = models.BooleanField(
        default=False, help_text="The file had no title; this one was made from its first words."
    )
    published = models.DateTimeField(null=True, blank=True, db_index=True)
    published_has_time = models.BooleanField(
        default=False, help_text="False when only the day is known."
    )
    published_source = models.CharField(
        max_length=300, blank=True, help_text="Where the date came from."
    )
    language = models.CharField(max_length=16, blank=True, db_index=True)
    url = models.CharField(max_length=1000, blank=True, validators=[web_url])
    sha256 = models.CharField(max_length=64, db_index=True)
    # The file as decoded, never changed: the record of what was imported.
    raw_text = models.TextField()
    encoding = models.CharField(max_length=20)
    import_notes = models.TextField(blank=True, help_text="What the importer decided, and why.")
    # The cleaned text every quote offset refers to: never changed after import.
    body = models.TextField()
    imported_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    story = models.ForeignKey(
        "Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        constraints = [
            # The identity of an import: the same bytes from the same outlet are one article.
            models.UniqueConstraint(
                fields=["sha256", "outlet"], name="article_unique_bytes_outlet"
            ),
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(outlet__isnull=True),
                name="article_unique_bytes_no_outlet",
            ),
        ]
        indexes = [
            models.Index(fields=["-published", "-id"], name="article_newest_first"),
            # The bin is small: the coverage queue leaves its articles out through this index.
            models.Index(
                fields=["id"], condition=Q(deleted_at__isnull=False), name="article_in_bin"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("articles-reader", args=[self.pk])

    @property
    def published_display(self):
        if self.published is None:
            return ""
        if self.published_has_time:
            return self.published.strftime("%Y-%m-%d %H:%M")
        return self.published.strftime("%Y-%m-%d")


class SourceFile(models.Model):
    """A file an article was imported from; the same bytes may arrive under several names."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="source_files")
    name = models.CharField(max_length=1000)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["imported_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="sourcefile_unique_name")
        ]

    def __str__(self):
        return self.name


class Speaker(models.Model):
    name = models.CharField(max_length=300)
    role = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SpeakerAlias(models.Model):
    """Another way of naming a speaker; `key` is the folded spelling that imports match on."""

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True)
    # Only full names identify a person across articles; "Peskov" or "the spokesman" are
    # kept for reading but never used to match a new article's speaker to this one.
    matches = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["speaker", "name"], name="alias_unique_per_speaker")
        ]

    def __str__(self):
        return self.name


class QuoteQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(deleted_at__isnull=True)


class Quote(models.Model):
    DIRECT, PARTIAL = "direct", "partial"
    KIND_CHOICES = [(DIRECT, "direct"), (PARTIAL, "partial")]
    AUTO, ANALYST = "auto", "analyst"
    ORIGIN_CHOICES = [(AUTO, "found on import"), (ANALYST, "marked by an analyst")]

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quotes")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # Stored with its offsets so that a mismatch with the body can always be detected.
    text = models.TextField()
    speaker = models.ForeignKey(
        Speaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    cue = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default=DIRECT)
    origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, default=AUTO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "id"]
        indexes = [models.Index(fields=["article", "start"], name="quote_in_article")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="quote_not_empty")
        ]

    def __str__(self):
        return self.text[:80]

    def clean(self):
        body = self.article.body
        if not (0 <= self.start < self.end <= len(body)):
            raise ValidationError(
                f"Offsets {self.start}–{self.end} are outside the article body "
                f"({len(body)} characters)."
            )
        if body[self.start : self.end] != self.text:
            raise ValidationError("The quote's text does not match the body at its offsets.")
