"""Analysts' workflows that span models: labels and undo, quotes by hand, speakers, claims, tags,
adjudication. Each change writes its ChangeRecord here, where it is made (signals miss bulk writes).
"""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import caching
from .models import (
    Adjudication,
    ChangeRecord,
    Claim,
    ClaimQuote,
    FrameTag,
    Label,
    LabelSet,
    Quote,
    Speaker,
    SpeakerAlias,
    StanceAnnotation,
)
from .models.history import UNDOES_SQL
from .plain_sql import json_value
from .speakers import identifying
from .text.speakers import name_key


class Invalid(ValueError):
    """The request asks for something the data does not allow; the message says why."""


class Conflict(Exception):
    """Someone changed the object since the analyst loaded it."""


# --- snapshots: what history keeps as before/after -------------------------------------------


def stance_snapshot(stance: StanceAnnotation | None) -> dict | None:
    if stance is None:
        return None
    return {
        "quote": stance.quote_id,
        "label_set": stance.label.label_set.name,
        "label_set_id": stance.label_set_id,
        "label": stance.label.name,
        "label_id": stance.label_id,
        "note": stance.note,
    }


def quote_snapshot(quote: Quote) -> dict:
    return {
        "text": quote.text,
        "start": quote.start,
        "end": quote.end,
        "speaker": quote.speaker.name if quote.speaker_id else None,
        "speaker_id": quote.speaker_id,
        "deleted": quote.deleted_at is not None,
    }


def claim_snapshot(claim: Claim) -> dict:
    return {
        "text": claim.text,
        "version": claim.version,
        "tags": sorted(claim.tags.values_list("name", flat=True)),
    }


# --- stance labels ---------------------------------------------------------------------------


# The analyst's stance on a quote with the names its history snapshot needs, written out: the
# ORM's select_for_update with two joins cost 1.3 ms of CPU to compile, three times running it.
STANCE_SQL = """
SELECT s.*, lb.name AS label_name, ls.name AS label_set_name
FROM articles_stanceannotation s
JOIN articles_label lb ON lb.id = s.label_id
JOIN articles_labelset ls ON ls.id = lb.label_set_id
WHERE s.annotator_id = %s AND s.quote_id = %s AND s.label_set_id = %s
"""
# Its writes, written out: the model's save(), create() and delete() (with its collector) cost
# more CPU to build than to run. A concurrent double submit may insert the same stance first:
# the insert then does nothing (no savepoint needed) and the stance is read again.
UPDATE_STANCE_SQL = """
UPDATE articles_stanceannotation SET label_id = %s, note = %s, updated_at = %s WHERE id = %s
"""
INSERT_STANCE_SQL = """
INSERT INTO articles_stanceannotation
  (annotator_id, quote_id, label_set_id, label_id, note, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (annotator_id, quote_id, label_set_id) DO NOTHING
"""
DELETE_STANCE_SQL = "DELETE FROM articles_stanceannotation WHERE id = %s"


def _stance_for_update(user, quote_id, label_set_id):
    sql = STANCE_SQL
    if connection.features.has_select_for_update_of:
        sql += "FOR UPDATE OF s"  # the stance row only, not the label rows joined to it
    stances = StanceAnnotation.objects.raw(sql, [user.pk, quote_id, label_set_id])
    stance = next(iter(stances), None)
    if stance is not None:
        # Its label as stance_snapshot names it, from the joined columns.
        label_set = LabelSet(pk=stance.label_set_id, name=stance.label_set_name)
        stance.label = Label(pk=stance.label_id, name=stance.label_name, label_set=label_set)
    return stance


def _same_label(stance: StanceAnnotation | None, snapshot: dict | None) -> bool:
    """Whether the stance is the one a history snapshot recorded (by ids: names may change)."""
    if stance is None or snapshot is None:
        return stance is None and snapshot is None
    return stance.label_id == snapshot["label_id"] and stance.note == snapshot["note"]


