"""Importing text files: one file becomes one article with its quotes, or a clear reason why not.

Each file is read, decoded, cleaned and analysed outside any transaction, then written in one
`transaction.atomic()`, so a failure never leaves half an article behind.
"""

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from .models import Article, CoverageLink, Outlet, Quote, SourceFile
from .speakers import SpeakerDirectory
from .text.cleaning import parse_article
from .text.encoding import UnreadableText, decode_bytes
from .text.quotes import extract_quotes

IMPORTED, DUPLICATE, FAILED = "imported", "duplicate", "failed"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str
    reason: str = ""
    article_id: int | None = None


def iter_text_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    """Yield (path, recorded name) for every file given or every *.txt under a folder given.

    Streams: a folder of many thousands of files is walked, never listed whole into memory
    beyond one directory at a time. The recorded name is relative to the folder given.
    """
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for folder, subfolders, files in os.walk(given):
                subfolders.sort()
                for name in sorted(files):
                    if name.lower().endswith(".txt"):
                        path = Path(folder) / name
                        yield path, path.relative_to(given).as_posix()
        else:
            yield given, given.name


def as_published(value: date | datetime | None) -> tuple[datetime | None, bool]:
    """A detected date as a stored timestamp, and whether the time of day is known."""
    if value is None:
        return None, False
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
        return value, True
    return datetime.combine(value, time(0, 0), tzinfo=UTC), False


class ArticleImporter:
    """Imports files one at a time; keeps small caches so a large folder stays fast."""

    def __init__(self, outlet: str = "", language: str = "", dry_run: bool = False):
        self.language = language
        self.dry_run = dry_run
        self.max_bytes = settings.NEWSDESK_MAX_FILE_BYTES
        self.outlet = None
        if outlet:
            if dry_run:
                self.outlet = Outlet.objects.filter(name=outlet).first() or Outlet(name=outlet)
            else:
                self.outlet, _ = Outlet.objects.get_or_create(name=outlet)
        self.speakers = SpeakerDirectory()

    def import_file(self, path: Path, name: str) -> FileResult:
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return FileResult(
                    name,
                    FAILED,
                    f"file too large ({size:,} bytes; the limit is {self.max_bytes:,})",
                )
            raw = path.read_bytes()
        except OSError as exc:
            return FileResult(name, FAILED, f"cannot read file ({exc.strerror or exc})")
        return self.import_bytes(raw, name)

    def import_bytes(self, raw: bytes, name: str) -> FileResult:
        sha256 = hashlib.sha256(raw).hexdigest()
        existing = self._existing(sha256)
        if existing is not None:
            if not self.dry_run:
                SourceFile.objects.get_or_create(article=existing, name=name)
            return FileResult(name, DUPLICATE, "same bytes already imported", existing.pk)
        try:
            decoded = decode_bytes(raw)
            parsed = parse_article(decoded.text)
            extraction = extract_quotes(parsed.body)
        except UnreadableText as exc:
            return FileResult(name, FAILED, str(exc))
        except Exception as exc:  # a bug on one odd file must not stop the other files
            logger.exception("analysing %s failed", name)
            return FileResult(
                name, FAILED, f"could not analyse the text ({exc.__class__.__name__})"
            )
        published, has_time = as_published(parsed.published)
        notes = [*decoded.notes, *parsed.notes]
        if parsed.dropped:
            notes.append("kept out of the body: " + " | ".join(parsed.dropped))
        article = Article(
            outlet=self.outlet,
            title=parsed.title[:500],
            title_derived=parsed.title_derived,
            published=published,
            published_has_time=has_time,
            published_source=parsed.published_source[:300],
            language=self.language or (self.outlet.language if self.outlet else ""),
            sha256=sha256,
            raw_text=decoded.text,
            encoding=decoded.encoding,
            import_notes="\n".join(notes),
            body=parsed.body,
        )
        try:
            article.full_clean(exclude=["outlet", "story"])
        except ValidationError as exc:
            return FileResult(name, FAILED, "invalid article: " + "; ".join(exc.messages))
        if self.dry_run:
            return FileResult(name, IMPORTED, f"{len(extraction.quotes)} quotes (dry run)")
        try:
            with transaction.atomic():
                article.save()
                SourceFile.objects.create(article=article, name=name)
                self._save_quotes(article, extraction)
                self._link_same_text(article)
        except IntegrityError as exc:
            # Another process imported the same bytes between our check and our write.
            existing = self._existing(sha256)
            if existing is None:
                return FileResult(name, FAILED, f"database refused the article ({exc})")
            SourceFile.objects.get_or_create(article=existing, name=name)
            return FileResult(name, DUPLICATE, "same bytes already imported", existing.pk)
        except DatabaseError as exc:
            # The transaction was rolled back: nothing of this file is in the database.
            return FileResult(name, FAILED, f"database error, nothing saved ({exc})")
        except Exception as exc:
            logger.exception("saving %s failed", name)
            return FileResult(name, FAILED, f"could not save ({exc}); nothing saved")
        return FileResult(name, IMPORTED, "", article.pk)

    def _existing(self, sha256: str) -> Article | None:
        if self.outlet is not None and self.outlet.pk is None:
            return None
        return Article.objects.filter(sha256=sha256, outlet=self.outlet).first()

    def _save_quotes(self, article: Article, extraction) -> None:
        speakers = self.speakers.resolve(extraction.speakers)
        Quote.objects.bulk_create(
            Quote(
                article=article,
                start=q.start,
                end=q.end,
                text=q.text,
                speaker=speakers.get(q.speaker) if q.speaker else None,
                cue=q.cue[:200],
                kind=q.kind,
                origin=Quote.AUTO,
            )
            for q in extraction.quotes
        )

    def _link_same_text(self, article: Article) -> None:
        """The same bytes from another outlet: a new article, confirmed as a duplicate."""
        twins = Article.objects.filter(sha256=article.sha256).exclude(pk=article.pk)
        links = [
            CoverageLink(
                article_a_id=min(twin.pk, article.pk),
                article_b_id=max(twin.pk, article.pk),
                relation=CoverageLink.DUPLICATE,
                status=CoverageLink.CONFIRMED,
                score=1.0,
                evidence={"reason": "identical bytes (same sha256)"},
                reviewed_at=timezone.now(),
            )
            for twin in twins.only("pk")
        ]
        CoverageLink.objects.bulk_create(links, ignore_conflicts=True)
