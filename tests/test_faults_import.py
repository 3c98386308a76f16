"""An import that dies mid-way (killed, out of memory, the machine stopping) leaves whole
articles only, and running it again finishes the job without duplicates. The death is
simulated by a BaseException in the middle of the second batch's write: like SIGKILL, nothing
in the importer catches it. bench/drills.py kills a real import with SIGKILL."""

import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles import importing
from articles.models import Article, Quote, SourceFile
from articles.text.pipeline import analyse

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
FILES = 12
BATCH = 5


class Killed(BaseException):
    """Stands in for the process dying: not an Exception, so no handler in the importer runs."""


def write_files(folder: Path, count: int) -> list[Path]:
    """Distinct article files recombined from the seed paragraphs (each with its own title)."""
    paragraphs = [
        block.strip()
        for path in sorted(SEEDS.glob("*.txt"))
        for block in path.read_text(encoding="utf-8").split("\n\n")
        if len(block.strip()) > 120
    ]
    rng = random.Random(3)
    paths = []
    for i in range(count):
        body = "\n\n".join(rng.sample(paragraphs, k=6))
        path = folder / f"article_{i:03d}.txt"
        path.write_text(f"Report number {i}\n\nMay {1 + i}, 2023\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def assert_whole(folder: Path):
    """Every article has its source file and exactly the quotes a fresh analysis finds."""
    for article in Article.objects.all():
        names = list(SourceFile.objects.filter(article=article).values_list("name", flat=True))
        assert len(names) == 1, (article.pk, names)
        expected = analyse((folder / names[0]).read_bytes()).extraction.quotes
        stored = list(Quote.objects.filter(article=article).order_by("start", "end"))
        assert [(q.start, q.end) for q in stored] == sorted((q.start, q.end) for q in expected)


def run_import(folder) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(folder), stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1]


# Transactional: each batch really commits, as it does outside tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_killed_in_its_second_batch_keeps_the_first_and_a_rerun_finishes(
    tmp_path, monkeypatch
):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_files(folder, FILES)
    monkeypatch.setattr(importing, "BATCH_FILES", BATCH)
    real_after_write = importing.ArticleImporter._after_write
    batches = []

    def die_in_second_batch(self, articles):
        batches.append(len(articles))
        if len(batches) == 2:
            # Articles, source files and quotes of this batch are written, not yet committed.
            assert Article.objects.count() == 2 * BATCH
            raise Killed
        return real_after_write(self, articles)

    monkeypatch.setattr(importing.ArticleImporter, "_after_write", die_in_second_batch)
    with pytest.raises(Killed):
        run_import(folder)
    assert Article.objects.count() == BATCH  # the first batch, whole; nothing of the second
    assert SourceFile.objects.count() == BATCH
    assert_whole(folder)

    monkeypatch.setattr(importing.ArticleImporter, "_after_write", real_after_write)
    summary = run_import(folder)
    assert summary == f"imported={FILES - BATCH} duplicates={BATCH} failed=0"
    assert Article.objects.count() == FILES
    assert Article.objects.values("sha256").distinct().count() == FILES
    assert SourceFile.objects.count() == FILES
    assert_whole(folder)

    assert run_import(folder) == f"imported=0 duplicates={FILES} failed=0"
    assert Article.objects.count() == FILES and SourceFile.objects.count() == FILES
