"""The review queue: who may see and decide suggested links, and what a decision records."""

import re

import pytest
from django.template.defaultfilters import floatformat
from django.test import Client
from django.utils import timezone

from articles import coverage
from articles.models import Article, ChangeRecord, CoverageLink, Outlet
from articles.views.coverage import _two_places, can_undo

HOSTILE = "<script>alert(\"x\")</script> 'quoted'"


def make_article(title, outlet="", published=None):
    out = Outlet.objects.get_or_create(name=outlet)[0] if outlet else None
    return Article.objects.create(
        title=title,
        outlet=out,
        body=title + " body",
        raw_text=title,
        sha256=title.encode().hex()[:64].ljust(64, "0"),
        encoding="utf-8",
    )


@pytest.fixture
def suggested(db):
    a = make_article("Peskov says NATO is at war", "Izvestia")
    b = make_article("Kremlin: NATO a party to the conflict", "TASS")
    c = make_article(HOSTILE, "Hostile </script>")
    links = [
        CoverageLink.objects.create(
            article_a=a,
            article_b=b,
            relation=CoverageLink.SAME_STORY,
            score=0.8,
            evidence={"shared_names": ["Peskov", HOSTILE], "shared_passages": [[HOSTILE, "b"]]},
        ),
        CoverageLink.objects.create(
            article_a=b, article_b=c, relation=CoverageLink.RELATED, score=0.3, evidence={}
        ),
    ]
    return links


def decide(client, link, action, htmx=False, **extra):
    return client.post(
        f"/coverage/{link.pk}/decide/",
        {"action": action, "expected": "suggested", **extra},
        headers={"HX-Request": "true"} if htmx else {},
    )


