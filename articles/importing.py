"""Importing text files: one file becomes one article with its quotes, or a clear reason why not.

Files are read and analysed (decode, clean, find quotes: pure functions, spread over processes
for large imports) outside any transaction, then written in batches. A batch is one
transaction: a file is never half-written, and a killed import loses at most the batch in
flight, which re-running imports again. If the batch's bulk write fails, each file of it is
written alone in its own savepoint, so one bad file never takes the others down with it.
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
from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import Article, CoverageLink, Outlet, Quote, SourceFile
from .rows import RowWriter
from .speakers import SpeakerDirectory
from .text.parts import ArticleParts
from .workers import article_parts, process_pool

IMPORTED, DUPLICATE, FAILED = "imported", "duplicate", "failed"
BATCH_FILES = 200
BATCH_BYTES = 16 * 1024 * 1024
# Below this many files a process pool costs more to start than it saves.
POOL_THRESHOLD = 400
# The writing process needs about 0.4 ms of CPU a file and is the serial part; an analysis
# process about 0.5 ms. Two of them keep up with the writer on any machine.
MAX_WORKERS = 2


def default_workers() -> int:
    """Analysis processes for a large import: the cores the writing process leaves, at most two;
    none on one core, where they could only wait.

    On two cores one worker, not two: a second shares a core with the writer, which then waits
    for the CPU, and adds its own start-up (~0.3 s of CPU). 4,000 files, five alternating pairs
    at load 3-5: CPU 0.91-1.01 ms a file with one, 1.00-1.12 with two; wall 4.96 s against
    5.14 s on average (best 1,066 against 953 files/s).
    """
    cores = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 1))


logger = logging.getLogger(__name__)

# The columns the importer writes; every other column takes its model default.
ARTICLE_FIELDS = (
    "outlet_id",
    "title",
    "title_derived",
    "published",
    "published_has_time",
    "published_source",
    "language",
    "sha256",
    "raw_text",
    "encoding",
    "import_notes",
    "body",
)
# The relations first: they are filled in at write time, once the ids are known.
QUOTE_FIELDS = ("article_id", "speaker_id", "start", "end", "text", "cue", "kind", "origin")


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str
    reason: str = ""
    article_id: int | None = None


@dataclass
class _Pending:
    """A file read and analysed, waiting to be written."""

    name: str
    raw: bytes
    sha256: str
    parts: ArticleParts | None = None
    row: tuple | None = None  # the article's values (ARTICLE_FIELDS), checked
    quote_rows: list[tuple] | None = None  # its quotes' values (QUOTE_FIELDS), checked
    article_id: int | None = None


@dataclass
class _Batch:
    """A batch read and being analysed: what is new, what is a copy, in the files' order."""

    files: list[_Pending]
    existing: dict[str, int]
    first_of: dict[str, int]
    new: list[int]
    parts: Iterable[ArticleParts]
    order: list[tuple[str, int]] | None = None
    unreadable: dict[int, FileResult] | None = None


