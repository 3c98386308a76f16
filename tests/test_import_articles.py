"""import_articles: the contract of DESIGN.md, messy input, and nothing half-written."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import caching, importing, search
from articles.models import Article, CoverageLink, DataVersion, Quote, SourceFile, Speaker
from articles.rows import RowWriter

from .conftest import SEEDS

GOOD = "A title\n\nThe minister said: \u201cThis is fine and we will go on.\u201d\n"


def run_import(*args):
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
    return code, out.getvalue(), err.getvalue()


def summary(out):
    line = out.strip().splitlines()[-1]
    return dict(part.split("=") for part in line.split()[-3:])


@pytest.mark.django_db
def test_it_imports_the_seed_folder_and_reports_one_summary_line():
    code, out, err = run_import(SEEDS)
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "imported=5 duplicates=0 failed=0"
    assert Article.objects.count() == 5
    assert Quote.objects.count() > 10


@pytest.mark.django_db
def test_importing_the_same_bytes_twice_creates_nothing():
    run_import(SEEDS)
    counts = (Article.objects.count(), Quote.objects.count(), Speaker.objects.count())
    code, out, _ = run_import(SEEDS)
    assert code == 0
    assert summary(out) == {"imported": "0", "duplicates": "5", "failed": "0"}
    assert (Article.objects.count(), Quote.objects.count(), Speaker.objects.count()) == counts


@pytest.mark.django_db
def test_same_bytes_under_another_name_is_another_source_file_of_the_same_article(tmp_path):
    (tmp_path / "one.txt").write_text(GOOD)
    (tmp_path / "copy.txt").write_text(GOOD)
    code, out, _ = run_import(tmp_path)
    assert summary(out) == {"imported": "1", "duplicates": "1", "failed": "0"}
    article = Article.objects.get()
    assert sorted(article.source_files.values_list("name", flat=True)) == ["copy.txt", "one.txt"]


@pytest.mark.django_db
def test_same_text_from_another_outlet_is_a_new_article_linked_as_confirmed_duplicate(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(GOOD)
    run_import(path, "--outlet", "Wire")
    code, out, _ = run_import(path, "--outlet", "Reprinter")
    assert code == 0 and summary(out)["imported"] == "1"
    first, second = Article.objects.order_by("pk")
    assert (first.outlet.name, second.outlet.name) == ("Wire", "Reprinter")
    link = CoverageLink.objects.get()
    assert (link.article_a_id, link.article_b_id) == (first.pk, second.pk)
    assert (link.relation, link.status) == ("duplicate", "confirmed")


@pytest.mark.django_db
def test_bad_files_are_named_with_their_reason_and_do_not_stop_the_others(tmp_path, settings):
    settings.NEWSDESK_MAX_FILE_BYTES = 1000
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n \r\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG" * 100)
    (tmp_path / "huge.txt").write_text("word " * 400)
    code, out, err = run_import(tmp_path)
    assert code == 1
    assert summary(out) == {"imported": "1", "duplicates": "0", "failed": "4"}
    for name, reason in [
        ("empty.txt", "empty"),
        ("blank.txt", "empty"),
        ("binary.txt", "binary"),
        ("huge.txt", "too large"),
    ]:
        line = next(line for line in err.splitlines() if name in line)
        assert reason in line, line
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_a_missing_path_is_reported_and_counted_as_failed(tmp_path):
    code, out, err = run_import(tmp_path / "nope.txt")
    assert code == 1 and "nope.txt" in err and summary(out)["failed"] == "1"


@pytest.mark.django_db
def test_folders_are_read_recursively_and_only_txt_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text(GOOD)
    (tmp_path / "notes.md").write_text("not an article")
    code, out, _ = run_import(tmp_path)
    assert summary(out)["imported"] == "1"
    assert SourceFile.objects.get().name == "a/b/deep.txt"


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    code, out, _ = run_import(tmp_path, "--dry-run", "--outlet", "Nowhere")
    assert code == 0 and "imported=1" in out
    assert Article.objects.count() == 0
    from articles.models import Outlet

    assert not Outlet.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw, encoding",
    [
        (
            "Caf\u00e9 title\n\nShe said: \u201cWe are here to stay for good.\u201d\n".encode(
                "cp1252"
            ),
            "cp1252",
        ),
        (
            "Caf\u00e9 title\n\nD\u00e9j\u00e0 vu for the minister today.\n".encode("latin-1"),
            "cp1252",
        ),
        ("\ufeffBOM title\n\nBody text of the article here.\n".encode("utf-8"), "utf-8-sig"),
    ],
)
def test_legacy_encodings_and_boms_are_decoded_and_recorded(tmp_path, raw, encoding):
    (tmp_path / "legacy.txt").write_bytes(raw)
    code, _, err = run_import(tmp_path)
    assert code == 0, err
    article = Article.objects.get()
    assert article.encoding == encoding
    assert "\ufffd" not in article.body and "\ufeff" not in article.body
    assert article.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.django_db
def test_crlf_nbsp_zero_width_and_control_characters_are_cleaned_but_raw_text_is_kept(tmp_path):
    raw = "Title here\r\n\r\nPeskov\u00a0said \u201cwe\u200b will\x07 see what happens next.\u201d\r\n"
    (tmp_path / "messy.txt").write_bytes(raw.encode())
    run_import(tmp_path)
    article = Article.objects.get()
    for bad in ("\r", "\u00a0", "\u200b", "\x07"):
        assert bad not in article.body
    assert article.raw_text == raw
    for quote in article.quotes.all():
        assert article.body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
def test_a_failure_while_saving_leaves_no_half_article(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text(GOOD)

    real_write = RowWriter.write

    def explode_on_quotes(writer, rows):
        # The article and its source file are written by then: both must roll back.
        if writer.model is Quote:
            assert Article.objects.count() == 1
            raise RuntimeError("disk on fire")
        return real_write(writer, rows)

    monkeypatch.setattr(RowWriter, "write", explode_on_quotes)
    code, out, err = run_import(tmp_path)
    assert code == 1 and "good.txt" in err and "disk on fire" in err
    assert Article.objects.count() == 0 and SourceFile.objects.count() == 0
    monkeypatch.undo()
    code, out, _ = run_import(tmp_path)
    assert code == 0 and summary(out)["imported"] == "1"


@pytest.mark.django_db
def test_seed_offsets_match_the_body_for_every_quote():
    run_import(SEEDS)
    for quote in Quote.objects.select_related("article"):
        assert quote.article.body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
def test_speaker_spelling_variants_meet_in_one_speaker_across_articles(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Talks\n\n\u201cWe do not want war,\u201d Russian Foreign Minister Sergei Lavrov said.\n"
    )
    (tmp_path / "b.txt").write_text(
        "Other talks\n\n\u201cThere will be no war if it depends on us,\u201d Sergey Lavrov said.\n"
    )
    run_import(tmp_path)
    speakers = {q.speaker_id for q in Quote.objects.all()}
    assert len(speakers) == 1 and None not in speakers


def _interview_links() -> dict[tuple[str, str], float]:
    """Score of each suggested link, by the seed file names' numbers (000…004)."""
    name = {
        article_id: file_name[:3]
        for article_id, file_name in SourceFile.objects.values_list("article_id", "name")
    }
    return {
        tuple(sorted((name[a], name[b]))): score
        for a, b, score in CoverageLink.objects.values_list("article_a", "article_b", "score")
    }


