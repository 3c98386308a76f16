"""Labelling quotes in the reader: one label per analyst, undo, notes, blind mode, roles."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import ChangeRecord, Label, LabelSet, StanceAnnotation

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def presentation(db):
    return LabelSet.objects.get(name="Presentation")


@pytest.fixture
def article(seeds):
    return next(a for a in seeds if a.quotes.count() > 3)


@pytest.fixture
def quote(article):
    return article.quotes.order_by("start").first()


def label(presentation, name):
    return presentation.labels.get(name=name)


def post_label(client, quote, lab, note="", htmx=True):
    data = {
        "label": lab.pk if lab else "",
        "label_set": lab.label_set_id if lab else "",
        "note": note,
    }
    return client.post(
        reverse("articles-quote-label", args=[quote.pk]), data, **(HX if htmx else {})
    )


def test_an_analyst_labels_a_quote_and_gets_its_entry_back(client_for, alice, quote, presentation):
    client = client_for(alice)
    response = post_label(client, quote, label(presentation, "endorses"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="qe-{quote.pk}"' in html
    assert "you: endorses" in html
    stance = StanceAnnotation.objects.get()
    assert (stance.annotator, stance.quote, stance.label.name) == (alice, quote, "endorses")
    record = ChangeRecord.objects.get(subject="stance")
    assert record.action == "create" and record.before is None
    assert record.after["label"] == "endorses" and record.article_id == quote.article_id


def test_without_htmx_the_label_post_redirects_to_the_reader(
    client_for, alice, quote, presentation
):
    response = post_label(client_for(alice), quote, label(presentation, "endorses"), htmx=False)
    assert response.status_code == 302
    assert response.url == reverse("articles-reader", args=[quote.article_id])


def test_changing_a_label_keeps_one_row_and_records_before_and_after(
    client_for, alice, quote, presentation
):
    client = client_for(alice)
    post_label(client, quote, label(presentation, "endorses"))
    post_label(client, quote, label(presentation, "disputes"), note="refuted in para 3")
    stance = StanceAnnotation.objects.get()
    assert stance.label.name == "disputes" and stance.note == "refuted in para 3"
    change = ChangeRecord.objects.filter(subject="stance").last()
    assert change.action == "change"
    assert change.before["label"] == "endorses" and change.after["label"] == "disputes"
    endorses, disputes = label(presentation, "endorses"), label(presentation, "disputes")
    snapshot = {"quote": quote.pk, "label_set": "Presentation", "label_set_id": presentation.pk}
    assert change.before == snapshot | {"label": "endorses", "label_id": endorses.pk, "note": ""}
    assert change.after == snapshot | {
        "label": "disputes",
        "label_id": disputes.pk,
        "note": "refuted in para 3",
    }
    clear = {"label": "", "label_set": presentation.pk}
    client.post(reverse("articles-quote-label", args=[quote.pk]), clear, **HX)
    removal = ChangeRecord.objects.filter(subject="stance").last()
    assert (removal.action, removal.before, removal.after) == ("delete", change.after, None)


def test_a_double_submit_creates_one_label_and_one_history_record(
    client_for, alice, quote, presentation
):
    client = client_for(alice)
    for _ in range(2):
        assert post_label(client, quote, label(presentation, "endorses")).status_code == 200
    assert StanceAnnotation.objects.count() == 1
    assert ChangeRecord.objects.filter(subject="stance").count() == 1


def test_two_analysts_keep_their_own_labels_on_the_same_quote(
    client, alice, bob, quote, presentation
):
    client.force_login(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.force_login(bob)
    post_label(client, quote, label(presentation, "disputes"))
    assert dict(StanceAnnotation.objects.values_list("annotator__username", "label__name")) == {
        "alice": "endorses",
        "bob": "disputes",
    }


def test_undo_restores_the_previous_label_then_removes_the_first(
    client_for, alice, quote, article, presentation
):
    client = client_for(alice)
    undo = reverse("articles-undo", args=[article.pk])
    post_label(client, quote, label(presentation, "endorses"))
    post_label(client, quote, label(presentation, "disputes"))
    response = client.post(undo, **HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert StanceAnnotation.objects.get().label.name == "endorses"
    client.post(undo, **HX)
    assert not StanceAnnotation.objects.exists()
    actions = list(ChangeRecord.objects.filter(subject="stance").values_list("action", flat=True))
    assert actions == ["create", "change", "change", "delete"]  # history is kept


def test_undo_only_touches_the_analysts_own_labels(
    client, alice, bob, quote, article, presentation
):
    client.force_login(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.force_login(bob)
    post_label(client, quote, label(presentation, "disputes"))
    client.post(reverse("articles-undo", args=[article.pk]), **HX)
    assert list(StanceAnnotation.objects.values_list("annotator__username", flat=True)) == ["alice"]


def stance_labels(user):
    return dict(
        StanceAnnotation.objects.filter(annotator=user).values_list("quote_id", "label__name")
    )


def test_undo_goes_back_several_steps_across_the_articles_quotes_then_has_nothing_left(
    client_for, alice, article, presentation
):
    q1, q2 = article.quotes.order_by("start")[:2]
    client = client_for(alice)
    undo = reverse("articles-undo", args=[article.pk])
    post_label(client, q1, label(presentation, "endorses"))
    post_label(client, q2, label(presentation, "disputes"))
    post_label(client, q1, label(presentation, "distances"))
    steps = []
    for _ in range(4):
        assert client.post(undo, **HX).status_code == 200
        steps.append(stance_labels(alice))
    assert steps == [{q1.pk: "endorses", q2.pk: "disputes"}, {q1.pk: "endorses"}, {}, {}]
    # A label after undos is undone first, then the undos carry on from where they were.
    post_label(client, q2, label(presentation, "endorses"))
    post_label(client, q2, label(presentation, "disputes"))
    client.post(undo, **HX)
    assert stance_labels(alice) == {q2.pk: "endorses"}


def test_undo_names_the_change_it_undid_in_the_history(client_for, alice, quote, presentation):
    client = client_for(alice)
    undo = reverse("articles-undo", args=[quote.article_id])
    post_label(client, quote, label(presentation, "endorses"))
    post_label(client, quote, label(presentation, "disputes"))
    created, changed = ChangeRecord.objects.filter(subject="stance").order_by("pk")
    client.post(undo, **HX)
    client.post(undo, **HX)
    put_back, removed = ChangeRecord.objects.filter(subject="stance").order_by("pk")[2:]
    assert (put_back.user, put_back.after["undoes"], put_back.after["label"]) == (
        alice,
        changed.pk,
        "endorses",
    )
    assert (removed.action, removed.after, removed.before["undoes"]) == ("delete", None, created.pk)
    page = client.get(reverse("articles-history", args=[quote.article_id])).content.decode()
    assert "undoes" in page


def test_label_and_undo_do_not_write_the_session(
    client_for, alice, quote, presentation, monkeypatch
):
    """The undo history is the analyst's history records: no session write on either."""
    from django.contrib.sessions.backends.db import SessionStore

    client = client_for(alice)
    client.get(reverse("articles-reader", args=[quote.article_id]))

    def saved(*args, **kwargs):
        raise AssertionError("the session was saved")

    monkeypatch.setattr(SessionStore, "save", saved)
    assert post_label(client, quote, label(presentation, "endorses")).status_code == 200
    assert post_label(client, quote, label(presentation, "disputes")).status_code == 200
    assert client.post(reverse("articles-undo", args=[quote.article_id]), **HX).status_code == 200
    assert stance_labels(alice) == {quote.pk: "endorses"}


