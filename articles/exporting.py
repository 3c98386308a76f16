"""Export the whole corpus as JSON Lines, and restore it: the backup that keeps analysts' work.

One article a line. Each line carries the article and everything attached to it: quotes with
their speakers, stance labels and adjudications, claims and their frame tags, coverage links,
manual quote alignments and the article's history. Restoring an export into an empty database
and exporting again gives the same bytes (ids and timestamps are kept).
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from .models import (
    Adjudication,
    Article,
    ChangeRecord,
    Claim,
    ClaimQuote,
    CoverageLink,
    FrameTag,
    Label,
    LabelSet,
    Outlet,
    Quote,
    QuoteAlignment,
    SourceFile,
    Speaker,
    SpeakerAlias,
    StanceAnnotation,
    Story,
)

BATCH = 500


class RestoreError(Exception):
    """The export cannot be restored; the message names the line and the problem."""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _published(article: Article) -> str | None:
    if article.published is None:
        return None
    if article.published_has_time:
        return article.published.isoformat()
    return article.published.date().isoformat()


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _Names:
    """User names by id, loaded once: attributions are exported as usernames."""

    def __init__(self):
        self.names = dict(get_user_model().objects.values_list("id", "username"))

    def __call__(self, user_id):
        return self.names.get(user_id) if user_id is not None else None


def export_lines(article_ids: Iterable[int] | None = None) -> Iterator[str]:
    """Yield one JSON line per article (every one, or those in `article_ids`), in id order,
    reading the corpus in batches."""
    user = _Names()
    label_sets = {ls.pk: ls for ls in LabelSet.objects.all()}
    labels = {label.pk: label for label in Label.objects.all()}
    tags = {tag.pk: tag for tag in FrameTag.objects.all()}
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    if article_ids is not None:
        wanted = set(article_ids)
        ids = [pk for pk in ids if pk in wanted]
    for offset in range(0, len(ids), BATCH):
        batch_ids = ids[offset : offset + BATCH]
        yield from _export_batch(batch_ids, user, label_sets, labels, tags)


def _export_batch(ids, user, label_sets, labels, tags) -> Iterator[str]:
    articles = Article.objects.filter(pk__in=ids).select_related("outlet", "story").order_by("pk")
    quotes = defaultdict(list)
    for q in Quote.objects.filter(article_id__in=ids).order_by("start", "end", "pk"):
        quotes[q.article_id].append(q)
    quote_ids = [q.pk for qs in quotes.values() for q in qs]
    quote_article = {q.pk: q.article_id for qs in quotes.values() for q in qs}

    speakers = {
        s.pk: s
        for s in Speaker.objects.filter(quotes__in=quote_ids).distinct().prefetch_related("aliases")
    }
    stances = defaultdict(list)
    for s in StanceAnnotation.objects.filter(quote_id__in=quote_ids).order_by("pk"):
        stances[s.quote_id].append(s)
    adjudications = defaultdict(list)
    for a in Adjudication.objects.filter(quote_id__in=quote_ids).order_by("pk"):
        adjudications[a.quote_id].append(a)

    claims_of_article = defaultdict(set)
    claim_ids = set()
    for cq in ClaimQuote.objects.filter(quote_id__in=quote_ids):
        claims_of_article[quote_article[cq.quote_id]].add(cq.claim_id)
        claim_ids.add(cq.claim_id)
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=claim_ids).prefetch_related("tags")}
    claim_links = defaultdict(list)
    for cq in ClaimQuote.objects.filter(claim_id__in=claim_ids).order_by("quote_id", "pk"):
        claim_links[cq.claim_id].append(cq)
    claim_history = defaultdict(list)
    for rec in ChangeRecord.objects.filter(
        subject="claim", object_id__in=claim_ids, article__isnull=True
    ).order_by("at", "pk"):
        claim_history[rec.object_id].append(rec)

    links = defaultdict(list)
    for link in CoverageLink.objects.filter(article_a_id__in=ids) | CoverageLink.objects.filter(
        article_b_id__in=ids
    ):
        for side in (link.article_a_id, link.article_b_id):
            if side in ids:
                links[side].append(link)
    alignments = defaultdict(list)
    for al in QuoteAlignment.objects.filter(quote_a_id__in=quote_ids).order_by("pk"):
        alignments[quote_article[al.quote_a_id]].append(al)
    history = defaultdict(list)
    for rec in ChangeRecord.objects.filter(article_id__in=ids).order_by("at", "pk"):
        history[rec.article_id].append(rec)
    sources = defaultdict(list)
    for sf in SourceFile.objects.filter(article_id__in=ids).order_by("imported_at", "pk"):
        sources[sf.article_id].append(sf)

    def record(rec):
        return {
            "id": rec.pk,
            "at": _when(rec.at),
            "user": user(rec.user_id),
            "action": rec.action,
            "subject": rec.subject,
            "object_id": rec.object_id,
            "before": rec.before,
            "after": rec.after,
        }

    def label_set_info(ls):
        return {
            "name": ls.name,
            "description": ls.description,
            "target": ls.target,
            "note_required": ls.note_required,
            "order": ls.order,
            "active": ls.active,
            "labels": [
                {
                    "name": label.name,
                    "key": label.key,
                    "colour": label.colour,
                    "description": label.description,
                    "order": label.order,
                }
                for label in sorted(
                    (lb for lb in labels.values() if lb.label_set_id == ls.pk),
                    key=lambda lb: (lb.order, lb.name),
                )
            ],
        }

    for article in articles:
        used_sets, used_tags = set(), set()
        quote_rows = []
        for q in quotes[article.pk]:
            for s in stances[q.pk]:
                used_sets.add(s.label_set_id)
            for a in adjudications[q.pk]:
                used_sets.add(a.label_set_id)
            quote_rows.append(
                {
                    "id": q.pk,
                    "text": q.text,
                    "start": q.start,
                    "end": q.end,
                    "speaker": speakers[q.speaker_id].name if q.speaker_id else None,
                    "speaker_id": q.speaker_id,
                    "cue": q.cue,
                    "kind": q.kind,
                    "origin": q.origin,
                    "created_by": user(q.created_by_id),
                    "created_at": _when(q.created_at),
                    "deleted_at": _when(q.deleted_at),
                    "stances": [
                        {
                            "label_set": label_sets[s.label_set_id].name,
                            "label": labels[s.label_id].name,
                            "annotator": user(s.annotator_id),
                            "note": s.note,
                            "created": _when(s.created_at),
                            "updated": _when(s.updated_at),
                            "id": s.pk,
                        }
                        for s in stances[q.pk]
                    ],
                    "adjudications": [
                        {
                            "id": a.pk,
                            "label_set": label_sets[a.label_set_id].name,
                            "label": labels[a.label_id].name,
                            "editor": user(a.editor_id),
                            "note": a.note,
                            "updated": _when(a.updated_at),
                        }
                        for a in adjudications[q.pk]
                    ],
                }
            )
        claim_rows = []
        for claim_id in sorted(claims_of_article[article.pk]):
            claim = claims[claim_id]
            claim_tags = sorted(claim.tags.all(), key=lambda t: (t.order, t.name))
            used_tags.update(t.pk for t in claim_tags)
            claim_rows.append(
                {
                    "id": claim.pk,
                    "text": claim.text,
                    "quote_ids": [cq.quote_id for cq in claim_links[claim.pk]],
                    "quotes": [
                        {
                            "quote_id": cq.quote_id,
                            "added_by": user(cq.added_by_id),
                            "added_at": _when(cq.added_at),
                        }
                        for cq in claim_links[claim.pk]
                    ],
                    "tags": [t.name for t in claim_tags],
                    "created_by": user(claim.created_by_id),
                    "created_at": _when(claim.created_at),
                    "updated_at": _when(claim.updated_at),
                    "version": claim.version,
                    "history": [record(r) for r in claim_history[claim.pk]],
                }
            )
        speaker_ids = sorted({q.speaker_id for q in quotes[article.pk] if q.speaker_id})
        outlet = article.outlet
        line = {
            "id": article.pk,
            "title": article.title,
            "title_derived": article.title_derived,
            "outlet": outlet.name if outlet else None,
            "outlet_info": {
                "domain": outlet.domain,
                "url": outlet.url,
                "country": outlet.country,
                "language": outlet.language,
                "notes": outlet.notes,
            }
            if outlet
            else None,
            "published": _published(article),
            "published_source": article.published_source,
            "language": article.language,
            "url": article.url,
            "source_file": sources[article.pk][0].name if sources[article.pk] else None,
            "source_files": [
                {"name": sf.name, "imported_at": _when(sf.imported_at)}
                for sf in sources[article.pk]
            ],
            "sha256": article.sha256,
            "encoding": article.encoding,
            "import_notes": article.import_notes,
            "imported_at": _when(article.imported_at),
            "deleted_at": _when(article.deleted_at),
            "story": {
                "id": article.story.pk,
                "title": article.story.title,
                "created_at": _when(article.story.created_at),
            }
            if article.story
            else None,
            "raw_text": article.raw_text,
            "body": article.body,
            "speakers": [
                {
                    "id": sid,
                    "name": speakers[sid].name,
                    "role": speakers[sid].role,
                    "aliases": sorted(
                        [
                            {"name": a.name, "key": a.key, "matches": a.matches}
                            for a in speakers[sid].aliases.all()
                        ],
                        key=lambda a: a["name"],
                    ),
                }
                for sid in speaker_ids
            ],
            "quotes": quote_rows,
            "claims": claim_rows,
            "coverage": sorted(
                (
                    {
                        "id": link.pk,
                        "article_id": link.other(article.pk),
                        "relation": link.relation,
                        "status": link.status,
                        "score": link.score,
                        "evidence": link.evidence,
                        "reviewed_by": user(link.reviewed_by_id),
                        "reviewed_at": _when(link.reviewed_at),
                        "created_at": _when(link.created_at),
                    }
                    for link in links[article.pk]
                ),
                key=lambda row: row["id"],
            ),
            "alignments": [
                {
                    "id": al.pk,
                    "quote_a": al.quote_a_id,
                    "quote_b": al.quote_b_id,
                    "linked": al.linked,
                    "decided_by": user(al.decided_by_id),
                    "decided_at": _when(al.decided_at),
                }
                for al in alignments[article.pk]
            ],
            "label_sets": [label_set_info(label_sets[i]) for i in sorted(used_sets)],
            "frame_tags": [
                {"name": tags[i].name, "description": tags[i].description, "order": tags[i].order}
                for i in sorted(used_tags)
            ],
            "history": [record(r) for r in history[article.pk]],
        }
        yield dumps(line)


# --- restore -----------------------------------------------------------------------------------


def _dt(value):
    return parse_datetime(value) if value else None


# Field names come from the file: only these reach a model constructor (an allow-list, as for
# request parameters), never whatever keys a hand-edited export carries.
OUTLET_FIELDS = ("domain", "url", "country", "language", "notes")
LABEL_FIELDS = ("name", "key", "colour", "description", "order")
TAG_FIELDS = ("name", "description", "order")
ALIAS_FIELDS = ("name", "key", "matches")


def _fields(info: dict, allowed: tuple[str, ...]) -> dict:
    return {k: info[k] for k in allowed if k in info}


def _validated(obj, what: str, exclude=()):
    """Run the model's validators, as a form would: a bulk restore must not skip them (a
    `javascript:` URL or a hostile key stored here would later be rendered)."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RestoreError(f"{what}: {'; '.join(exc.messages)}") from None
    return obj