@pytest.mark.django_db
def test_no_links_leaves_coverage_to_suggest_links_which_links_the_same_story():
    from articles.models import ArticleFingerprint

    code, out, err = run_import(SEEDS, "--no-links")
    assert code == 0 and summary(out)["imported"] == "5", err
    assert not ArticleFingerprint.objects.exists()
    assert not CoverageLink.objects.exists()

    call_command("suggest_links", stdout=StringIO())
    assert ArticleFingerprint.objects.count() == 5
    links = _interview_links()
    # The three versions of the interview (000-002) are one story; the Macron call (003) is not.
    for pair in [("000", "001"), ("000", "002"), ("001", "002")]:
        assert links.get(pair, 0) >= 0.5, (pair, links)
    for other in ["000", "001", "002"]:
        assert links.get((other, "003"), 0) < 0.5, links


@pytest.mark.django_db
def test_speakers_named_in_one_batch_meet_in_one_speaker(tmp_path):
    from articles.models import Speaker

    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(
            f"Talks resume {n}\n\n“We will talk, number {n},” Foreign Minister Sergei Lavrov "
            f"said. “It is a mistake {n},” said Antony Blinken.\n"
        )
    code, out, err = run_import(tmp_path)
    assert code == 0 and summary(out)["imported"] == "3", err
    assert sorted(Speaker.objects.values_list("name", flat=True)) == [
        "Antony Blinken",
        "Sergei Lavrov",
    ]
    assert Speaker.objects.get(name="Sergei Lavrov").quotes.count() == 3