def test_the_queue_needs_a_login(client, suggested):
    response = client.get("/coverage/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_queue_lists_suggestions_best_first_with_their_evidence(client_for, alice, suggested):
    response = client_for(alice).get("/coverage/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("score 0.80") < html.index("score 0.30")
    assert "Izvestia" in html and "TASS" in html
    assert "Peskov" in html
    assert 'data-key="c"' in html


def test_hostile_titles_and_evidence_are_escaped(client_for, alice, suggested):
    html = client_for(alice).get("/coverage/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Hostile &lt;/script&gt;" in html


def test_a_viewer_sees_the_queue_without_buttons_and_cannot_decide(client_for, victor, suggested):
    client = client_for(victor)
    html = client.get("/coverage/").content.decode()
    assert "Peskov says NATO" in html
    assert 'data-key="c"' not in html and "Undo" not in html
    assert decide(client, suggested[0], "confirm").status_code == 403
    assert client.post("/coverage/undo/").status_code == 403
    suggested[0].refresh_from_db()
    assert suggested[0].status == CoverageLink.SUGGESTED


def test_htmx_gets_the_queue_partial_and_a_reload_the_full_page(client_for, alice, suggested):
    client = client_for(alice)
    partial = client.get("/coverage/", headers={"HX-Request": "true"}).content.decode()
    assert '<section id="queue"' in partial and "<html" not in partial
    assert "<html" in client.get("/coverage/").content.decode()


def test_an_analyst_confirms_a_link_which_is_attributed_and_forms_a_story(
    client_for, alice, suggested
):
    link = suggested[0]
    response = decide(client_for(alice), link, "confirm", htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    link.refresh_from_db()
    assert (link.status, link.reviewed_by) == (CoverageLink.CONFIRMED, alice)
    assert link.reviewed_at is not None
    record = ChangeRecord.objects.get(subject="coverage link", object_id=link.pk)
    assert (record.user, record.before["status"], record.after["status"]) == (
        alice,
        "suggested",
        "confirmed",
    )
    a, b = Article.objects.get(pk=link.article_a_id), Article.objects.get(pk=link.article_b_id)
    assert a.story_id is not None and a.story_id == b.story_id


def test_a_plain_form_post_redirects_back_to_the_queue(client_for, alice, suggested):
    response = decide(client_for(alice), suggested[0], "reject")
    assert response.status_code == 302 and response["Location"] == "/coverage/"
    suggested[0].refresh_from_db()
    assert suggested[0].status == CoverageLink.REJECTED


def test_an_editor_may_review_too(client_for, eddie, suggested):
    assert decide(client_for(eddie), suggested[1], "reject").status_code == 302


def test_changing_the_relation_keeps_the_link_in_the_queue(client_for, alice, suggested):
    link = suggested[0]
    decide(client_for(alice), link, "relation", relation=CoverageLink.TRANSLATION)
    link.refresh_from_db()
    assert (link.relation, link.status) == (CoverageLink.TRANSLATION, CoverageLink.SUGGESTED)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete"},
        {"action": "relation"},
        {"action": "relation", "relation": "cousin"},
        {"action": "confirm", "relation": "article_a__title"},
    ],
)
def test_bad_decisions_are_refused(client_for, alice, suggested, data):
    response = client_for(alice).post(f"/coverage/{suggested[0].pk}/decide/", data)
    assert response.status_code == 400
    suggested[0].refresh_from_db()
    assert suggested[0].status == CoverageLink.SUGGESTED
    assert suggested[0].relation == CoverageLink.SAME_STORY


def test_an_unknown_link_is_not_found(client_for, alice, suggested):
    assert (
        client_for(alice).post("/coverage/999999/decide/", {"action": "confirm"}).status_code == 404
    )


def test_a_stale_decision_is_refused_with_409(client_for, alice, bob, suggested):
    link = suggested[0]
    decide(client_for(bob), link, "reject")
    client = Client()
    client.force_login(alice)
    response = decide(client, link, "confirm", htmx=True)
    assert response.status_code == 409
    html = response.content.decode()
    # The bar says why; the card, no longer a suggestion, leaves (nothing to swap in for it).
    assert "Not saved: this link is already rejected" in html
    assert '<div id="queue-status"' in html and 'hx-swap-oob="true"' in html
    assert 'class="link-card"' not in html and "HX-Reswap" not in response.headers
    assert "1 suggestion to review" in html
    link.refresh_from_db()
    assert (link.status, link.reviewed_by) == (CoverageLink.REJECTED, bob)


def test_rejecting_a_link_another_analyst_confirmed_meanwhile_is_stale_not_forbidden(
    client_for, alice, bob, suggested
):
    # Found by bench/load.py: bob's queue still showed the link as suggested, so his reject was
    # a stale decision (409 and a fresh queue), not an analyst trying to split a story (403).
    link = suggested[0]
    decide(client_for(alice), link, "confirm")
    client = Client()
    client.force_login(bob)
    response = decide(client, link, "reject", htmx=True)
    assert response.status_code == 409
    assert "already confirmed" in response.content.decode()
    link.refresh_from_db()
    assert (link.status, link.reviewed_by) == (CoverageLink.CONFIRMED, alice)


def test_a_decision_without_the_csrf_token_is_refused(alice, suggested):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert decide(client, suggested[0], "confirm").status_code == 403
    suggested[0].refresh_from_db()
    assert suggested[0].status == CoverageLink.SUGGESTED


def test_undo_puts_back_the_reviewers_last_decision_only(client_for, alice, bob, suggested):
    first, second = suggested
    client = client_for(alice)
    decide(client, first, "confirm")
    decide(client, second, "reject")
    other = Client()
    other.force_login(bob)
    assert other.post("/coverage/undo/").status_code == 400  # bob decided nothing
    assert client.post("/coverage/undo/").status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.reviewed_by) == (CoverageLink.SUGGESTED, None)
    assert first.status == CoverageLink.CONFIRMED
    assert client.post("/coverage/undo/").status_code == 302
    first.refresh_from_db()
    assert first.status == CoverageLink.SUGGESTED
    assert Article.objects.get(pk=first.article_a_id).story_id is None
    assert client.post("/coverage/undo/").status_code == 400
    assert ChangeRecord.objects.filter(subject="coverage link", action="restore").count() == 2


def test_undo_is_refused_when_someone_changed_the_link_since(client_for, alice, eddie, suggested):
    link = suggested[0]
    decide(client_for(alice), link, "confirm")
    editor = Client()
    editor.force_login(eddie)
    editor.post(f"/coverage/{link.pk}/decide/", {"action": "reject"})
    alice_client = Client()
    alice_client.force_login(alice)
    assert alice_client.post("/coverage/undo/").status_code == 409
    link.refresh_from_db()
    assert link.status == CoverageLink.REJECTED


def test_only_an_editor_can_take_a_confirmed_link_out_of_a_story(client_for, alice, suggested):
    link = suggested[0]
    client = client_for(alice)
    decide(client, link, "confirm")
    response = client.post(f"/coverage/{link.pk}/decide/", {"action": "reject"})
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.status == CoverageLink.CONFIRMED


def test_the_queue_costs_a_bounded_number_of_queries(
    client_for, alice, suggested, django_assert_max_num_queries
):
    a = make_article("Extra one")
    for i in range(15):
        b = make_article(f"Extra {i} two")
        CoverageLink.objects.create(article_a=a, article_b=b, relation="related", score=0.4)
    client = client_for(alice)
    with django_assert_max_num_queries(5):  # session, user, cards with their count, stories, undo
        response = client.get("/coverage/")
    html = response.content.decode()
    assert html.count('class="link-card"') == 17
    assert "17 suggestions to review" in html


def undo_button(client):
    return "Undo my last decision" in client.get("/coverage/").content.decode()


def test_the_undo_button_shows_exactly_while_the_reviewer_has_a_decision_to_undo(
    client_for, alice, bob, suggested
):
    first, second = suggested
    client = client_for(alice)
    steps = [
        lambda: None,
        lambda: decide(client, first, "confirm"),
        lambda: decide(client, second, "reject"),
        lambda: client.post("/coverage/undo/"),
        lambda: client.post("/coverage/undo/"),
        lambda: decide(client, second, "relation", relation=CoverageLink.RELATED),
        lambda: client.post("/coverage/undo/"),
    ]
    shown = []
    for step in steps:
        step()
        # The queue's cheap reading agrees with the one undo itself uses.
        assert can_undo(alice) == (coverage.last_decision(alice) is not None)
        shown.append(undo_button(client))
    assert shown == [False, True, True, True, False, True, False]
    assert not undo_button(client_for(bob))  # another reviewer's decisions are not his


def test_a_link_to_an_article_in_the_bin_leaves_the_queue_and_its_count(
    client_for, alice, suggested
):
    Article.objects.filter(pk=suggested[1].article_b_id).update(deleted_at=timezone.now())
    html = client_for(alice).get("/coverage/").content.decode()
    assert "1 suggestion to review" in html
    assert f'data-link="{suggested[0].pk}"' in html
    assert f'data-link="{suggested[1].pk}"' not in html
    assert decide(client_for(alice), suggested[1], "reject").status_code == 404


def test_an_empty_queue_says_so(client_for, alice, suggested):
    CoverageLink.objects.update(status=CoverageLink.REJECTED)
    html = client_for(alice).get("/coverage/").content.decode()
    assert "0 suggestions to review" in html and "Nothing to review" in html


@pytest.mark.parametrize(
    "value",
    [
        0.8,
        0.125,
        0.135,
        0.005,
        0.994999,
        0.995,
        1.0,
        0.0,
        -0.0,
        -0.001,
        1e-9,
        999.995,
        12345.675,
        float("nan"),
        2,
        "x",
    ],
)
def test_scores_read_as_floatformat_writes_them(value):
    assert _two_places(value) == floatformat(value, 2)


def test_a_decision_from_the_story_page_returns_to_the_story_it_left(client_for, eddie, suggested):
    client = client_for(eddie)
    link = suggested[0]
    decide(client, link, "confirm")
    decide(client, suggested[1], "confirm")
    story = Article.objects.get(pk=link.article_a_id).story_id
    response = client.post(
        f"/coverage/{suggested[1].pk}/decide/",
        {"action": "reject", "expected": "confirmed", "next": "story"},
    )
    assert response.status_code == 302 and response["Location"] == f"/stories/{story}/"


def test_a_link_whose_evidence_is_rewritten_shows_the_new_evidence(client_for, alice, suggested):
    client = client_for(alice)
    names = "<strong>Names in common:</strong> "
    assert names + "Peskov" in client.get("/coverage/").content.decode()
    CoverageLink.objects.filter(pk=suggested[0].pk).update(
        evidence={"shared_names": ["Zakharova"], "reason": "same <b>quotes</b>"}
    )
    html = client.get("/coverage/").content.decode()
    assert names + "Zakharova" in html and names + "Peskov" not in html
    assert "same &lt;b&gt;quotes&lt;/b&gt;" in html


def test_cards_show_a_retitled_article_and_each_reviewers_own_csrf_token(alice, bob, suggested):
    """The cards' markup is kept per process under everything they show: a new title is
    another card, and the form carries the token of the request it is shown to."""
    from django.middleware.csrf import _unmask_cipher_token

    clients = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        clients.append(client)
    pages = [client.get("/coverage/").content.decode() for client in clients]
    Article.objects.filter(pk=suggested[0].article_a_id).update(title="Retitled <b>report</b>")
    html = clients[0].get("/coverage/").content.decode()
    assert "Retitled &lt;b&gt;report&lt;/b&gt;" in html and "Peskov says NATO" not in html
    secrets = []
    for page in pages:
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
        tokens.add(re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1))
        assert len(tokens) == 1  # one token a page: the cards', the undo form's, htmx's
        secrets.append(_unmask_cipher_token(tokens.pop()))
    assert secrets[0] != secrets[1]
    # A card is named by its two titles (decisions and undo move cards without renumbering).
    first = suggested[0].pk
    assert f'aria-labelledby="link-{first}-a link-{first}-b"' in html
    assert f'<h2 class="side-title" id="link-{first}-a"><a href="/articles/' in html


def test_a_decision_answers_with_the_queue_and_its_undo_button_in_few_queries(
    client_for, alice, suggested, django_assert_max_num_queries
):
    client = client_for(alice)
    # session, user, the link; the decision (savepoint, lock, update, history record,
    # savepoint released); the queue and the latest stories: it knows there is a decision
    # to undo.
    with django_assert_max_num_queries(10):
        response = decide(client, suggested[1], "reject", htmx=True)
    assert "Undo my last decision" in response.content.decode()
