"""The analysts' work: stance labels on quotes, claims the quotes make, and frame tags."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from .corpus import Quote

colour_hex = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #1f77b4.")
single_key = RegexValidator(
    r"^[a-z0-9]$", "One lower-case letter or digit (not j, k, u, ? or /: they move and undo)."
)
RESERVED_KEYS = set("jkun")


class LabelSet(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    target = models.CharField(
        max_length=200, blank=True, help_text="What the stance is toward, when the set needs one."
    )
    note_required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Label(models.Model):
    label_set = models.ForeignKey(LabelSet, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=1, validators=[single_key])
    colour = models.CharField(max_length=7, default="#777777", validators=[colour_hex])
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["label_set", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["label_set", "name"], name="label_unique_name"),
            models.UniqueConstraint(fields=["label_set", "key"], name="label_unique_key"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.key in RESERVED_KEYS:
            raise ValidationError({"key": f"“{self.key}” is reserved for moving between quotes."})


class StanceAnnotation(models.Model):
    """One analyst's label for one quote in one label set; analysts may disagree."""

    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stances"
    )
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="stances")
    label_set = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="stances")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["quote", "label_set", "annotator"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotator", "quote", "label_set"], name="one_stance_per_annotator"
            )
        ]


class Adjudication(models.Model):
    """An editor's final label for a quote the analysts disagreed on."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="adjudications")
    label_set = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="+")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quote", "label_set"], name="one_adjudication")
        ]


class FrameTag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Claim(models.Model):
    """A proposition in the analyst's words, made by quotes in any number of articles."""

    text = models.TextField()
    tags = models.ManyToManyField(FrameTag, blank=True, related_name="claims")
    quotes = models.ManyToManyField(Quote, through="ClaimQuote", related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Incremented on every edit of the text: a stale edit is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["text"]

    def __str__(self):
        return self.text[:80]


class ClaimQuote(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE)
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "quote"], name="claim_quote_once")]
