"""The article bin: editors move articles to it from the admin after a confirmation that counts
every analyst's work on them; binned articles vanish from every page and come back on restore
with all that work; `empty_bin` deletes for good only after the grace period, archiving first,
and never deletes analysts' work unless told to."""

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles import annotation, article_bin, coverage
from articles.exporting import export_lines
from articles.models import (
    Article,
    ChangeRecord,
    ClaimQuote,
    CoverageLink,
    LabelSet,
    Quote,
    StanceAnnotation,
    Story,
)
from tests.test_security_xss import problems_in

CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def worked(seeds, alice, bob, eddie):
    """Seeds where alice and bob worked on the first article and eddie reviewed its link."""
    first, second = seeds[0], seeds[1]
    presentation = LabelSet.objects.get(name="Presentation")
    labels = list(presentation.labels.order_by("order"))
    q1, q2 = list(first.quotes.visible().order_by("start"))[:2]
    annotation.set_label(alice, q1, labels[0], "a note")
    annotation.set_label(bob, q1, labels[1])
    annotation.set_label(alice, q2, labels[0])
    claim = annotation.create_claim(alice, q1, "NATO is at war with Russia")
    annotation.attach_quote(bob, claim, second.quotes.visible().first())
    annotation.create_quote(alice, first, 0, 5, first.body[:5])
    link = CoverageLink.objects.get(article_a=first, article_b=second)
    coverage.decide(eddie, link.pk, CoverageLink.CONFIRMED)
    first.refresh_from_db()
    return seeds


def work_rows():
    """Everything analysts made, as stored (the bin must not touch any of it)."""
    return {
        "stances": list(StanceAnnotation.objects.order_by("pk").values()),
        "claims": list(ClaimQuote.objects.order_by("pk").values()),
        "quotes": list(Quote.objects.order_by("pk").values()),
        "links": list(CoverageLink.objects.order_by("pk").values()),
        "stories": list(Article.objects.order_by("pk").values_list("pk", "story_id")),
    }


