"""The audit trail: who changed what, when, and what it was before."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# An undo is itself a change record, and it names the record it undid as 'undoes' in the
# snapshot it leaves: in `after`, or in `before` when the undo removed the thing (no `after`).
# This SQL expression reads that id, on each database, for the undo statements of labels
# (articles.annotation) and of coverage decisions (articles.coverage).
UNDOES_SQL = {
    "postgresql": "CAST(COALESCE(after ->> 'undoes', before ->> 'undoes') AS bigint)",
    "sqlite": "COALESCE(json_extract(after, '$.undoes'), json_extract(before, '$.undoes'))",
}


class ChangeRecord(models.Model):
    CREATE, CHANGE, DELETE, RESTORE = "create", "change", "delete", "restore"
    ACTION_CHOICES = [(a, a) for a in (CREATE, CHANGE, DELETE, RESTORE)]

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=ACTION_CHOICES)
    # What changed, in words an analyst reads: "quote", "stance", "claim", "article"...
    subject = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["article", "at"], name="history_of_article"),
            # A reviewer's latest decisions (coverage undo, the queue's undo button) are read
            # newest first from the index instead of sorting their whole history each time.
            models.Index(fields=["user", "subject", "at", "id"], name="history_by_user"),
        ]

    @classmethod
    def record(cls, user, action, subject, obj_id, article_id=None, before=None, after=None):
        """Write history explicitly: signals miss bulk writes, this is called where changes are made."""
        return cls.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            action=action,
            subject=subject,
            object_id=obj_id,
            article_id=article_id,
            before=before,
            after=after,
        )