def _apply_stance(user, quote, label: Label | None, label_set_id, note, when, undoing=None):
    """Make the user's stance on the quote be `label` (None removes it). Returns the record or
    None. `quote` needs only its pk and article_id. When `undoing` is a stance record of the
    user's (id and after), the stance must still be what that record left (else Conflict), and
    the new record names it as the one it undoes."""
    stance = _stance_for_update(user, quote.pk, label_set_id)
    if undoing is not None and not _same_label(stance, undoing.after):
        raise Conflict("This label has changed since; your last change was not undone.")
    before = stance_snapshot(stance)
    if label is None:
        if stance is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute(DELETE_STANCE_SQL, [stance.pk])
        return _record(user, ChangeRecord.DELETE, quote, before, None, undoing)
    if stance is None:
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_STANCE_SQL, [user.pk, quote.pk, label_set_id, label.pk, note, when, when]
            )
            inserted = cursor.rowcount == 1
        if inserted:
            stance = StanceAnnotation(
                annotator_id=user.pk, quote_id=quote.pk, label_set_id=label_set_id, note=note
            )
            action = ChangeRecord.CREATE
        else:  # inserted meanwhile by a concurrent request, which has committed: change it
            stance = _stance_for_update(user, quote.pk, label_set_id)
            before = stance_snapshot(stance)
    if before is not None:
        if stance.label_id == label.pk and stance.note == note:
            return None  # the same answer again: nothing changes, nothing to record
        with connection.cursor() as cursor:
            cursor.execute(UPDATE_STANCE_SQL, [label.pk, note, when, stance.pk])
        stance.label_id, stance.note, stance.updated_at = label.pk, note, when
        action = ChangeRecord.CHANGE
    stance.label = label
    return _record(user, action, quote, before, stance_snapshot(stance), undoing)


def _record(user, action, quote, before, after, undoing):
    # An undo names the record it undoes in the snapshot it leaves, or, when it removes the
    # label (no snapshot after), in the one it removed: undoable_stance_records reads it there.
    if undoing is not None:
        if after is not None:
            after["undoes"] = undoing.pk
        else:
            before["undoes"] = undoing.pk
    return ChangeRecord.record(user, action, "stance", quote.pk, quote.article_id, before, after)


def set_label(user, quote: Quote, label: Label, note: str = ""):
    """Save the analyst's label for the quote (one per analyst, quote and label set)."""
    note = note.strip()
    if label.label_set.note_required and not note:
        raise Invalid(f"“{label.label_set.name}” needs a note explaining the choice.")
    if quote.deleted_at is not None:
        raise Invalid("This quote was deleted; restore it before labelling it.")
    with transaction.atomic():
        return _apply_stance(user, quote, label, label.label_set_id, note, timezone.now())


def remove_label(user, quote: Quote, label_set_id: int):
    with transaction.atomic():
        return _apply_stance(user, quote, None, label_set_id, "", timezone.now())


# How many of the analyst's latest label records in an article undo looks back through: at
# least UNDO_DEPTH // 2 steps back (each undo adds a record), and a bounded read however long
# the history grows.
UNDO_DEPTH = 200
# The analyst's label changes in an article that no undo has undone yet, newest first, with
# their snapshots, among their latest UNDO_DEPTH label records there. Undos themselves are not
# undone (there is no redo); each names what it undid, so the undo history is the analyst's own
# history records and needs no session. A quote deleted for good leaves nothing to put back.
# What each record undid is read from the latest records only, not from all of them.
UNDOABLE_STANCE_SQL = """
WITH recent AS (
  SELECT id, at, object_id, before, after
  FROM articles_changerecord
  WHERE article_id = %s AND user_id = %s AND subject = 'stance'
  ORDER BY at DESC, id DESC
  LIMIT %s
), marked AS (
  SELECT id, at, object_id, before, after, {undoes} AS undoes FROM recent
)
SELECT r.id, r.before, r.after FROM marked r
WHERE r.undoes IS NULL
  AND r.id NOT IN (SELECT undoes FROM marked WHERE undoes IS NOT NULL)
  AND EXISTS (SELECT 1 FROM articles_quote q WHERE q.id = r.object_id)
ORDER BY r.at DESC, r.id DESC
LIMIT %s
"""


def undoable_stance_records(user, article_id: int, limit: int = 5) -> list[ChangeRecord]:
    """The analyst's newest label changes in the article still to undo (id, before, after)."""
    sql = UNDOABLE_STANCE_SQL.format(undoes=UNDOES_SQL[connection.vendor])
    with connection.cursor() as cursor:
        cursor.execute(sql, [article_id, user.pk, UNDO_DEPTH, limit])
        rows = cursor.fetchall()
    return [ChangeRecord(pk=pk, before=json_value(b), after=json_value(a)) for pk, b, a in rows]


def _label_named(snapshot: dict, label_sets) -> Label | None:
    """The label a snapshot names, with its set: from `label_sets` (the cached active ones)
    when it is there, else from the database (a retired set's label); None if it is gone."""
    pk = snapshot["label_id"]
    for label_set in label_sets:
        for label in label_set.labels.all():
            if label.pk == pk:
                return label
    return Label.objects.select_related("label_set").filter(pk=pk).first()