def test_undo_works_from_another_login_of_the_same_analyst(alice, quote, presentation):
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(alice)
    post_label(first, quote, label(presentation, "endorses"))
    post_label(first, quote, label(presentation, "disputes"))
    second.post(reverse("articles-undo", args=[quote.article_id]), **HX)
    assert stance_labels(alice) == {quote.pk: "endorses"}


def test_undo_stays_in_its_article(client_for, alice, seeds, presentation):
    one, other = (a.quotes.order_by("start").first() for a in seeds[:2])
    client = client_for(alice)
    post_label(client, one, label(presentation, "endorses"))
    post_label(client, other, label(presentation, "disputes"))
    client.post(reverse("articles-undo", args=[one.article_id]), **HX)
    assert stance_labels(alice) == {other.pk: "disputes"}


def test_undo_is_refused_when_the_label_changed_since_without_the_analyst(
    client_for, alice, quote, presentation
):
    """Not what the last change left (changed by another request meanwhile, say): a 409 with
    the panel and its message, and nothing is changed or recorded."""
    client = client_for(alice)
    post_label(client, quote, label(presentation, "endorses"))
    post_label(client, quote, label(presentation, "disputes"))
    StanceAnnotation.objects.update(label=label(presentation, "distances"))
    records = ChangeRecord.objects.count()
    response = client.post(reverse("articles-undo", args=[quote.article_id]), **HX)
    assert response.status_code == 409
    assert "has changed since" in response.content.decode()
    assert stance_labels(alice) == {quote.pk: "distances"}
    assert ChangeRecord.objects.count() == records
    plain = client.post(reverse("articles-undo", args=[quote.article_id]))
    assert plain.status_code == 409


