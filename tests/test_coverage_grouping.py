"""Story grouping in the product's suggestions: on import (the new articles' component), after a
rebuild (every component), never touching reviewed links, and the import's cap on a component.

The pair scores are set by the test (the scorer is replaced by a table of scores between
article titles), so each case is exactly the grouping it names; the articles are real imports,
found as candidates through their shared keys like any other."""

import pytest

from articles import article_bin, coverage
from articles.importing import ArticleImporter
from articles.models import Article, CoverageLink
from articles.text.story_groups import GROUP_LEVEL

from .test_coverage_indexing import PESKOV_A

NEAR = 0.47  # a pair's own score between GROUP_LEVEL and SUGGEST_THRESHOLD
assert GROUP_LEVEL <= NEAR < 0.5


def imported(title: str) -> Article:
    # One story's text under another title each time: every pair shares keys (candidates).
    text = f"{title}\n\n{PESKOV_A.partition(chr(10) * 2)[2]}Report {title}.\n"
    result = ArticleImporter().import_bytes(text.encode(), f"{title}.txt")
    assert result.status == "imported", result
    return Article.objects.get(pk=result.article_id)


@pytest.fixture
def table(monkeypatch):
    """Scores between article titles, in place of the scorer: {frozenset of titles: score}."""
    scores: dict[frozenset, float] = {}

    def scored_pairs(article_id, profile, signature, language, others, scorer):
        titles = dict(
            Article.objects.filter(pk__in=[article_id, *others]).values_list("pk", "title")
        )
        found = []
        for other in others:
            score = scores.get(frozenset((titles[article_id], titles[other])))
            if score is not None:
                relation = "same story" if score >= 0.5 else "related"
                a, b = sorted((article_id, other))
                found.append((a, b, relation, score, {"score": score, "shared_names": ["Peskov"]}))
        return found

    monkeypatch.setattr(coverage, "scored_pairs", scored_pairs)
    return scores


@pytest.fixture(autouse=True)
def no_rescoring(monkeypatch):
    """The table stands in for the scorer of an import's pairs only: an import rescoring the
    small corpus (coverage.rescore_if_grown) would score them with the real one."""
    monkeypatch.setattr(coverage, "RESCORE_UNTIL", 0)


def link(x: Article, y: Article) -> CoverageLink:
    a, b = sorted((x.pk, y.pk))
    return CoverageLink.objects.get(article_a_id=a, article_b_id=b)


def scores_of(table, pairs):
    table.update({frozenset(pair): score for pair, score in pairs.items()})


@pytest.mark.django_db
def test_a_pair_just_under_the_threshold_is_one_story_when_its_group_holds_together(table):
    scores_of(table, {("a", "b"): 0.8, ("a", "c"): NEAR, ("b", "c"): NEAR})
    a, b = imported("a"), imported("b")
    c = imported("c")
    for pair in [(a, c), (b, c)]:
        found = link(*pair)
        assert found.relation == CoverageLink.SAME_STORY
        assert found.status == CoverageLink.SUGGESTED
        assert found.score == NEAR  # the pair's own score still orders the queue
        assert found.evidence["group"] == {"level": NEAR, "articles": 3}
        assert found.evidence["pair_relation"] == CoverageLink.RELATED
        assert found.evidence["shared_names"] == ["Peskov"]
    assert link(a, b).relation == CoverageLink.SAME_STORY
    assert "group" not in link(a, b).evidence  # its own score already said so


@pytest.mark.django_db
def test_a_lone_pair_just_under_the_threshold_stays_related(table):
    scores_of(table, {("a", "b"): NEAR})
    a, b = imported("a"), imported("b")
    assert link(a, b).relation == CoverageLink.RELATED
    assert "group" not in link(a, b).evidence


TWO_EVENTS = {
    **{pair: 0.8 for pair in [("a1", "a2"), ("a1", "a3"), ("a2", "a3")]},
    **{pair: 0.8 for pair in [("b1", "b2"), ("b1", "b3"), ("b2", "b3")]},
    ("a3", "b1"): 0.7,
}