def undo_last(user, article_id: int, label_sets=()) -> ChangeRecord | None:
    """Put back the label the analyst's last label change in the article replaced (or remove
    the label it added); the one before it on the next undo, and so on. The undo is itself a
    change in the history, naming what it undid; nothing is erased. Raises Conflict when the
    label is no longer what that change left (it was changed meanwhile, by another request)."""
    for original in undoable_stance_records(user, article_id):
        state = original.before or original.after
        label = None
        if original.before is not None:
            label = _label_named(original.before, label_sets)
            if label is None:
                continue  # the label it replaced was deleted since: nothing to put back
        quote = Quote(pk=state["quote"], article_id=article_id)
        with transaction.atomic():
            record = _apply_stance(
                user,
                quote,
                label,
                state["label_set_id"],
                original.before["note"] if original.before else "",
                timezone.now(),
                undoing=original,
            )
        if record is not None:
            return record
    return None


# --- quotes by hand --------------------------------------------------------------------------


def _check_span(body: str, start: int, end: int, text: str | None = None):
    if not (0 <= start < end <= len(body)):
        raise Invalid(
            f"Offsets {start}–{end} are outside the article body ({len(body)} characters)."
        )
    if text is not None and body[start:end] != text:
        raise Invalid("The selected text does not match the article body at those offsets.")


def create_quote(user, article, start: int, end: int, text: str) -> Quote:
    _check_span(article.body, start, end, text)
    with transaction.atomic():
        quote = Quote.objects.create(
            article=article,
            start=start,
            end=end,
            text=text,
            origin=Quote.ANALYST,
            kind=Quote.DIRECT,
            created_by=user,
        )
        ChangeRecord.record(
            user, ChangeRecord.CREATE, "quote", quote.pk, article.pk, None, quote_snapshot(quote)
        )
    return quote


def _quote_for_update(quote_id):
    # The 'quotes' version first, then the row (see articles.caching): a speaker merge holds
    # the version while it moves quotes, and would wait for this row while this waited for it.
    caching.take(caching.QUOTES)
    # Lock the quote row only: the speaker is an outer join, which PostgreSQL cannot lock.
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related("article", "speaker")
        .get(pk=quote_id)
    )


def adjust_quote(user, quote_id: int, start: int, end: int) -> Quote:
    with transaction.atomic():
        quote = _quote_for_update(quote_id)
        _check_span(quote.article.body, start, end)
        before = quote_snapshot(quote)
        quote.start, quote.end, quote.text = start, end, quote.article.body[start:end]
        quote.full_clean(exclude=["article", "speaker", "created_by"])
        quote.save(update_fields=["start", "end", "text"])
        ChangeRecord.record(
            user, ChangeRecord.CHANGE, "quote", quote.pk, quote.article_id, before,
            quote_snapshot(quote),
        )  # fmt: skip
    return quote


def delete_quote(user, quote_id: int) -> Quote:
    """Soft delete: the quote and its labels stay in the database and come back on restore."""
    with transaction.atomic():
        quote = _quote_for_update(quote_id)
        if quote.deleted_at is None:
            before = quote_snapshot(quote)
            quote.deleted_at = timezone.now()
            quote.save(update_fields=["deleted_at"])
            ChangeRecord.record(
                user, ChangeRecord.DELETE, "quote", quote.pk, quote.article_id, before,
                quote_snapshot(quote),
            )  # fmt: skip
    return quote


def restore_quote(user, quote_id: int) -> Quote:
    with transaction.atomic():
        quote = _quote_for_update(quote_id)
        if quote.deleted_at is not None:
            before = quote_snapshot(quote)
            quote.deleted_at = None
            quote.save(update_fields=["deleted_at"])
            ChangeRecord.record(
                user, ChangeRecord.RESTORE, "quote", quote.pk, quote.article_id, before,
                quote_snapshot(quote),
            )  # fmt: skip
    return quote