class _Restorer:
    def __init__(self):
        self.users = {}
        self.outlets = {}
        self.label_sets = {ls.name: ls for ls in LabelSet.objects.all()}
        self.labels = {
            (lb.label_set.name, lb.name): lb for lb in Label.objects.select_related("label_set")
        }
        self.tags = {t.name: t for t in FrameTag.objects.all()}
        self.speakers = set()
        self.stories = set()
        self.claims = set()
        self.links = set()
        self.pending_claim_quotes = []
        self.pending_links = []
        self.pending_alignments = []

    def user(self, username):
        if not username:
            return None
        if username not in self.users:
            model = get_user_model()
            found = model.objects.filter(username=username).first()
            if found is None:
                # Attribution must survive a restore on a new server; the account stays locked
                # until an administrator activates it and sets a password.
                found = model(username=username, is_active=False)
                found.set_unusable_password()
                found.save()
            self.users[username] = found
        return self.users[username].pk

    def outlet(self, name, info):
        if not name:
            return None
        if name not in self.outlets:
            outlet = Outlet.objects.filter(name=name).first()
            if outlet is None:
                outlet = _validated(Outlet(name=name, **_fields(info or {}, OUTLET_FIELDS)), name)
                outlet.save(force_insert=True)
            self.outlets[name] = outlet.pk
        return self.outlets[name]

    def label_set(self, info):
        if info["name"] not in self.label_sets:
            self.label_sets[info["name"]] = LabelSet.objects.create(
                **{
                    k: info[k]
                    for k in ("name", "description", "target", "note_required", "order", "active")
                }
            )
        ls = self.label_sets[info["name"]]
        for lab in info["labels"]:
            if (ls.name, lab["name"]) not in self.labels:
                label = Label(label_set=ls, **_fields(lab, LABEL_FIELDS))
                _validated(label, f"label {lab['name']}", exclude=["label_set"]).save()
                self.labels[(ls.name, lab["name"])] = label

    def restore_line(self, row):
        article_id = row["id"]
        for info in row.get("label_sets", []):
            self.label_set(info)
        for info in row.get("frame_tags", []):
            if info["name"] not in self.tags:
                self.tags[info["name"]] = FrameTag.objects.create(**_fields(info, TAG_FIELDS))
        story = row.get("story")
        if story and story["id"] not in self.stories:
            Story.objects.create(
                pk=story["id"], title=story["title"], created_at=_dt(story["created_at"])
            )
            self.stories.add(story["id"])
        published = _dt(row["published"]) if row["published"] and "T" in row["published"] else None
        if row["published"] and published is None:
            published = _dt(row["published"] + "T00:00:00+00:00")
        article = Article(
            pk=article_id,
            outlet_id=self.outlet(row["outlet"], row.get("outlet_info")),
            title=row["title"],
            title_derived=row["title_derived"],
            published=published,
            published_has_time=bool(row["published"] and "T" in row["published"]),
            published_source=row.get("published_source", ""),
            language=row["language"],
            url=row["url"],
            sha256=row["sha256"],
            raw_text=row.get("raw_text", row["body"]),
            encoding=row.get("encoding", "utf-8"),
            import_notes=row.get("import_notes", ""),
            body=row["body"],
            imported_at=_dt(row.get("imported_at")),
            deleted_at=_dt(row.get("deleted_at")),
            story_id=story["id"] if story else None,
        )
        _validated(article, f"article {article_id}", exclude=["outlet", "story"])
        article.save(force_insert=True)
        files = row.get("source_files") or (
            [{"name": row["source_file"], "imported_at": row.get("imported_at")}]
            if row.get("source_file")
            else []
        )
        SourceFile.objects.bulk_create(
            SourceFile(article_id=article_id, name=f["name"], imported_at=_dt(f["imported_at"]))
            for f in files
        )
        for sp in row.get("speakers", []):
            if sp["id"] not in self.speakers:
                Speaker.objects.create(pk=sp["id"], name=sp["name"], role=sp["role"])
                SpeakerAlias.objects.bulk_create(
                    SpeakerAlias(speaker_id=sp["id"], **_fields(alias, ALIAS_FIELDS))
                    for alias in sp["aliases"]
                )
                self.speakers.add(sp["id"])
        body = row["body"]
        quotes, stances, adjudications = [], [], []
        for q in row["quotes"]:
            if body[q["start"] : q["end"]] != q["text"]:
                raise RestoreError(f"quote {q['id']} does not match the body at its offsets")
            quotes.append(
                Quote(
                    pk=q["id"],
                    article_id=article_id,
                    start=q["start"],
                    end=q["end"],
                    text=q["text"],
                    speaker_id=q.get("speaker_id"),
                    cue=q["cue"],
                    kind=q["kind"],
                    origin=q["origin"],
                    created_by_id=self.user(q.get("created_by")),
                    created_at=_dt(q.get("created_at")),
                    deleted_at=_dt(q.get("deleted_at")),
                )
            )
            for s in q["stances"]:
                stances.append(
                    StanceAnnotation(
                        pk=s.get("id"),
                        annotator_id=self.user(s["annotator"]),
                        quote_id=q["id"],
                        label_set=self.label_sets[s["label_set"]],
                        label=self.labels[(s["label_set"], s["label"])],
                        note=s["note"],
                        created_at=_dt(s.get("created") or s["updated"]),
                        updated_at=_dt(s["updated"]),
                    )
                )
            for a in q.get("adjudications", []):
                adjudications.append(
                    Adjudication(
                        pk=a["id"],
                        quote_id=q["id"],
                        label_set=self.label_sets[a["label_set"]],
                        label=self.labels[(a["label_set"], a["label"])],
                        editor_id=self.user(a["editor"]),
                        note=a["note"],
                        updated_at=_dt(a["updated"]),
                    )
                )
        Quote.objects.bulk_create(quotes)
        StanceAnnotation.objects.bulk_create(stances)
        Adjudication.objects.bulk_create(adjudications)
        for c in row["claims"]:
            if c["id"] in self.claims:
                continue
            self.claims.add(c["id"])
            claim = Claim.objects.create(
                pk=c["id"],
                text=c["text"],
                created_by_id=self.user(c["created_by"]),
                created_at=_dt(c["created_at"]),
                updated_at=_dt(c["updated_at"]),
                version=c["version"],
            )
            claim.tags.set([self.tags[name] for name in c["tags"]])
            for link in c["quotes"]:
                self.pending_claim_quotes.append(
                    ClaimQuote(
                        claim_id=c["id"],
                        quote_id=link["quote_id"],
                        added_by_id=self.user(link["added_by"]),
                        added_at=_dt(link["added_at"]),
                    )
                )
            self._history(c.get("history", []), None)
        for link in row["coverage"]:
            if link["id"] in self.links:
                continue
            self.links.add(link["id"])
            a, b = sorted((article_id, link["article_id"]))
            self.pending_links.append(
                CoverageLink(
                    pk=link["id"],
                    article_a_id=a,
                    article_b_id=b,
                    relation=link["relation"],
                    status=link["status"],
                    score=link["score"],
                    evidence=link.get("evidence") or {},
                    reviewed_by_id=self.user(link.get("reviewed_by")),
                    reviewed_at=_dt(link.get("reviewed_at")),
                    created_at=_dt(link.get("created_at")),
                )
            )
        for al in row.get("alignments", []):
            self.pending_alignments.append(
                QuoteAlignment(
                    pk=al["id"],
                    quote_a_id=al["quote_a"],
                    quote_b_id=al["quote_b"],
                    linked=al["linked"],
                    decided_by_id=self.user(al["decided_by"]),
                    decided_at=_dt(al["decided_at"]),
                )
            )
        self._history(row.get("history", []), article_id)

    def _history(self, records, article_id):
        ChangeRecord.objects.bulk_create(
            ChangeRecord(
                pk=r["id"],
                at=_dt(r["at"]),
                user_id=self.user(r["user"]),
                action=r["action"],
                subject=r["subject"],
                object_id=r["object_id"],
                article_id=article_id,
                before=r["before"],
                after=r["after"],
            )
            for r in records
        )

    def finish(self):
        # Links between articles and claims across articles can only be written once both
        # ends exist, so they wait until every line has been read.
        ClaimQuote.objects.bulk_create(self.pending_claim_quotes)
        CoverageLink.objects.bulk_create(self.pending_links)
        QuoteAlignment.objects.bulk_create(self.pending_alignments)


def restore_lines(lines: Iterable[str]) -> int:
    """Restore an export into an empty corpus, all or nothing. Returns the number of articles."""
    if Article.objects.exists():
        raise RestoreError("the database already holds articles: restore into an empty database")
    restorer = _Restorer()
    count = 0
    with transaction.atomic():
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                restorer.restore_line(row)
            except RestoreError as exc:
                raise RestoreError(f"line {number}: {exc}") from None
            except json.JSONDecodeError as exc:
                raise RestoreError(f"line {number}: not valid JSON ({exc.msg})") from None
            except (KeyError, TypeError, ValueError) as exc:
                raise RestoreError(f"line {number}: missing or malformed field ({exc})") from None
            count += 1
        restorer.finish()
        _reset_sequences()
    return count


def _reset_sequences():
    """After inserting explicit ids, PostgreSQL's sequences must move past them."""
    from django.apps import apps
    from django.core.management.color import no_style

    models = list(apps.get_app_config("articles").get_models()) + [get_user_model()]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