def move(client, *articles, confirm=True):
    data = {"action": "move_to_bin", "_selected_action": [a.pk for a in articles]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(CHANGELIST, data)


def test_moving_to_the_bin_first_shows_what_each_analyst_would_lose_sight_of(
    worked, client_for, eddie
):
    client = client_for(eddie)
    before = work_rows()
    response = move(client, worked[0], confirm=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert "hidden, not deleted" in html
    assert "alice: 2 labels, 1 note, 1 claim link, 1 hand-made quote" in html
    assert "bob: 1 label" in html
    assert "eddie: 1 reviewed coverage link" in html
    assert f"{worked[0].quotes.count()} quotes and " in html
    assert worked[0].title in html
    assert problems_in(response) == []
    # Nothing happens until the editor confirms.
    assert Article.objects.get(pk=worked[0].pk).deleted_at is None
    assert work_rows() == before


def test_confirming_bins_the_articles_keeps_all_work_and_records_who(worked, client_for, eddie):
    client = client_for(eddie)
    before = work_rows()
    response = move(client, worked[0], worked[3])
    assert response.status_code == 302
    assert Article.objects.filter(deleted_at__isnull=False).count() == 2
    assert work_rows() == before
    records = ChangeRecord.objects.filter(subject="article", action=ChangeRecord.DELETE)
    assert {(r.object_id, r.user_id) for r in records} == {
        (worked[0].pk, eddie.pk),
        (worked[3].pk, eddie.pk),
    }
    # Binning again changes nothing and records nothing.
    move(client, worked[0])
    assert records.count() == 2


def test_the_confirmation_needs_the_csrf_token(worked, eddie):
    client = Client(enforce_csrf_checks=True)
    client.force_login(eddie)
    assert move(client, worked[0]).status_code == 403
    assert Article.objects.get(pk=worked[0].pk).deleted_at is None


@pytest.mark.parametrize("who", ["alice", "victor"])
def test_only_editors_can_bin(worked, client_for, request, who):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save()
    response = move(client_for(user), worked[0])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Article.objects.get(pk=worked[0].pk).deleted_at is None


def pages_showing(article, other, claim_id, story_id, client):
    """Every page that lists or shows articles, and whether `article` appears on it."""
    word = article.title.split()[0]
    html = {
        "list": client.get("/").content.decode(),
        "search": client.get("/", {"q": word}).content.decode(),
        "speaker": client.get("/", {"speaker": "Dmitry Peskov"}).content.decode(),
        "queue": client.get("/coverage/").content.decode(),
        "story": client.get(f"/stories/{story_id}/").content.decode(),
        "claim": client.get(f"/claims/{claim_id}/").content.decode(),
        "other reader": client.get(f"/articles/{other.pk}/").content.decode(),
    }
    link = f'href="/articles/{article.pk}/"'
    shown = {
        name for name, page in html.items() if link in page or f"/articles/{article.pk}/#q" in page
    }
    statuses = {
        "reader": client.get(f"/articles/{article.pk}/").status_code,
        "raw": client.get(f"/articles/{article.pk}/raw/").status_code,
        "history": client.get(f"/articles/{article.pk}/history/").status_code,
        "compare": client.get("/compare/", {"articles": f"{article.pk},{other.pk}"}).status_code,
    }
    return shown, statuses


def test_binned_articles_vanish_everywhere_and_come_back_with_their_work(
    worked, client_for, eddie, alice
):
    first, second = worked[0], worked[1]
    first.refresh_from_db()
    story_id = first.story_id
    claim_id = ClaimQuote.objects.filter(quote__article=first).first().claim_id
    # Give the queue a suggestion touching the first article.
    assert CoverageLink.objects.filter(article_a=first, status=CoverageLink.SUGGESTED).exists()
    reader = client_for(alice)
    shown, statuses = pages_showing(first, second, claim_id, story_id, reader)
    assert shown == {"list", "search", "speaker", "queue", "story", "claim", "other reader"}
    assert set(statuses.values()) == {200}
    assert 'class="units">1<' in reader.get("/agreement/").content.decode()
    export_before = [json.loads(line) for line in export_lines()]
    work_before = work_rows()

    article_bin.move_to_bin(eddie, [first.pk])
    shown, statuses = pages_showing(first, second, claim_id, story_id, reader)
    assert shown == set()
    assert set(statuses.values()) == {404}
    # The agreement page no longer counts the binned article's labels.
    agreement = reader.get("/agreement/").content.decode()
    assert 'class="units">0<' in agreement

    admin = client_for(eddie)
    response = admin.post(
        CHANGELIST, {"action": "restore_from_bin", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    shown, statuses = pages_showing(first, second, claim_id, story_id, client_for(alice))
    assert shown == {"list", "search", "speaker", "queue", "story", "claim", "other reader"}
    assert set(statuses.values()) == {200}
    assert work_rows() == work_before
    # The export is the same but for the two history records of the bin and back.
    export_after = [json.loads(line) for line in export_lines()]
    added = [r for r in export_after[0]["history"] if r["subject"] == "article"]
    assert [(r["action"], r["user"]) for r in added] == [("delete", "eddie"), ("restore", "eddie")]
    export_after[0]["history"] = [r for r in export_after[0]["history"] if r not in added]
    assert export_after == export_before
    history = client_for(alice).get(f"/articles/{first.pk}/history/").content.decode()
    assert "moved to the bin" in history and "restored from the bin" in history


def test_the_list_counts_no_coverage_with_binned_articles(worked, client_for, eddie, victor):
    def coverage_counts():
        page = client_for(victor).get("/").context["page"]
        return {row.pk: row.coverage_count for row in page.rows}

    before = coverage_counts()
    binned = worked[4]
    linked = {
        link.other(binned.pk)
        for link in CoverageLink.objects.filter(article_b=binned).exclude(status="rejected")
    }
    assert linked
    article_bin.move_to_bin(eddie, [binned.pk])
    after = coverage_counts()
    assert binned.pk not in after
    for pk, n in after.items():
        assert n == before[pk] - (pk in linked)


def test_the_admin_bin_filter_and_column(worked, client_for, eddie):
    article_bin.move_to_bin(eddie, [worked[4].pk])
    client = client_for(eddie)
    binned = client.get(CHANGELIST, {"bin": "yes"})
    assert [a.pk for a in binned.context["cl"].result_list] == [worked[4].pk]
    visible = client.get(CHANGELIST, {"bin": "no"})
    assert worked[4].pk not in {a.pk for a in visible.context["cl"].result_list}
    assert problems_in(binned) == []


def test_the_change_form_cannot_edit_the_bin_date_behind_the_actions(worked, client_for, eddie):
    client = client_for(eddie)
    form = client.get(f"/admin/articles/article/{worked[0].pk}/change/")
    assert 'name="deleted_at' not in form.content.decode()


# --- empty_bin -------------------------------------------------------------------------------


def bin_days_ago(user, article, days):
    article_bin.move_to_bin(user, [article.pk])
    Article.objects.filter(pk=article.pk).update(deleted_at=timezone.now() - timedelta(days=days))


def empty_bin(*args):
    out = StringIO()
    call_command("empty_bin", *args, stdout=out)
    return out.getvalue()


def test_nothing_younger_than_the_grace_period_is_deleted(worked, eddie, tmp_path, settings):
    settings.NEWSDESK_BIN_DAYS = 30
    bin_days_ago(eddie, worked[4], 29)
    out = empty_bin("--archive-dir", str(tmp_path))
    assert out.strip().endswith("deleted=0 kept=0")
    assert Article.objects.filter(pk=worked[4].pk).exists()
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_lists_and_deletes_nothing(worked, eddie, tmp_path):
    bin_days_ago(eddie, worked[4], 31)
    bin_days_ago(eddie, worked[0], 31)
    out = empty_bin("--dry-run", "--archive-dir", str(tmp_path))
    assert f"would delete {worked[4].pk} " in out
    assert f"kept {worked[0].pk} " in out and "alice: 2 labels" in out
    assert out.strip().endswith("would_delete=1 kept=1")
    assert Article.objects.count() == 5 and list(tmp_path.iterdir()) == []


def test_unannotated_articles_are_archived_then_deleted_annotated_ones_kept(
    worked, eddie, tmp_path
):
    bin_days_ago(eddie, worked[4], 31)
    bin_days_ago(eddie, worked[0], 31)
    expected_archive = list(export_lines([worked[4].pk]))
    out = empty_bin("--archive-dir", str(tmp_path))
    assert f"deleted {worked[4].pk} " in out
    assert f"kept {worked[0].pk} " in out
    assert "bob: 1 label" in out and "eddie: 1 reviewed coverage link" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("deleted=1 kept=1 archive=")
    archive = Path(summary.split("archive=")[1])
    assert archive.parent == tmp_path
    assert archive.read_text().splitlines() == expected_archive
    assert not Article.objects.filter(pk=worked[4].pk).exists()
    assert Article.objects.filter(pk=worked[0].pk, deleted_at__isnull=False).exists()
    record = ChangeRecord.objects.get(subject="article", object_id=worked[4].pk, article=None)
    assert record.after == {"deleted": "for good, from the bin", "archive": str(archive)}
    assert record.before["title"] == worked[4].title


def test_include_annotated_deletes_analysts_work_only_after_archiving_it(worked, eddie, tmp_path):
    first, second = worked[0], worked[1]
    first.refresh_from_db()
    assert first.story_id is not None
    bin_days_ago(eddie, first, 31)
    expected_archive = list(export_lines([first.pk]))
    labels = StanceAnnotation.objects.filter(quote__article=first).count()
    assert labels == 3
    out = empty_bin("--include-annotated", "--archive-dir", str(tmp_path))
    archive = Path(out.strip().split("archive=")[1])
    assert archive.read_text().splitlines() == expected_archive
    row = json.loads(expected_archive[0])
    assert sum(len(q["stances"]) for q in row["quotes"]) == labels
    assert not Article.objects.filter(pk=first.pk).exists()
    assert not StanceAnnotation.objects.filter(annotator__username="alice").exists()
    # The story of two is no story once one of them is gone.
    second.refresh_from_db()
    assert second.story_id is None
    assert not Story.objects.exists()


def test_the_grace_period_comes_from_the_setting(worked, eddie, tmp_path, settings):
    settings.NEWSDESK_BIN_DAYS = 3
    bin_days_ago(eddie, worked[4], 4)
    assert "deleted=1" in empty_bin("--archive-dir", str(tmp_path))
    assert "deleted=0" in empty_bin("--days", "0", "--archive-dir", str(tmp_path))


def test_an_archive_restores_into_an_empty_database(db, eddie, tmp_path):
    """The archive is export_corpus's format: a lone article comes back with import_corpus."""
    from tests.test_export_restore import wipe

    article = Article.objects.create(
        title="Lonely",
        body="A lone text.",
        raw_text="A lone text.",
        encoding="utf-8",
        sha256="1" * 64,
    )
    bin_days_ago(eddie, article, 31)
    out = empty_bin("--archive-dir", str(tmp_path))
    archive = out.strip().split("archive=")[1]
    before = Path(archive).read_text()
    wipe()
    call_command("import_corpus", archive, stdout=StringIO())
    restored = Article.objects.get(pk=article.pk)
    assert restored.title == "Lonely" and restored.deleted_at is not None
    assert "".join(line + "\n" for line in export_lines()) == before


def test_deleting_for_good_takes_the_articles_out_of_the_coverage_index(worked, eddie, tmp_path):
    from articles.models import ArticleFingerprint, BandKey, TermCount

    gone = worked[4]
    bin_days_ago(eddie, gone, 31)
    empty_bin("--archive-dir", str(tmp_path))
    assert not ArticleFingerprint.objects.filter(article_id=gone.pk).exists()
    assert not BandKey.objects.filter(article_id=gone.pk).exists()
    counted = dict(TermCount.objects.filter(articles__gt=0).values_list("term", "articles"))
    # A rebuild from scratch counts the four articles left: the same document frequencies.
    coverage.rebuild_index()
    rebuilt = dict(TermCount.objects.filter(articles__gt=0).values_list("term", "articles"))
    assert counted == rebuilt
    assert rebuilt[coverage.TOTAL] == 4


def test_merging_stories_links_their_first_reports_still_out_of_the_bin(eddie, db):
    from tests.test_coverage_stories import link, make_article

    a, b = make_article("Second day", "TASS", 28), make_article("First day", "RT", 27)
    c, d = make_article("Other first", "BBC", 1), make_article("Other second", "CNN", 2)
    for x, y in ((a, b), (c, d)):
        coverage.decide(eddie, link(x, y).pk, CoverageLink.CONFIRMED)
    article_bin.move_to_bin(eddie, [b.pk])  # the first report of its story
    one, other = Article.objects.get(pk=a.pk).story, Article.objects.get(pk=c.pk).story
    merged = coverage.merge_stories(eddie, one, other)
    assert {merged.article_a_id, merged.article_b_id} == {a.pk, c.pk}