def set_speaker(user, quote_id: int, speaker_id=None, new_name="", aliases="", role=""):
    """Attribute the quote to an existing speaker, to a new one (with aliases), or to nobody."""
    new_name = new_name.strip()
    with transaction.atomic():
        quote = _quote_for_update(quote_id)
        before = quote_snapshot(quote)
        if new_name:
            speaker = Speaker.objects.create(name=new_name[:300], role=role.strip()[:300])
            names = [new_name] + [a.strip() for a in aliases.split(",") if a.strip()]
            SpeakerAlias.objects.bulk_create(
                [
                    SpeakerAlias(
                        speaker=speaker,
                        name=name[:300],
                        key=name_key(name)[:300],
                        matches=name == new_name and identifying(name),
                    )
                    for name in dict.fromkeys(names)
                ]
            )
            ChangeRecord.record(
                user, ChangeRecord.CREATE, "speaker", speaker.pk, quote.article_id, None,
                {"name": speaker.name, "aliases": list(dict.fromkeys(names)), "role": speaker.role},
            )  # fmt: skip
        elif speaker_id:
            speaker = Speaker.objects.filter(pk=speaker_id).first()
            if speaker is None:
                raise Invalid("No such speaker.")
        else:
            speaker = None
        quote.speaker = speaker
        quote.save(update_fields=["speaker"])
        ChangeRecord.record(
            user, ChangeRecord.CHANGE, "quote", quote.pk, quote.article_id, before,
            quote_snapshot(quote),
        )  # fmt: skip
    return quote


# --- claims and frame tags -------------------------------------------------------------------


def create_claim(user, quote: Quote, text: str) -> Claim:
    text = text.strip()
    if not text:
        raise Invalid("Write the claim in your own words.")
    with transaction.atomic():
        claim = Claim.objects.create(text=text, created_by=user)
        ChangeRecord.record(user, ChangeRecord.CREATE, "claim", claim.pk, None, None,
                            claim_snapshot(claim))  # fmt: skip
        attach_quote(user, claim, quote)
    return claim


def attach_quote(user, claim: Claim, quote: Quote) -> bool:
    """Link the quote to the claim; False when it already was."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ClaimQuote.objects.create(claim=claim, quote=quote, added_by=user)
        except IntegrityError:
            return False
        ChangeRecord.record(
            user, ChangeRecord.CHANGE, "claim", claim.pk, quote.article_id,
            None, {"claim": claim.text, "quote_added": quote.pk},
        )  # fmt: skip
    return True


def detach_quote(user, claim: Claim, quote: Quote) -> bool:
    with transaction.atomic():
        deleted, _ = ClaimQuote.objects.filter(claim=claim, quote=quote).delete()
        if deleted:
            ChangeRecord.record(
                user, ChangeRecord.CHANGE, "claim", claim.pk, quote.article_id,
                {"claim": claim.text, "quote": quote.pk}, {"claim": claim.text, "quote_removed": quote.pk},
            )  # fmt: skip
    return bool(deleted)


def edit_claim(user, claim_id: int, text: str, version: int, tag_ids) -> Claim:
    """Change a claim's words and frame tags; refused when someone else changed it first."""
    text = text.strip()
    if not text:
        raise Invalid("A claim cannot be empty.")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.version != version:
            raise Conflict(
                "Someone changed this claim while you were editing it; "
                "your edit was not saved. Here is the current text."
            )
        tags = list(FrameTag.objects.filter(pk__in=tag_ids))
        before = claim_snapshot(claim)
        claim.text = text
        claim.version += 1
        claim.updated_at = timezone.now()
        claim.save(update_fields=["text", "version", "updated_at"])
        claim.tags.set(tags)
        after = claim_snapshot(claim)
        if {k: v for k, v in before.items() if k != "version"} == {
            k: v for k, v in after.items() if k != "version"
        }:
            return claim
        ChangeRecord.record(user, ChangeRecord.CHANGE, "claim", claim.pk, None, before, after)
    return claim


# --- adjudication ----------------------------------------------------------------------------


def adjudicate(editor, quote: Quote, label: Label, note: str = "") -> Adjudication:
    with transaction.atomic():
        existing = (
            Adjudication.objects.select_for_update(of=("self",))
            .select_related("label")
            .filter(quote=quote, label_set_id=label.label_set_id)
            .first()
        )
        before = (
            {"label_set": label.label_set.name, "label": existing.label.name, "note": existing.note}
            if existing
            else None
        )
        if existing is None:
            existing = Adjudication(quote=quote, label_set_id=label.label_set_id)
        existing.label, existing.editor, existing.note = label, editor, note.strip()
        existing.updated_at = timezone.now()
        existing.save()
        ChangeRecord.record(
            editor, ChangeRecord.CHANGE if before else ChangeRecord.CREATE, "adjudication",
            existing.pk, quote.article_id, before,
            {"label_set": label.label_set.name, "label": label.name, "note": existing.note},
        )  # fmt: skip
    return existing