def test_undo_of_a_label_of_a_retired_set_puts_it_back(client_for, alice, quote, presentation):
    client = client_for(alice)
    post_label(client, quote, label(presentation, "endorses"))
    post_label(client, quote, label(presentation, "disputes"))
    LabelSet.objects.filter(pk=presentation.pk).update(active=False)
    client.post(reverse("articles-undo", args=[quote.article_id]), **HX)
    assert stance_labels(alice) == {quote.pk: "endorses"}


def test_the_history_after_undos_is_a_chain_an_export_check_accepts(
    client_for, alice, article, presentation
):
    from articles.export_check import problems
    from tests.test_export_restore import export_text

    q1, q2 = article.quotes.order_by("start")[:2]
    client = client_for(alice)
    undo = reverse("articles-undo", args=[article.pk])
    post_label(client, q1, label(presentation, "endorses"))
    post_label(client, q2, label(presentation, "disputes"))
    client.post(undo, **HX)
    post_label(client, q1, label(presentation, "distances"))
    client.post(undo, **HX)
    client.post(undo, **HX)
    rows = [json.loads(line) for line in export_text().splitlines()]
    assert problems(rows) == []


def test_clearing_a_label_removes_only_ones_own(client, alice, bob, quote, presentation):
    client.force_login(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.force_login(bob)
    response = client.post(
        reverse("articles-quote-label", args=[quote.pk]),
        {"label": "", "label_set": presentation.pk},
        **HX,
    )
    assert response.status_code == 200
    assert StanceAnnotation.objects.get().annotator == alice


def test_a_label_set_that_requires_a_note_refuses_a_label_without_one(
    client_for, alice, quote, presentation
):
    presentation.note_required = True
    presentation.save()
    client = client_for(alice)
    response = post_label(client, quote, label(presentation, "endorses"))
    assert response.status_code == 422
    assert "needs a note" in response.content.decode()
    assert not StanceAnnotation.objects.exists()
    assert post_label(client, quote, label(presentation, "endorses"), "why").status_code == 200


@pytest.mark.parametrize("bad", ["abc", "999999", ""])
def test_a_bad_label_id_is_refused(client_for, alice, quote, bad):
    response = client_for(alice).post(
        reverse("articles-quote-label", args=[quote.pk]), {"label": bad, "label_set": "x"}, **HX
    )
    assert response.status_code == 422
    assert not StanceAnnotation.objects.exists()


def test_a_deleted_quote_cannot_be_labelled(client_for, alice, quote, presentation):
    from django.utils import timezone

    quote.deleted_at = timezone.now()
    quote.save()
    assert post_label(client_for(alice), quote, label(presentation, "endorses")).status_code == 404


def test_a_viewer_is_refused_and_sees_no_label_buttons(client_for, victor, quote, presentation):
    client = client_for(victor)
    assert post_label(client, quote, label(presentation, "endorses")).status_code == 403
    assert client.post(reverse("articles-undo", args=[quote.article_id])).status_code == 403
    page = client.get(reverse("articles-reader", args=[quote.article_id])).content.decode()
    assert "label-button" not in page and "undo-button" not in page
    assert not StanceAnnotation.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, quote, presentation):
    response = post_label(client, quote, label(presentation, "endorses"), htmx=False)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not StanceAnnotation.objects.exists()


