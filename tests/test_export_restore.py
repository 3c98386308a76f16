"""export_corpus / import_corpus: the backup that keeps every label, note, claim and link."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.exporting import export_lines
from articles.models import (
    Adjudication,
    Article,
    ChangeRecord,
    Claim,
    ClaimQuote,
    CoverageLink,
    FrameTag,
    Label,
    LabelSet,
    QuoteAlignment,
    StanceAnnotation,
    Story,
)

CONTRACT_FIELDS = {
    "id",
    "title",
    "title_derived",
    "outlet",
    "published",
    "language",
    "url",
    "source_file",
    "sha256",
    "body",
    "quotes",
    "claims",
    "coverage",
}
QUOTE_FIELDS = {"id", "text", "start", "end", "speaker", "cue", "kind", "origin", "stances"}


def export_text():
    out = StringIO()
    call_command("export_corpus", stdout=out)
    return out.getvalue()


def wipe():
    """Empty the corpus the way a new server is empty (keeping the migrations' defaults)."""
    from django.contrib.auth.models import User

    for model in (
        ChangeRecord,
        ClaimQuote,
        Claim,
        Adjudication,
        StanceAnnotation,
        QuoteAlignment,
        CoverageLink,
    ):
        model.objects.all().delete()
    Article.objects.all().delete()
    Story.objects.all().delete()
    from articles.models import Outlet, Speaker

    Speaker.objects.all().delete()
    Outlet.objects.all().delete()
    User.objects.all().delete()


@pytest.fixture
def annotated(seeds, alice, bob, eddie):
    """The seeds with every kind of analyst work on them."""
    presentation = LabelSet.objects.get(name="Presentation")
    custom = LabelSet.objects.create(name="Custom <set>", description="made by an editor")
    Label.objects.create(label_set=custom, name='odd "label"', key="q", colour="#123456")
    first, second = seeds[0], seeds[1]
    q1, q2 = list(first.quotes.all())[:2]
    q3 = second.quotes.first()
    endorses = presentation.labels.get(name="endorses")
    disputes = presentation.labels.get(name="disputes")
    StanceAnnotation.objects.create(
        annotator=alice,
        quote=q1,
        label_set=presentation,
        label=endorses,
        note="clearly <b>endorsed</b>\nline two",
    )
    StanceAnnotation.objects.create(annotator=bob, quote=q1, label_set=presentation, label=disputes)
    StanceAnnotation.objects.create(
        annotator=alice, quote=q3, label_set=custom, label=custom.labels.get()
    )
    Adjudication.objects.create(
        quote=q1, label_set=presentation, label=disputes, editor=eddie, note="bob is right"
    )
    claim = Claim.objects.create(text="NATO is de facto at war with Russia", created_by=alice)
    claim.tags.set(FrameTag.objects.filter(name__in=["Security and defense", "Political"]))
    ClaimQuote.objects.create(claim=claim, quote=q1, added_by=alice)
    ClaimQuote.objects.create(claim=claim, quote=q3, added_by=bob)
    story = Story.objects.create(title="Peskov to Izvestia")
    Article.objects.filter(pk__in=[first.pk, second.pk]).update(story=story)
    # The import already suggested this link; the analyst's review replaces the suggestion.
    CoverageLink.objects.update_or_create(
        article_a=first,
        article_b=second,
        defaults=dict(
            relation="translation",
            status="confirmed",
            score=0.8125,
            reviewed_by=eddie,
            reviewed_at=timezone.now(),
            evidence={"shared_names": ["Peskov"]},
        ),
    )
    a, b = sorted([q1.pk, q3.pk])
    QuoteAlignment.objects.create(quote_a_id=a, quote_b_id=b, linked=True, decided_by=alice)
    q2.deleted_at = timezone.now()
    q2.save()
    ChangeRecord.record(
        alice, "delete", "quote", q2.pk, article_id=first.pk, before={"text": q2.text}, after=None
    )
    ChangeRecord.record(
        alice, "change", "claim", claim.pk, before={"text": "old"}, after={"text": claim.text}
    )
    Article.objects.filter(pk=seeds[4].pk).update(deleted_at=timezone.now())
    return seeds


@pytest.mark.django_db
def test_every_line_has_the_contract_fields_and_offsets_hold(annotated):
    rows = [json.loads(line) for line in export_text().splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert CONTRACT_FIELDS <= row.keys()
        for quote in row["quotes"]:
            assert QUOTE_FIELDS <= quote.keys()
            assert row["body"][quote["start"] : quote["end"]] == quote["text"]
    first = rows[0]
    stance = next(q for q in first["quotes"] if q["stances"])["stances"]
    assert {s["annotator"] for s in stance} == {"alice", "bob"}
    assert first["claims"][0]["tags"] == ["Political", "Security and defense"] or sorted(
        first["claims"][0]["tags"]
    ) == ["Political", "Security and defense"]
    assert first["coverage"][0]["article_id"] == rows[1]["id"]


@pytest.mark.django_db
def test_export_restore_export_gives_the_same_bytes(annotated):
    first = export_text()
    wipe()
    assert not Article.objects.exists()
    call_command("import_corpus", "-", stdin=StringIO(first), stdout=StringIO())
    second = export_text()
    assert second == first


@pytest.mark.django_db
def test_restore_reads_a_file_and_keeps_soft_deleted_rows(annotated, tmp_path):
    path = tmp_path / "backup.jsonl"
    call_command("export_corpus", "--output", str(path))
    wipe()
    call_command("import_corpus", str(path), stdout=StringIO())
    assert Article.objects.filter(deleted_at__isnull=False).count() == 1
    assert Adjudication.objects.get().note == "bob is right"
    assert ChangeRecord.objects.filter(subject="claim").exists()


@pytest.mark.django_db
def test_restore_refuses_a_non_empty_database(seeds, tmp_path):
    path = tmp_path / "backup.jsonl"
    path.write_text("".join(line + "\n" for line in export_lines()))
    with pytest.raises(CommandError, match="empty database"):
        call_command("import_corpus", str(path))


@pytest.mark.django_db
def test_a_broken_line_restores_nothing_and_names_the_line(seeds, tmp_path):
    lines = list(export_lines())
    wipe()
    path = tmp_path / "broken.jsonl"
    path.write_text(lines[0] + "\n" + lines[1][:50] + "\n")
    with pytest.raises(CommandError, match="line 2"):
        call_command("import_corpus", str(path))
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_quote_whose_offsets_do_not_match_is_refused(seeds, tmp_path):
    row = json.loads(next(export_lines()))
    row["quotes"][0]["start"] += 1
    wipe()
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(CommandError, match="does not match"):
        call_command("import_corpus", str(path))
    assert not Article.objects.exists()