@pytest.mark.django_db
def test_a_file_breaking_the_models_rules_is_named_and_the_rest_of_its_batch_lands(
    tmp_path, monkeypatch
):
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Title {n}\n\nThe minister said: “We go on, {n}.”\n")
    real_parts = importing.article_parts

    def blank_body_for_file_1(raw):
        # No real text cleans to an empty body (it is an empty file): stand in for a bad value.
        parts = real_parts(raw)
        return parts._replace(body="") if raw.startswith(b"Title 1") else parts

    monkeypatch.setattr(importing, "article_parts", blank_body_for_file_1)
    code, out, err = run_import(tmp_path)
    assert code == 1 and summary(out) == {"imported": "2", "duplicates": "0", "failed": "1"}
    assert err.strip().splitlines() == [
        "1.txt: failed: invalid article: body: This field cannot be blank."
    ]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Title 0", "Title 2"]
    assert Quote.objects.count() == 2 and SourceFile.objects.count() == 2


@pytest.mark.django_db
def test_an_import_option_too_long_for_its_column_fails_each_file_by_name(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD)
    code, out, err = run_import(tmp_path, "--language", "x" * 17)
    assert code == 1 and summary(out)["failed"] == "1"
    assert "a.txt: failed: invalid article: language: Ensure this value has at most 16" in err
    assert not Article.objects.exists()


def list_version():
    """The version the article list's cache is kept under (moved by a database trigger)."""
    versions = DataVersion.objects.filter(name=caching.ARTICLES)
    return versions.values_list("version", flat=True).first()


@pytest.mark.django_db
def test_imported_articles_are_searchable_and_move_the_list_version(tmp_path):
    (tmp_path / "a.txt").write_text("Zanzibar talks\n\nThe envoy said: “Zanzibar is calm.”\n")
    before = list_version()
    code, _, err = run_import(tmp_path)
    assert code == 0, err
    assert list_version() not in (before, None)
    match = search.matching(search.parse_query("zanzibar"))
    assert list(Article.objects.filter(match).values_list("title", flat=True)) == ["Zanzibar talks"]


@pytest.mark.django_db
def test_a_rerun_records_nothing_new_for_files_already_recorded(tmp_path):
    (tmp_path / "one.txt").write_text(GOOD)
    (tmp_path / "two.txt").write_text(GOOD)
    run_import(tmp_path)
    code, out, _ = run_import(tmp_path)
    assert code == 0 and summary(out) == {"imported": "0", "duplicates": "2", "failed": "0"}
    assert sorted(SourceFile.objects.values_list("name", flat=True)) == ["one.txt", "two.txt"]