def test_an_editor_can_label_too(client_for, eddie, quote, presentation):
    assert (
        post_label(client_for(eddie), quote, label(presentation, "neutral report")).status_code
        == 200
    )


def test_a_label_post_without_the_csrf_token_is_refused(alice, quote, presentation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert post_label(client, quote, label(presentation, "endorses")).status_code == 403
    assert not StanceAnnotation.objects.exists()


def test_the_reader_shows_label_buttons_with_keys_for_an_analyst(
    client_for, alice, article, presentation
):
    page = client_for(alice).get(reverse("articles-reader", args=[article.pk])).content.decode()
    assert 'data-key="e"' in page and "label-button" in page
    assert "js/annotate.js" in page


def test_switching_label_set_is_remembered(client_for, alice, article, presentation):
    other = LabelSet.objects.get(name="Stance toward target")
    client = client_for(alice)
    page = client.get(reverse("articles-reader", args=[article.pk]) + f"?set={other.pk}")
    assert 'data-key="f"' in page.content.decode()
    again = client.get(reverse("articles-reader", args=[article.pk])).content.decode()
    assert 'data-key="f"' in again and 'data-key="e"' not in again


def test_blind_mode_hides_others_labels_until_one_has_labelled(
    client, alice, bob, quote, article, presentation
):
    client.force_login(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.force_login(bob)
    client.post(reverse("articles-blind"), {"next": "/"})
    reader = reverse("articles-reader", args=[article.pk])
    page = client.get(reader).content.decode()
    assert "alice: endorses" not in page and "hidden (blind mode)" in page
    response = post_label(client, quote, label(presentation, "disputes"))
    assert "alice: endorses" in response.content.decode()  # shown once bob has labelled
    client.post(reverse("articles-blind"), {"next": "/"})
    assert "alice: endorses" in client.get(reader).content.decode()


def test_without_blind_mode_others_labels_are_shown(
    client, alice, bob, quote, article, presentation
):
    client.force_login(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.force_login(bob)
    assert (
        "alice: endorses"
        in client.get(reverse("articles-reader", args=[article.pk])).content.decode()
    )


def test_hostile_notes_and_label_names_are_escaped(client_for, alice, quote, presentation):
    evil = Label.objects.create(
        label_set=presentation, name='<script>alert("x")</script>', key="z", colour="#000000"
    )
    client = client_for(alice)
    response = post_label(client, quote, evil, note='</script><img src=x onerror="alert(1)">')
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert StanceAnnotation.objects.get().note == '</script><img src=x onerror="alert(1)">'
    page = client.get(reverse("articles-reader", args=[quote.article_id])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page


def test_the_reader_panel_costs_a_bounded_number_of_queries(
    client_for, alice, article, presentation, django_assert_max_num_queries
):
    client = client_for(alice)
    for q in article.quotes.all():
        post_label(client, q, label(presentation, "endorses"))
    # session, user, article, quotes, coverage, label sets and their labels (not cached inside
    # the test's transaction: tests/test_annotation_cache.py pins the cached count), the
    # quotes' labels, claims.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("articles-reader", args=[article.pk])).status_code == 200


def test_a_label_request_costs_a_bounded_number_of_queries(
    client_for, alice, quote, presentation, django_assert_max_num_queries
):
    client = client_for(alice)
    endorses = label(presentation, "endorses")
    # session, user, quote, label sets and their labels (not cached inside a transaction), the
    # change with its savepoints (lock, insert with a savepoint of its own, history record),
    # the entry's labels and claims; no session write (undo reads the history).
    with django_assert_max_num_queries(14):
        post_label(client, quote, endorses)


def test_the_redrawn_entry_keeps_the_quotes_speaker_selected(
    client_for, alice, quote, presentation
):
    """The entry sent back after a label offered no speaker in its menu, so saving the speaker
    form from it cleared the quote's speaker."""
    from articles.models import Speaker

    speaker = Speaker.objects.create(name="Dmitry <Peskov>")
    quote.speaker = speaker
    quote.save()
    html = post_label(client_for(alice), quote, label(presentation, "endorses")).content.decode()
    assert f'<option value="{speaker.pk}" selected>Dmitry &lt;Peskov&gt;</option>' in html


def test_an_entry_shows_the_quotes_first_twelve_words_like_truncatewords():
    from django.template.defaultfilters import truncatewords

    from articles.views.panel import first_words

    for text in ["", "one", "  spaced\n out  words ", " ".join(f"w{n}" for n in range(12)),
                 " ".join(f"w{n}" for n in range(13)), "a … b " * 10]:  # fmt: skip
        assert first_words(text) == truncatewords(text, 12)


def test_a_quote_of_an_article_in_the_bin_cannot_be_labelled_or_claimed(
    client_for, alice, quote, presentation
):
    from django.utils import timezone

    from articles.models import Article

    Article.objects.filter(pk=quote.article_id).update(deleted_at=timezone.now())
    client = client_for(alice)
    assert post_label(client, quote, label(presentation, "endorses")).status_code == 404
    claim = client.post(reverse("articles-quote-claim", args=[quote.pk]), {"text": "A claim"})
    assert claim.status_code == 404
    assert not StanceAnnotation.objects.exists()


def test_an_entry_lists_the_others_labels_by_name_and_its_claims_by_text(
    client, alice, bob, eddie, quote, presentation
):
    """Labels and claims come in one statement; each keeps its own order."""
    from articles.models import Claim, ClaimQuote

    for user, name in ((eddie, "disputes"), (bob, "distances")):
        client.force_login(user)
        post_label(client, quote, label(presentation, name))
    for text in ("Zeta claim", "Alpha claim"):
        claim = Claim.objects.create(text=text, created_by=bob)
        ClaimQuote.objects.create(claim=claim, quote=quote, added_by=bob)
    client.force_login(alice)
    html = post_label(client, quote, label(presentation, "endorses")).content.decode()
    assert html.index("you: endorses") < html.index("bob: distances") < html.index("eddie: dis")
    assert html.index("Alpha claim") < html.index("Zeta claim")


def test_undo_sends_htmx_the_changed_entry_in_place_with_the_status_line(
    client_for, alice, article, presentation
):
    q1, q2 = article.quotes.order_by("start")[:2]
    client = client_for(alice)
    post_label(client, q1, label(presentation, "endorses"))
    post_label(client, q2, label(presentation, "disputes"))
    response = client.post(reverse("articles-undo", args=[article.pk]), **HX)
    html = response.content.decode()
    assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#qe-{q2.pk}", "outerHTML")
    assert html.startswith(f'<li id="qe-{q2.pk}"') and f'id="qe-{q1.pk}"' not in html
    assert "you: disputes" not in html
    assert '<p id="undo-status" class="note" role="status" hx-swap-oob="true">' in html
    assert f"Undone: stance on quote {q2.pk}." in html
    # The reader's panel has the line the status goes to.
    page = client.get(reverse("articles-reader", args=[article.pk])).content.decode()
    assert '<p id="undo-status" class="note" role="status">' in page


def test_undo_of_a_label_on_a_deleted_quote_sends_the_whole_panel(
    client_for, alice, quote, presentation
):
    client = client_for(alice)
    post_label(client, quote, label(presentation, "endorses"))
    client.post(reverse("articles-quote-delete", args=[quote.pk]))
    response = client.post(reverse("articles-undo", args=[quote.article_id]), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert 'id="annotation-panel"' in html and "Deleted quotes (1)" in html
    assert not StanceAnnotation.objects.exists()


def test_undo_in_an_article_in_the_bin_is_not_found(client_for, alice, quote, presentation):
    from django.utils import timezone

    from articles.models import Article

    client = client_for(alice)
    post_label(client, quote, label(presentation, "endorses"))
    Article.objects.filter(pk=quote.article_id).update(deleted_at=timezone.now())
    assert client.post(reverse("articles-undo", args=[quote.article_id]), **HX).status_code == 404
    assert StanceAnnotation.objects.exists()