@pytest.mark.django_db
def test_a_suggested_pair_its_groups_hold_apart_becomes_related_and_stays_in_the_queue(table):
    scores_of(table, TWO_EVENTS)
    a3, b1 = imported("a3"), imported("b1")
    # Alone, the two score as one story.
    assert link(a3, b1).relation == CoverageLink.SAME_STORY
    for title in ["a1", "a2", "b2", "b3"]:
        imported(title)
    held = link(a3, b1)
    assert (held.status, held.relation, held.score) == (CoverageLink.SUGGESTED, "related", 0.7)
    apart = held.evidence["held_apart"]
    assert apart["articles"] == [3, 3]
    assert apart["level"] == pytest.approx(0.7 / 9, abs=1e-4)
    assert held.evidence["pair_relation"] == CoverageLink.SAME_STORY
    assert CoverageLink.objects.filter(status=CoverageLink.SUGGESTED).count() == 7


@pytest.mark.django_db
def test_a_held_apart_pair_is_one_story_again_when_the_groups_come_together(table):
    scores_of(table, TWO_EVENTS)
    articles = {title: imported(title) for title in ["a1", "a2", "a3", "b1", "b2", "b3"]}
    assert link(articles["a3"], articles["b1"]).relation == CoverageLink.RELATED
    # Three reports that fit both events make one story of them: the mean between the group
    # of a's and bridges and the group of b's, (0.7 + 9 * 0.95) / 18, passes the level.
    bridges = ["m1", "m2", "m3"]
    scores_of(table, {(t, m): 0.95 for t in [*articles, *bridges] for m in bridges if t != m})
    for title in bridges:
        imported(title)
    rejoined = link(articles["a3"], articles["b1"])
    assert rejoined.relation == CoverageLink.SAME_STORY
    assert "held_apart" not in rejoined.evidence and "pair_relation" not in rejoined.evidence


@pytest.mark.django_db
def test_confirmed_and_rejected_links_are_never_changed_by_a_regroup(table, alice):
    # c and d join the group of a1 and a2 at NEAR; a3, a closer report of a1 and a2, then
    # leaves them apart: (0.47 + 0.47 + 0) / 3 is under the level.
    scores_of(table, {("a1", "a2"): 0.8, ("a1", "a3"): 0.8, ("a2", "a3"): 0.8})
    scores_of(table, {(x, y): NEAR for x in ("a1", "a2", "c") for y in ("c", "d") if x != y})
    a1, a2, c, d = imported("a1"), imported("a2"), imported("c"), imported("d")
    assert {link(x, c).relation for x in (a1, a2)} == {CoverageLink.SAME_STORY}
    confirmed = coverage.decide(alice, link(a2, c).pk, CoverageLink.CONFIRMED)
    rejected = coverage.decide(alice, link(a1, c).pk, CoverageLink.REJECTED)

    def reviewed():
        return {
            row.pk: (row.status, row.relation, row.score, row.evidence, row.reviewed_at)
            for row in CoverageLink.objects.filter(pk__in=[confirmed.pk, rejected.pk])
        }

    before = reviewed()
    imported("a3")
    coverage.group_suggestions()
    assert reviewed() == before
    # The regroup did happen: the suggestion between a1 and d is held apart now.
    assert link(a1, d).relation == CoverageLink.RELATED
    assert link(a1, d).evidence["held_apart"]["articles"] == [3, 1]


@pytest.mark.django_db
def test_past_the_cap_an_import_judges_its_pairs_on_their_own_and_says_so(table, monkeypatch):
    scores_of(table, {("a", "b"): 0.8, ("a", "c"): NEAR, ("b", "c"): NEAR})
    a, b = imported("a"), imported("b")
    monkeypatch.setattr(coverage, "GROUP_CAP", 2)
    c = imported("c")
    for pair in [(a, c), (b, c)]:
        found = link(*pair)
        assert found.relation == CoverageLink.RELATED  # pair by pair: under the threshold
        assert found.evidence["ungrouped"] == {"over": 2}
        assert "group" not in found.evidence
    # The rebuild's grouping has no cap: it groups them.
    coverage.group_suggestions()
    assert link(a, c).relation == CoverageLink.SAME_STORY
    assert "ungrouped" not in link(a, c).evidence


