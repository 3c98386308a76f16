"""What the review queue's decisions and undo answer to htmx: the card that changed (or none),
the queue's bar out of band, and the latest stories when a story was made or unmade. Never the
whole queue again."""

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article, CoverageLink
from tests.test_coverage_review import decide, make_article

HTMX = {"HX-Request": "true"}


@pytest.fixture
def queue(db):
    """Three suggestions, best first: a-b, c-d, e-f."""
    arts = [make_article(f"Report {n}", "TASS") for n in "abcdef"]
    return [
        CoverageLink.objects.create(
            article_a=arts[i],
            article_b=arts[i + 1],
            relation=CoverageLink.SAME_STORY,
            score=0.9 - i / 10,
            evidence={"shared_names": [f"Name {i}"]},
        )
        for i in (0, 2, 4)
    ]


def card_ids(html):
    return [int(pk) for pk in re.findall(r'<article class="link-card" id="link-(\d+)"', html)]


def oob_bar(html):
    """The out-of-band queue bar of an answer."""
    match = re.search(
        r'<div id="queue-status"[^>]*hx-swap-oob="true"[^>]*>.*?</div>\s*</div>', html, re.S
    )
    assert match, html
    return match.group(0)


def test_a_decision_answers_with_the_bar_only_and_the_card_leaves(client_for, alice, queue):
    response = decide(client_for(alice), queue[0], "reject", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert card_ids(html) == []  # nothing swapped in for the decided card: it leaves
    assert "HX-Reswap" not in response.headers
    bar = oob_bar(html)
    assert "2 suggestions to review" in bar
    assert 'data-key="u"' in bar and 'hx-target="#cards"' in bar  # undo, into the cards
    assert 'name="csrfmiddlewaretoken"' in bar
    assert 'id="recent-stories"' not in html  # a reject made no story


def test_the_cards_ask_for_their_own_swap(client_for, alice, queue):
    html = client_for(alice).get("/coverage/").content.decode()
    for link in queue:
        assert f'hx-post="/coverage/{link.pk}/decide/" hx-target="#link-{link.pk}"' in html
    assert html.count('hx-swap="outerHTML"') == 2 * len(queue)  # two forms a card


def test_a_confirmation_brings_the_new_story_into_the_latest_stories(client_for, alice, queue):
    html = decide(client_for(alice), queue[1], "confirm", htmx=True).content.decode()
    story = Article.objects.get(pk=queue[1].article_a_id).story
    assert story is not None
    stories = re.search(r'<div id="recent-stories" hx-swap-oob="true">.*?</div>', html, re.S)
    assert stories and f'href="/stories/{story.pk}/"' in stories.group(0)
    assert "Report c" in stories.group(0)


def test_a_relation_change_answers_with_the_card_as_it_now_is(client_for, alice, queue):
    link = queue[1]
    response = decide(client_for(alice), link, "relation", htmx=True, relation="translation")
    html = response.content.decode()
    assert response.status_code == 200 and card_ids(html) == [link.pk]
    assert 'value="translation" data-key="3" aria-pressed="true"' in html
    assert '<span class="relation badge">translation</span>' in html
    assert "3 suggestions to review" in oob_bar(html)


@pytest.mark.parametrize(
    "data", [{"action": "delete"}, {"action": "relation"}, {"action": "relation", "relation": "x"}]
)
def test_a_bad_decision_keeps_the_card_and_says_why(client_for, alice, queue, data):
    client = client_for(alice)
    response = client.post(f"/coverage/{queue[0].pk}/decide/", data, headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Reswap"] == "none"  # the card stays as shown
    bar = oob_bar(response.content.decode())
    assert re.search(r"Unknown decision|Choose a relation|Unknown relation", bar)


def test_a_stale_decision_on_a_link_suggested_again_keeps_its_card(client_for, eddie, queue):
    """An editor's form expected the link confirmed; someone's undo made it a suggestion again:
    409, and the card (still in the queue) stays."""
    client = client_for(eddie)
    response = decide(client, queue[0], "reject", htmx=True, expected="confirmed")
    assert response.status_code == 409
    assert response.headers["HX-Reswap"] == "none"
    assert "already suggested" in oob_bar(response.content.decode())


def test_undo_answers_with_the_restored_card_first_and_names_it(client_for, alice, queue):
    client = client_for(alice)
    decide(client, queue[1], "confirm", htmx=True)
    response = client.post("/coverage/undo/", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert card_ids(html) == [queue[1].pk]
    assert html.index('class="link-card"') < html.index('id="queue-status"')
    trigger = json.loads(response.headers["HX-Trigger-After-Settle"])
    assert trigger == {"coverage:restored": {"link": queue[1].pk}}
    bar = oob_bar(html)
    assert "Your last decision was undone." in bar and "3 suggestions to review" in bar
    assert 'data-key="u"' not in bar  # nothing left to undo
    # The story the confirmation made is gone from the latest stories.
    stories = re.search(r'<div id="recent-stories" hx-swap-oob="true">(.*?)</div>', html, re.S)
    assert stories and "/stories/" not in stories.group(1)


def test_undo_of_a_link_not_back_in_the_queue_swaps_no_card(client_for, eddie, queue):
    client = client_for(eddie)
    decide(client, queue[0], "confirm")
    decide(client, queue[0], "reject", expected="confirmed")  # the editor splits it again
    response = client.post("/coverage/undo/", headers=HTMX)  # back to confirmed
    assert response.status_code == 200
    assert card_ids(response.content.decode()) == []
    assert response.headers["HX-Reswap"] == "none"
    assert "HX-Trigger-After-Settle" not in response.headers
    queue[0].refresh_from_db()
    assert queue[0].status == CoverageLink.CONFIRMED


def test_undo_of_a_link_whose_article_went_to_the_bin_swaps_no_card(client_for, alice, queue):
    client = client_for(alice)
    decide(client, queue[0], "reject", htmx=True)
    Article.objects.filter(pk=queue[0].article_b_id).update(deleted_at=timezone.now())
    response = client.post("/coverage/undo/", headers=HTMX)
    assert response.status_code == 200 and card_ids(response.content.decode()) == []
    assert "2 suggestions to review" in oob_bar(response.content.decode())


def test_nothing_to_undo_is_said_in_the_bar(client_for, alice, queue):
    response = client_for(alice).post("/coverage/undo/", headers=HTMX)
    assert response.status_code == 400 and response.headers["HX-Reswap"] == "none"
    assert "Nothing to undo." in oob_bar(response.content.decode())


def test_answers_escape_what_they_show(client_for, alice, queue):
    hostile = '<script>alert("x")</script>'
    Article.objects.filter(pk=queue[0].article_a_id).update(title=hostile)
    client = client_for(alice)
    html = decide(client, queue[0], "relation", htmx=True, relation="rewrite").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)" in html
    decide(client, queue[0], "confirm", htmx=True)  # a story titled by that report
    html = client.post("/coverage/undo/", headers=HTMX).content.decode()
    assert "<script>alert" not in html


def test_a_viewer_gets_no_answer_but_403(client_for, victor, queue):
    client = client_for(victor)
    assert decide(client, queue[0], "confirm", htmx=True).status_code == 403
    assert client.post("/coverage/undo/", headers=HTMX).status_code == 403


def test_an_answer_without_the_csrf_token_is_refused(alice, queue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert decide(client, queue[0], "confirm", htmx=True).status_code == 403
    assert client.post("/coverage/undo/", headers=HTMX).status_code == 403
    queue[0].refresh_from_db()
    assert queue[0].status == CoverageLink.SUGGESTED


def test_a_decision_and_its_undo_cost_few_queries(
    client_for, alice, queue, django_assert_max_num_queries
):
    client = client_for(alice)
    # session, user, the link; the decision (savepoint, the 'links' version on PostgreSQL (a
    # rejection moves it), lock, update, history record, savepoint released); the count. No
    # cards, no stories, no reading of what there is to undo.
    with django_assert_max_num_queries(10):
        decide(client, queue[2], "reject", htmx=True)
    # session, user; the undo (savepoint, last decision, the 'links' version on PostgreSQL,
    # lock, update, history record, savepoint released); the card put back, the count, what is
    # left to undo, the latest stories.
    with django_assert_max_num_queries(13):
        client.post("/coverage/undo/", headers=HTMX)


@pytest.mark.parametrize("window", [4, 200])
def test_the_undo_answer_shows_the_undo_button_exactly_when_a_decision_is_left(
    client_for, alice, eddie, queue, monkeypatch, window
):
    """The answer knows it from the undo's own statement (its next decision, and that one's
    place among the reviewer's last records): the same as asking afresh, at the window's edge
    too."""
    from articles import coverage
    from articles.views.coverage import can_undo

    monkeypatch.setattr(coverage, "WINDOW", window)
    client = client_for(alice)
    steps = [
        ("decide", queue[0], "reject"),
        ("decide", queue[1], "confirm"),
        ("decide", queue[2], "relation"),
        ("undo",),
        ("decide", queue[2], "reject"),
        ("undo",),
        ("undo",),
        ("decide", queue[1], "reject"),
        ("undo",),
        ("undo",),
        ("undo",),
    ]
    shown = []
    for step in steps:
        if step[0] == "decide":
            _, link, action = step
            extra = {"relation": "rewrite"} if action == "relation" else {}
            response = decide(client, link, action, htmx=True, **extra)
        else:
            response = client.post("/coverage/undo/", headers=HTMX)
            bar = oob_bar(response.content.decode())
            shown.append('data-key="u"' in bar)
            assert shown[-1] == can_undo(alice), (window, len(shown))
        # With a window of 4, the third undo finds nothing left in it: q1 stays confirmed, and
        # the decision on it as a suggestion is a 409.
        assert response.status_code in (200, 400, 409), step
    if window == 200:
        assert shown == [True, True, True, True, False, False]
    else:  # the second undo leaves the next decision at the window's edge: out of it
        assert shown == [True, False, False, False, False, False]


def test_undoing_a_reject_leaves_the_latest_stories_alone(client_for, alice, queue):
    client = client_for(alice)
    decide(client, queue[0], "reject", htmx=True)
    html = client.post("/coverage/undo/", headers=HTMX).content.decode()
    assert card_ids(html) == [queue[0].pk] and 'id="recent-stories"' not in html
