"""The admin never deletes analysts' work silently: speakers that quotes name are merged, not
deleted; frame tags on claims and claims themselves are not deleted there."""

import pytest
from django.urls import reverse

from articles.models import Article, Claim, FrameTag, Quote, Speaker


@pytest.fixture
def claim(alice):
    speaker = Speaker.objects.create(name="Dmitry Peskov")
    article = Article.objects.create(
        title="T", body="“We act,” Peskov said.", raw_text="x", encoding="utf-8", sha256="1" * 64
    )
    quote = Quote.objects.create(article=article, start=1, end=8, text="We act,", speaker=speaker)
    claim = Claim.objects.create(text="Russia acts", created_by=alice)
    claim.tags.add(FrameTag.objects.get(name="Security and defense"))
    claim.quotes.add(quote, through_defaults={"added_by": alice})
    return claim


@pytest.mark.django_db
def test_a_speaker_with_quotes_cannot_be_deleted_in_the_admin_but_an_unused_one_can(
    client_for, eddie, claim
):
    client = client_for(eddie)
    used = Speaker.objects.get(name="Dmitry Peskov")
    unused = Speaker.objects.create(name="Nobody Quoted")
    assert (
        client.post(
            reverse("admin:articles_speaker_delete", args=[used.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Speaker.objects.filter(pk=used.pk).exists()
    client.post(reverse("admin:articles_speaker_delete", args=[unused.pk]), {"post": "yes"})
    assert not Speaker.objects.filter(pk=unused.pk).exists()
    # No bulk delete of speakers at all.
    changelist = client.get(reverse("admin:articles_speaker_changelist"))
    assert b"delete_selected" not in changelist.content


@pytest.mark.django_db
def test_tags_on_claims_and_claims_cannot_be_deleted_in_the_admin(client_for, eddie, claim):
    client = client_for(eddie)
    tag = claim.tags.get()
    assert (
        client.post(
            reverse("admin:articles_frametag_delete", args=[tag.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:articles_claim_delete", args=[claim.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert claim.tags.filter(pk=tag.pk).exists()
    assert Claim.objects.filter(pk=claim.pk).exists()
