"""Grouping same-story links by average linkage (articles.text.story_groups)."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.story import compare
from articles.text.story_groups import (
    GROUP_DISCOUNT,
    GROUP_LEVEL,
    OWN_GROUP,
    Verdict,
    components,
    group_levels,
    grouped_scores,
    needing_participants,
    participants,
    story_verdicts,
)

LEVEL = 0.5


def test_reports_that_each_fit_the_group_join_it_even_when_they_score_low_together():
    # 1, 2 and 3 tell one story; 1 and 3 share few words, but both fit with 2 and with 4.
    scores = {(1, 2): 0.8, (2, 3): 0.8, (1, 3): 0.3, (1, 4): 0.7, (3, 4): 0.7, (2, 4): 0.7}
    grouped = grouped_scores(scores, LEVEL)
    assert grouped[(1, 3)] >= LEVEL
    assert all(grouped[pair] >= LEVEL for pair in scores)


def test_a_strong_pair_between_two_groups_that_differ_on_the_whole_is_held_apart():
    # Two events of one kind: 1-2-3 and 4-5-6, and one report of each that look alike.
    scores = {
        (1, 2): 0.8, (1, 3): 0.8, (2, 3): 0.8,
        (4, 5): 0.8, (4, 6): 0.8, (5, 6): 0.8,
        (3, 4): 0.7, (2, 5): 0.3,
    }  # fmt: skip
    grouped = grouped_scores(scores, LEVEL)
    assert grouped[(3, 4)] < LEVEL
    assert grouped[(2, 5)] == 0.3
    assert all(grouped[pair] >= LEVEL for pair in [(1, 2), (1, 3), (2, 3), (4, 5), (5, 6)])


def test_a_pair_never_compared_gets_the_level_of_the_group_that_holds_both():
    scores = {(1, 2): 0.9, (2, 3): 0.9, (1, 3): 0.9, (3, 4): 0.9, (2, 4): 0.9}
    # 1 and 4 were never compared (a missing pair counts 0): the group {1, 2, 3} meets 4 at
    # a mean of (0 + 0.9 + 0.9) / 3.
    levels = group_levels(scores, LEVEL)
    assert levels[(1, 4)] == pytest.approx((0.9 + 0.9) / 3)


def test_the_merge_level_of_a_pair_is_the_mean_score_of_the_two_groups_it_joined():
    scores = {(1, 2): 0.9, (3, 4): 0.8, (1, 3): 0.7, (2, 4): 0.5, (1, 4): 0.6, (2, 3): 0.6}
    levels = group_levels(scores, 0.1)
    assert levels[(1, 2)] == 0.9
    assert levels[(3, 4)] == 0.8
    for pair in [(1, 3), (1, 4), (2, 3), (2, 4)]:
        assert levels[pair] == pytest.approx((0.7 + 0.5 + 0.6 + 0.6) / 4)


def test_pairs_below_the_level_keep_their_score_and_nothing_is_grouped():
    scores = {(1, 2): 0.4, (2, 3): 0.2}
    assert grouped_scores(scores, LEVEL) == scores
    assert group_levels(scores, LEVEL) == {}


def test_components_follow_scores_at_or_above_the_floor_only():
    scores = {(1, 2): 0.6, (2, 3): 0.5, (3, 4): 0.49, (7, 5): 0.9}
    assert components(scores, 0.5) == [[1, 2, 3], [5, 7]]


def score_graphs():
    pair = st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda p: p[0] < p[1])
    score = st.sampled_from([0.25, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9])
    return st.dictionaries(pair, score, max_size=60)


def people_of():
    """Random participants and words for articles 0-14 and 99, from a few names."""
    names = st.frozensets(st.sampled_from("abcdef"), max_size=3)
    return st.dictionaries(
        st.sampled_from([*range(15), 99]),
        st.tuples(names, names).map(lambda p: (p[0], p[0] | p[1])),
    )


@settings(max_examples=150, deadline=None)
@given(score_graphs())
def test_each_component_grouped_alone_gives_what_grouping_everything_gives(scores):
    # What lets an import regroup only the component of its new article.
    everything = group_levels(scores, LEVEL)
    for component in components(scores, LEVEL):
        inside = set(component)
        own = {p: s for p, s in scores.items() if p[0] in inside and p[1] in inside}
        alone = group_levels(own, LEVEL)
        assert alone == {p: v for p, v in everything.items() if p[0] in inside}


@settings(max_examples=150, deadline=None)
@given(score_graphs(), st.dictionaries(st.integers(0, 14), st.sampled_from([0.3, 0.6, 0.9])))
def test_regrouping_the_new_articles_component_matches_a_full_regroup(scores, new_links):
    # Article 99 arrives with its scores against some of the corpus.
    after = dict(scores) | {(other, 99): s for other, s in new_links.items()}
    full = group_levels(after, LEVEL)
    regrouped = next((set(c) for c in components(after, LEVEL) if 99 in c), {99})
    # Keep what the corpus had outside the new article's component, regroup that component.
    incremental = {p: v for p, v in group_levels(scores, LEVEL).items() if regrouped.isdisjoint(p)}
    incremental.update(group_levels(after, LEVEL, articles=[99]))
    assert incremental == full


@settings(max_examples=100, deadline=None)
@given(score_graphs(), st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_the_order_scores_were_found(scores, rng):
    pairs = list(scores.items())
    rng.shuffle(pairs)
    assert group_levels(dict(pairs), LEVEL) == group_levels(scores, LEVEL)


@settings(max_examples=100, deadline=None)
@given(score_graphs())
def test_grouped_pairs_are_those_of_one_group_and_levels_never_pass_the_best_score(scores):
    levels = group_levels(scores, LEVEL)
    for level in levels.values():
        assert LEVEL <= level <= max(scores.values())
    # Being in one group is transitive.
    linked = set(levels)
    nodes = {x for pair in linked for x in pair}
    for a, b, c in itertools.combinations(sorted(nodes), 3):
        if (a, b) in linked and (b, c) in linked:
            assert (a, c) in linked


def test_a_grouped_pair_keeps_its_own_score_when_it_is_higher_than_the_groups_level():
    scores = {(1, 2): 0.95, (1, 3): 0.6, (2, 3): 0.5}
    grouped = grouped_scores(scores, LEVEL)
    assert grouped[(1, 2)] == 0.95
    assert grouped[(1, 3)] == 0.6
    # 2 and 3 score 0.5 on their own, but 3 joined {1, 2} at a mean of 0.55.
    assert grouped[(2, 3)] == pytest.approx((0.6 + 0.5) / 2)


def test_two_articles_alone_need_the_threshold_and_a_group_a_little_less():
    from articles.text.story import SUGGEST_THRESHOLD

    assert SUGGEST_THRESHOLD - 0.1 < GROUP_LEVEL < SUGGEST_THRESHOLD
    # A lone pair just under the threshold is not one story.
    alone = {(1, 2): SUGGEST_THRESHOLD - 0.02}
    assert grouped_scores(alone)[(1, 2)] < GROUP_LEVEL
    assert group_levels(alone, GROUP_LEVEL) == {}
    # A third report that scores at the threshold with one of them and 0.47 with the other:
    # the group of three holds together at a mean a little under the threshold.
    scores = {(1, 2): SUGGEST_THRESHOLD, (1, 3): 0.47, (2, 3): 0.47}
    grouped = grouped_scores(scores)
    assert grouped[(1, 3)] == grouped[(2, 3)] == 0.47
    assert grouped[(1, 3)] >= GROUP_LEVEL
    # Not when the third scores below the group's level with both.
    low = {(1, 2): SUGGEST_THRESHOLD, (1, 3): GROUP_LEVEL - 0.01, (2, 3): GROUP_LEVEL - 0.01}
    assert set(group_levels(low, GROUP_LEVEL)) == {(1, 2)}


# --- participants of a group

RULE = {  # one secretary's rule, reported three times
    1: ({"kempton", "bush"}, {"kempton", "bush", "species"}),
    2: ({"kempton"}, {"kempton", "bush", "species"}),
    3: ({"bush"}, {"kempton", "bush", "species"}),
}
REVERSAL = {  # its reversal by his successor, reported three times
    4: ({"salas", "obama"}, {"salas", "obama", "bush", "species"}),
    5: ({"salas", "bush"}, {"salas", "obama", "bush", "species"}),
    6: ({"obama"}, {"salas", "obama", "bush", "species"}),
}
ALIKE = {  # all six reports read alike; each event's reports a little more so
    **{pair: 0.8 for pair in itertools.combinations([1, 2, 3], 2)},
    **{pair: 0.8 for pair in itertools.combinations([4, 5, 6], 2)},
    **{(a, b): 0.6 for a in (1, 2, 3) for b in (4, 5, 6)},
}


def test_two_groups_that_each_keep_naming_someone_the_other_never_mentions_stay_apart():
    levels = group_levels(ALIKE, LEVEL, people=RULE | REVERSAL)
    assert set(levels) == set(itertools.combinations([1, 2, 3], 2)) | set(
        itertools.combinations([4, 5, 6], 2)
    )
    # Without knowing who the reports name, their words alone make one story of them.
    assert len(group_levels(ALIKE, LEVEL)) == 15


def test_groups_merge_when_one_of_them_has_no_participant_of_its_own():
    # The reversal's reports all mention the secretary who made the rule, and the rule's
    # reports name no one the reversal's reports leave out.
    reversal = {x: (named, words | {"kempton"}) for x, (named, words) in REVERSAL.items()}
    assert len(group_levels(ALIKE, LEVEL, people=RULE | reversal)) == 15


def test_a_participant_needs_half_the_group_and_groups_need_several_articles():
    # Only one of the three rule reports keeps naming the secretary: not the group's own.
    rule = {1: RULE[1], 2: ({"bush"}, RULE[2][1]), 3: RULE[3]}
    assert len(group_levels(ALIKE, LEVEL, people=rule | REVERSAL)) == 15
    # Two reports against two: too few to speak for a group.
    assert OWN_GROUP > 2
    small = {p: s for p, s in ALIKE.items() if 3 not in p and 6 not in p}
    assert len(group_levels(small, LEVEL, people=RULE | REVERSAL)) == 6


def test_participants_are_the_names_an_article_keeps_naming():
    assert participants({"peskov": 3, "izvestia": 1, "nato": 2}) == {"peskov", "nato"}


def test_seed_interview_versions_group_together_and_apart_from_the_other_stories():
    from tests.text.test_story import seed_profiles

    profiles = seed_profiles()
    doc_freq = {}
    for profile, _ in profiles.values():
        for term in profile.terms:
            doc_freq[term] = doc_freq.get(term, 0) + 1
    ids = {name: i for i, name in enumerate(sorted(profiles))}
    scores = {}
    for x, y in itertools.combinations(sorted(profiles), 2):
        (a, sig_a), (b, sig_b) = profiles[x], profiles[y]
        scores[(ids[x], ids[y])] = compare(a, b, doc_freq, len(profiles), sig_a, sig_b).score
    people = {ids[x]: (participants(p.names), p.terms) for x, (p, _) in profiles.items()}
    grouped = grouped_scores(scores, GROUP_LEVEL, people)
    interview = [ids["000"], ids["001"], ids["002"]]
    for pair in itertools.combinations(interview, 2):
        assert grouped[pair] >= GROUP_LEVEL + 0.05, pair
    for other in (ids["003"], ids["004"]):
        for x in interview:
            assert grouped[(x, other)] < GROUP_LEVEL, (x, other)
        # The interview's group as a whole stays well clear of the other story.
        mean = sum(scores[(x, other)] for x in interview) / len(interview)
        assert mean < GROUP_LEVEL - 0.05, other


# --- each compared pair's verdict (what the product suggests)


def stories(verdicts) -> set[tuple[int, int]]:
    """Every pair of articles in one story once each same-story verdict is confirmed."""
    confirmed = {pair: 1.0 for pair, verdict in verdicts.items() if verdict.same_story}
    return {pair for c in components(confirmed, 1.0) for pair in itertools.combinations(c, 2)}


def test_a_pair_under_the_threshold_is_one_story_when_its_group_holds_together():
    scores = {(1, 2): 0.8, (1, 3): 0.47, (2, 3): 0.47}
    verdicts = story_verdicts(scores)
    assert verdicts[(1, 3)] == Verdict(True, pytest.approx(0.47), (3,))
    assert verdicts[(1, 2)] == Verdict(True, 0.8, (3,))
    assert verdicts[(1, 3)].as_json() == {"group": {"level": 0.47, "articles": 3}}
    # Alone, the same pair is not.
    assert not story_verdicts({(1, 3): 0.47})[(1, 3)].same_story


def test_a_strong_pair_whose_groups_differ_is_held_apart_with_their_mean():
    scores = {
        (1, 2): 0.8, (1, 3): 0.8, (2, 3): 0.8,
        (4, 5): 0.8, (4, 6): 0.8, (5, 6): 0.8,
        (3, 4): 0.7, (2, 5): 0.2,
    }  # fmt: skip
    apart = story_verdicts(scores)[(3, 4)]
    assert apart == Verdict(False, pytest.approx(0.9 / 9), (3, 3), ())
    assert apart.as_json() == {"held_apart": {"level": 0.1, "articles": [3, 3], "participants": []}}


def test_groups_kept_apart_by_their_participants_say_whom():
    verdicts = story_verdicts(ALIKE, RULE | REVERSAL, LEVEL)
    apart = verdicts[(1, 4)]
    assert not apart.same_story
    assert apart.level == pytest.approx(0.6)  # alike enough: the participants decided
    assert apart.participants == ("kempton", "obama", "salas")
    assert verdicts[(1, 2)].same_story and verdicts[(4, 5)].same_story


def test_a_pair_of_two_components_is_held_apart_at_its_own_score():
    scores = {(1, 2): 0.9, (3, 4): 0.9, (2, 3): 0.3}
    assert story_verdicts(scores)[(2, 3)] == Verdict(False, 0.3, (2, 2))


@settings(max_examples=150, deadline=None)
@given(score_graphs(), people_of())
def test_the_stories_of_the_verdicts_are_the_groups(scores, people):
    # Confirming every same-story suggestion gives exactly the groups: each group is connected
    # by compared pairs judged one story, and no such pair joins two groups.
    verdicts = story_verdicts(scores, people, LEVEL)
    assert set(verdicts) == set(scores)
    assert stories(verdicts) == set(group_levels(scores, LEVEL, people=people))


@settings(max_examples=150, deadline=None)
@given(score_graphs(), people_of())
def test_held_apart_pairs_are_never_in_one_story(scores, people):
    verdicts = story_verdicts(scores, people, LEVEL)
    together = stories(verdicts)
    for pair, verdict in verdicts.items():
        assert (pair in together) == verdict.same_story
        if not verdict.same_story:
            # Two articles alone need a little more than the level (see GROUP_DISCOUNT).
            bar = LEVEL + GROUP_DISCOUNT if verdict.articles == (1, 1) else LEVEL
            assert verdict.level < bar or verdict.participants


@settings(max_examples=100, deadline=None)
@given(score_graphs(), people_of(), st.randoms(use_true_random=False))
def test_verdicts_do_not_depend_on_the_order_scores_were_found(scores, people, rng):
    pairs = list(scores.items())
    rng.shuffle(pairs)
    assert story_verdicts(dict(pairs), people, LEVEL) == story_verdicts(scores, people, LEVEL)


@settings(max_examples=150, deadline=None)
@given(score_graphs(), people_of(), st.integers(0, 14))
def test_verdicts_around_one_article_need_only_its_component(scores, people, article):
    # What an import does: the scores of the new article's component (and its own pairs),
    # nothing else, give the verdicts grouping everything gives there.
    everything = story_verdicts(scores, people, LEVEL)
    component = next((set(c) for c in components(scores, LEVEL) if article in c), {article})
    own = {p: s for p, s in scores.items() if set(p) <= component or article in p}
    local = story_verdicts(own, people, LEVEL, articles=[article])
    assert set(local) == set(own)
    for pair, verdict in local.items():
        if set(pair) <= component:
            assert verdict == everything[pair]
        else:  # a pair out of the component: held apart at its own score, like everywhere
            assert not verdict.same_story and not everything[pair].same_story
            assert verdict.level == everything[pair].level == scores[pair]


@settings(max_examples=200, deadline=None)
@given(score_graphs(), people_of())
def test_participants_are_needed_only_where_two_large_groups_merge_without_them(scores, people):
    # What spares the product reading most articles' profiles to group them.
    needed = {x for c in needing_participants(scores, LEVEL) for x in c}
    some = {x: p for x, p in people.items() if x in needed}
    assert story_verdicts(scores, some, LEVEL) == story_verdicts(scores, people, LEVEL)


def test_two_large_groups_merging_need_their_participants_and_small_ones_do_not():
    assert needing_participants(ALIKE, LEVEL) == [[1, 2, 3, 4, 5, 6]]
    small = {p: s for p, s in ALIKE.items() if 3 not in p and 6 not in p}
    assert needing_participants(small, LEVEL) == []