@pytest.mark.django_db
def test_workers_option_zero_analyses_in_the_importing_process(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(GOOD)

    def no_pool(workers):
        raise AssertionError("no pool was asked for")

    monkeypatch.setattr(importing, "process_pool", no_pool)
    monkeypatch.setattr(importing, "POOL_THRESHOLD", 1)
    code, out, err = run_import(tmp_path, "--workers", "0")
    assert code == 0 and summary(out)["imported"] == "1", err


@pytest.mark.django_db
def test_a_negative_workers_option_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD)
    with pytest.raises(CommandError, match="--workers"):
        call_command("import_articles", str(tmp_path), "--workers", "-1")
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_pool_worker_analyses_while_the_importer_writes(tmp_path, monkeypatch):
    for n in range(12):  # more than one pool chunk (8 files)
        (tmp_path / f"{n:02d}.txt").write_text(
            f"Talks, day {n}\n\n“We will talk on day {n},” Foreign Minister Sergei Lavrov said.\n"
        )
    monkeypatch.setattr(importing, "POOL_THRESHOLD", 1)
    code, out, err = run_import(tmp_path, "--workers", "1")
    assert code == 0 and summary(out)["imported"] == "12", err
    assert Quote.objects.count() == 12
    assert Speaker.objects.get().name == "Sergei Lavrov"
    for quote in Quote.objects.select_related("article"):
        assert quote.article.body[quote.start : quote.end] == quote.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda q: q._replace(kind="shouted"), "kind: Value 'shouted' is not a valid choice."),
        (lambda q: q._replace(end=q.end + 1), "its text is not the body's at its offsets"),
        (lambda q: q._replace(start=q.end, end=q.start), "its text is not the body's"),
    ],
)
def test_a_file_with_a_quote_breaking_the_models_rules_is_named_and_not_written(
    tmp_path, monkeypatch, change, reason
):
    for n in range(2):
        (tmp_path / f"{n}.txt").write_text(f"Talks on day {n}\n\nThe minister said: “We go on.”\n")
    real_parts = importing.article_parts
    broken = []

    def break_the_quote_of_file_1(raw):
        parts = real_parts(raw)
        if b"day 1" not in raw:
            return parts
        broken.append(change(parts.quotes[0]))
        return parts._replace(quotes=tuple(broken))

    monkeypatch.setattr(importing, "article_parts", break_the_quote_of_file_1)
    code, out, err = run_import(tmp_path)
    assert code == 1 and summary(out) == {"imported": "1", "duplicates": "0", "failed": "1"}
    where = f"{broken[0].start}-{broken[0].end}"
    assert err.startswith(f"1.txt: failed: invalid quote at {where}: {reason}"), err
    assert list(SourceFile.objects.values_list("name", flat=True)) == ["0.txt"]
    assert Article.objects.count() == 1 and Quote.objects.count() == 1


@pytest.mark.django_db
def test_a_file_the_database_refuses_in_a_batch_is_named_and_the_others_land(tmp_path, monkeypatch):
    """As when another import wrote the same bytes between our look-up and our write: the
    batch's one statement fails, then each file is written alone."""
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Talks on day {n}\n\nThe minister said: “We go on.”\n")
    run_import(tmp_path / "1.txt")
    monkeypatch.setattr(importing.ArticleImporter, "_existing", lambda self, shas: {})
    code, out, err = run_import(tmp_path)
    assert code == 1 and summary(out) == {"imported": "2", "duplicates": "0", "failed": "1"}
    assert err.startswith("1.txt: failed: database refused the article, nothing saved"), err
    assert Article.objects.count() == 3 and Quote.objects.count() == 3
    assert sorted(SourceFile.objects.values_list("name", flat=True)) == ["0.txt", "1.txt", "2.txt"]


@pytest.mark.django_db
def test_known_speakers_of_a_batch_are_matched_in_a_fixed_number_of_queries(tmp_path):
    names = ["Sergei Lavrov", "Antony Blinken", "Olaf Scholz", "Emmanuel Macron", "Li Qiang"]

    def write_file(name, day):
        lines = "".join(f"“We talk on day {day},” said {person}.\n\n" for person in names)
        (tmp_path / name).write_text(f"Talks on day {day}\n\n{lines}")

    write_file("first.txt", 1)
    run_import(tmp_path / "first.txt")
    assert Speaker.objects.count() == len(names)
    write_file("second.txt", 2)
    with CaptureQueriesContext(connection) as queries:
        code, out, err = run_import(tmp_path / "second.txt")
    assert code == 0 and summary(out)["imported"] == "1", err
    alias_reads = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "speakeralias" in q["sql"]
    ]
    assert len(alias_reads) == 2, alias_reads  # the names, then the found speakers' aliases
    assert Speaker.objects.count() == len(names)
    assert set(Quote.objects.values_list("speaker__name", flat=True)) == set(names)


@pytest.mark.parametrize("cores, workers", [(None, 0), (1, 0), (2, 1), (3, 2), (16, 2)])
def test_a_large_import_analyses_on_the_cores_the_writer_leaves(monkeypatch, cores, workers):
    monkeypatch.setattr(importing.os, "cpu_count", lambda: cores)
    assert importing.default_workers() == workers