@pytest.mark.django_db
def test_an_import_regroups_only_the_component_of_its_new_articles(table):
    scores_of(table, {("a", "b"): 0.8, ("a", "c"): NEAR, ("b", "c"): NEAR, ("x", "y"): 0.8})
    a, b, c = imported("a"), imported("b"), imported("c")
    # A link of that component put out of step with its groups by hand: an import into
    # another component must not regroup it (a full regroup would make it one story again).
    CoverageLink.objects.filter(pk=link(a, c).pk).update(relation=CoverageLink.RELATED)
    x, y = imported("x"), imported("y")
    assert link(x, y).relation == CoverageLink.SAME_STORY
    assert link(a, c).relation == CoverageLink.RELATED
    coverage.group_suggestions()
    assert link(a, c).relation == CoverageLink.SAME_STORY
    assert b.pk


@pytest.mark.django_db
def test_the_rebuild_groups_every_component_after_scoring(table, monkeypatch):
    scores_of(table, {("a", "b"): 0.8, ("a", "c"): NEAR, ("b", "c"): NEAR})
    monkeypatch.setattr(coverage, "GROUP_CAP", 2)  # imports leave the pairs ungrouped
    a, _, c = imported("a"), imported("b"), imported("c")
    assert link(a, c).relation == CoverageLink.RELATED

    def score_batch(item, stats=None):
        loaded, by_first = item
        return [
            pair
            for first, others in by_first
            for pair in coverage.scored_pairs(first, None, None, "", dict.fromkeys(others), None)
        ]

    monkeypatch.setattr(coverage, "score_batch", score_batch)
    CoverageLink.objects.all().delete()
    coverage.rebuild_index(batch=2, workers=1)
    assert link(a, c).relation == CoverageLink.SAME_STORY
    assert link(a, c).evidence["group"] == {"level": NEAR, "articles": 3}


@pytest.mark.django_db
def test_the_queue_card_says_in_words_why_the_groups_decided(table, client_for, alice):
    scores_of(table, TWO_EVENTS | {(a, "c"): NEAR for a in ("a1", "a2", "a3")})
    for title in ["a3", "b1", "a1", "a2", "b2", "b3", "c"]:
        imported(title)
    html = client_for(alice).get("/coverage/").content.decode()
    held = "<strong>Held apart:</strong> their groups (4 and 3 reports) score 0.06 on average"
    assert held in html
    assert "on their own, same story (score 0.70)" in html
    grouped = "<strong>Grouped:</strong> both are in a group of 4 reports that holds together"
    assert grouped in html
    assert "at a mean score of 0.47; on their own, related (score 0.47)" in html


@pytest.mark.django_db
def test_an_article_in_the_bin_no_longer_holds_its_neighbours_together(table, eddie):
    scores_of(table, {("a", "b"): 0.8, ("a", "c"): 0.8, ("b", "c"): NEAR})
    a, b, c = imported("a"), imported("b"), imported("c")
    assert link(b, c).relation == CoverageLink.SAME_STORY  # through a

    assert article_bin.move_to_bin(eddie, [a.pk]) == 1
    alone = link(b, c)
    assert alone.relation == CoverageLink.RELATED
    assert alone.evidence["held_apart"]["articles"] == [1, 1]
    assert "group" not in alone.evidence and "pair_relation" not in alone.evidence

    assert article_bin.restore_from_bin(eddie, [a.pk]) == 1
    together = link(b, c)
    assert together.relation == CoverageLink.SAME_STORY
    assert together.evidence["group"]["articles"] == 3
    assert together.evidence["pair_relation"] == CoverageLink.RELATED


@pytest.mark.django_db
def test_reports_in_the_bin_no_longer_keep_two_reports_apart(table, eddie, alice):
    scores_of(table, TWO_EVENTS)
    articles = {title: imported(title) for title in ["a1", "a2", "a3", "b1", "b2", "b3"]}
    assert link(articles["a3"], articles["b1"]).relation == CoverageLink.RELATED
    reviewed = coverage.decide(alice, link(articles["a1"], articles["a2"]).pk, "rejected")

    article_bin.move_to_bin(eddie, [articles[t].pk for t in ["a1", "a2", "b2", "b3"]])
    # Alone, a3 and b1 score as one story again.
    assert link(articles["a3"], articles["b1"]).relation == CoverageLink.SAME_STORY
    # The links of binned articles are left as they were: hidden, and never a decision undone.
    assert link(articles["a1"], articles["a2"]).status == reviewed.status == "rejected"
    assert link(articles["b2"], articles["b3"]).relation == CoverageLink.SAME_STORY