def iter_text_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    """Yield (path, recorded name) for every file given or every *.txt under a folder given.

    Streams: a folder of many thousands of files is walked one directory at a time. The
    recorded name is relative to the folder given (never derived from file content).
    """
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for folder, subfolders, files in os.walk(given):
                subfolders.sort()
                # The folder's name relative to the one given, once per folder: pathlib's
                # relative_to per file costs more than reading a small file.
                prefix = Path(folder).relative_to(given).as_posix()
                prefix = "" if prefix == "." else prefix + "/"
                for name in sorted(files):
                    if name.lower().endswith(".txt"):
                        yield Path(folder, name), prefix + name
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
    """Imports files in batches; keeps small caches so a large folder stays fast."""

    def __init__(
        self,
        outlet: str = "",
        language: str = "",
        dry_run: bool = False,
        workers=None,
        suggest_links: bool = True,
    ):
        self.language = language
        self.dry_run = dry_run
        # A bulk load can leave coverage linking to `suggest_links`, run once afterwards.
        self.suggest_links = suggest_links
        self.max_bytes = settings.NEWSDESK_MAX_FILE_BYTES
        # Processes that analyse while this one writes; 0 analyses here, file after file.
        self.workers = workers if workers is not None else default_workers()
        self.outlet = None
        if outlet:
            if dry_run:
                self.outlet = Outlet.objects.filter(name=outlet).first() or Outlet(name=outlet)
            else:
                self.outlet, _ = Outlet.objects.get_or_create(name=outlet)
        self.speakers = SpeakerDirectory()
        self._pool = None
        self._articles = RowWriter(Article, ARTICLE_FIELDS)
        self._source_files = RowWriter(SourceFile, ("article_id", "name"))
        self._quotes = RowWriter(Quote, QUOTE_FIELDS)

    # --- entry points -------------------------------------------------------------------------

    def import_paths(self, paths: Iterable[str | Path], expected: int = 0) -> Iterator[FileResult]:
        """Import every file under `paths`, yielding one result per file as batches finish.

        With a process pool, the next batch is analysed while the current one is written.
        """
        if self.workers >= 1 and expected >= POOL_THRESHOLD:
            self._pool = process_pool(self.workers)
        try:
            in_flight = None
            for files in self._batches(paths):
                started = self._start(files)
                if in_flight is not None:
                    yield from self._finish(in_flight)
                in_flight = started
            if in_flight is not None:
                yield from self._finish(in_flight)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    def import_file(self, path: Path, name: str) -> FileResult:
        return self._finish(self._start([(Path(path), name)]))[0]

    def import_bytes(self, raw: bytes, name: str) -> FileResult:
        return self._finish(
            self._start_read([_Pending(name, raw, hashlib.sha256(raw).hexdigest())])
        )[0]

    # --- one batch ----------------------------------------------------------------------------

    def _batches(self, paths) -> Iterator[list[tuple[Path, str]]]:
        batch, size = [], 0
        for path, name in iter_text_files(paths):
            batch.append((path, name))
            try:
                size += path.stat().st_size
            except OSError:
                pass
            if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _start(self, files: list[tuple[Path, str]]) -> "_Batch":
        """Read a batch's files and start analysing the new ones."""
        unreadable: dict[int, FileResult] = {}
        pending: list[_Pending] = []
        order: list[tuple[str, int]] = []
        for path, name in files:
            try:
                size = path.stat().st_size
                if size > self.max_bytes:
                    reason = f"file too large ({size:,} bytes; the limit is {self.max_bytes:,})"
                    order.append(("done", len(unreadable)))
                    unreadable[len(unreadable)] = FileResult(name, FAILED, reason)
                    continue
                raw = path.read_bytes()
            except OSError as exc:
                order.append(("done", len(unreadable)))
                unreadable[len(unreadable)] = FileResult(
                    name, FAILED, f"cannot read file ({exc.strerror or exc})"
                )
                continue
            order.append(("read", len(pending)))
            pending.append(_Pending(name, raw, hashlib.sha256(raw).hexdigest()))
        batch = self._start_read(pending)
        batch.order, batch.unreadable = order, unreadable
        return batch

    def _start_read(self, files: list["_Pending"]) -> "_Batch":
        existing = self._existing({f.sha256 for f in files})
        first_of: dict[str, int] = {}
        new: list[int] = []
        for i, f in enumerate(files):
            if f.sha256 not in existing and f.sha256 not in first_of:
                first_of[f.sha256] = i
                new.append(i)
        raws = [files[i].raw for i in new]
        if self._pool is not None and len(raws) > 8:
            parts = self._pool.map(article_parts, raws, chunksize=8)  # submitted now, read later
        else:
            parts = map(article_parts, raws)  # lazy: runs when the batch is finished
        return _Batch(files, existing, first_of, new, parts)

    def _finish(self, batch: "_Batch") -> list[FileResult]:
        """Collect the analyses, write the new articles, then record the duplicates."""
        files, first_of = batch.files, batch.first_of
        results: list[FileResult | None] = [None] * len(files)
        to_write = []
        for i, parts in zip(batch.new, batch.parts, strict=True):
            f = files[i]
            f.parts = parts
            problem = parts.problem or self._check(f)
            if problem:
                results[i] = FileResult(f.name, FAILED, problem)
                del first_of[f.sha256]
            else:
                to_write.append(i)
        if self.dry_run:
            for i in to_write:
                quotes = len(files[i].parts.quotes)
                results[i] = FileResult(files[i].name, IMPORTED, f"{quotes} quotes (dry run)")
        elif to_write:
            failures = self._write([files[i] for i in to_write])
            for i in to_write:
                f = files[i]
                if f.name in failures:
                    results[i] = FileResult(f.name, FAILED, failures[f.name])
                    first_of.pop(f.sha256, None)
                else:
                    results[i] = FileResult(f.name, IMPORTED, "", f.article_id)
        # Duplicates last, so a copy of a file imported in this very batch finds it.
        known_names = []
        for i, f in enumerate(files):
            if results[i] is not None:
                continue
            article_id = batch.existing.get(f.sha256)
            if article_id is None and f.sha256 in first_of and not self.dry_run:
                article_id = files[first_of[f.sha256]].article_id
            if article_id is None and not self.dry_run:
                results[i] = FileResult(f.name, FAILED, "an identical file in this import failed")
                continue
            if not self.dry_run:
                known_names.append(SourceFile(article_id=article_id, name=f.name))
            results[i] = FileResult(f.name, DUPLICATE, "same bytes already imported", article_id)
        # A name already recorded for its article is left as it is (the same file again).
        SourceFile.objects.bulk_create(known_names, ignore_conflicts=True)
        if batch.order is None:
            return results
        return [
            batch.unreadable[index] if kind == "done" else results[index]
            for kind, index in batch.order
        ]

    def _existing(self, shas: set[str]) -> dict[str, int]:
        if not shas or (self.outlet is not None and self.outlet.pk is None):
            return {}
        return dict(
            Article.objects.filter(sha256__in=shas, outlet=self.outlet).values_list("sha256", "pk")
        )

    def _check(self, f: _Pending) -> str:
        """Make the article's row from its analysis and check it with the model's field rules
        (what full_clean checks: lengths, choices, required values); returns a problem, or ''."""
        parts = f.parts
        published, has_time = as_published(parts.published)
        try:
            # Uniqueness is the database's job (checked at write); this checks the values.
            f.row = self._articles.clean(
                (
                    self.outlet.pk if self.outlet else None,
                    parts.title[:500],
                    parts.title_derived,
                    published,
                    has_time,
                    parts.published_source[:300],
                    self.language or (self.outlet.language if self.outlet else ""),
                    f.sha256,
                    parts.raw_text,
                    parts.encoding,
                    "\n".join(parts.notes),
                    parts.body,
                )
            )
        except ValidationError as exc:
            return "invalid article: " + "; ".join(exc.messages)
        try:
            f.quote_rows = [self._quote_row(parts.body, q) for q in parts.quotes]
        except ValidationError as exc:
            return "invalid quote " + "; ".join(exc.messages)
        return ""

    def _quote_row(self, body: str, quote) -> tuple:
        """A found quote's row checked with the Quote model's rules: its fields' (as full_clean)
        and Quote.clean's (the offsets point into the body, at the quote's text)."""
        where = f"at {quote.start}-{quote.end}"
        if not (0 <= quote.start < quote.end <= len(body)) or (
            body[quote.start : quote.end] != quote.text
        ):
            raise ValidationError(f"{where}: its text is not the body's at its offsets")
        row = (None, None, quote.start, quote.end, quote.text, quote.cue[:200], quote.kind)
        try:
            return self._quotes.clean((*row, Quote.AUTO))
        except ValidationError as exc:
            raise ValidationError([f"{where}: {message}" for message in exc.messages]) from None

    # --- writing ------------------------------------------------------------------------------

    def _write(self, files: list[_Pending]) -> dict[str, str]:
        """Write the batch in one transaction; fall back to one savepoint per file on error.

        Returns {file name: reason} for the files that could not be written.
        """
        try:
            with transaction.atomic():
                self._write_all(files)
            return {}
        except Exception:
            logger.info("bulk write of %d files failed; writing them one by one", len(files))
        self.speakers = SpeakerDirectory()  # its cache may name speakers that were rolled back
        failures = {}
        for f in files:
            f.article_id = None
            try:
                with transaction.atomic():
                    self._write_all([f])
            except DatabaseError as exc:
                failures[f.name] = f"database refused the article, nothing saved ({exc})"
            except Exception as exc:
                logger.exception("saving %s failed", f.name)
                failures[f.name] = f"could not save ({exc}); nothing saved"
        return failures

    def _write_all(self, files: list[_Pending]) -> None:
        self._articles.write(f.row for f in files)
        self._learn_ids(files)
        self._source_files.write((f.article_id, f.name) for f in files)
        self.speakers.prefetch(mention.name for f in files for mention in f.parts.speakers)
        quotes = []
        for f in files:
            speakers = self.speakers.resolve(f.parts.speakers)
            quotes.extend(
                (f.article_id, speakers.get(q.speaker) if q.speaker else None, *row[2:])
                for q, row in zip(f.parts.quotes, f.quote_rows, strict=True)
            )
        self.speakers.flush()
        self._quotes.write(quotes)
        self._link_same_text(files)
        self._after_write(files)

    def _learn_ids(self, files: list[_Pending]) -> None:
        """The ids of the articles just written, found by their identity (bytes and outlet),
        which is unique: one query, whatever order the database wrote them in."""
        ids = dict(
            Article.objects.filter(
                sha256__in=[f.sha256 for f in files], outlet=self.outlet
            ).values_list("sha256", "pk")
        )
        for f in files:
            f.article_id = ids[f.sha256]

    def _link_same_text(self, files: list[_Pending]) -> None:
        """The same bytes from another outlet: a new article, confirmed as a duplicate."""
        new_ids = {f.article_id for f in files}
        by_sha = {f.sha256: f.article_id for f in files}
        twins = Article.objects.filter(sha256__in=by_sha).exclude(pk__in=new_ids)
        links = [
            CoverageLink(
                article_a_id=min(twin_id, by_sha[sha]),
                article_b_id=max(twin_id, by_sha[sha]),
                relation=CoverageLink.DUPLICATE,
                status=CoverageLink.CONFIRMED,
                score=1.0,
                evidence={"reason": "identical bytes (same sha256)"},
                reviewed_at=timezone.now(),
            )
            for sha, twin_id in twins.values_list("sha256", "pk")
        ]
        CoverageLink.objects.bulk_create(links, ignore_conflicts=True)

    def _after_write(self, files: list[_Pending]) -> None:
        """Work that follows new articles into the corpus, inside the batch's transaction."""
        # Coverage: fingerprints, keys and suggested links, each article seeing those before it.
        if self.suggest_links:
            # Imported here: coverage brings numpy, which a --no-links bulk load never needs.
            from .coverage import index_articles

            index_articles(self._as_articles(files))

    def _as_articles(self, files: list[_Pending]) -> list[Article]:
        """The written articles as model instances, for code that wants them (coverage)."""
        articles = []
        for f in files:
            article = Article(pk=f.article_id, **dict(zip(ARTICLE_FIELDS, f.row, strict=True)))
            article._state.adding = False
            articles.append(article)
        return articles
