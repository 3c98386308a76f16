"""Event evidence in same-story linking: participants and years, on invented reports."""

from collections import Counter

import pytest

from articles.text import story
from articles.text.event import participant_contrast, unexplained_participants
from articles.text.story import compare, story_profile

# Two fights of one champion: the champion in both, a different challenger and city in each.
FIGHT_HAMBURG = (
    "Champion Ivan Petrenko stopped Carlos Mendez in the seventh round in Hamburg to keep his "
    "heavyweight belts. Petrenko floored Mendez twice before the referee waved it off. Mendez "
    "said Petrenko was the better fighter in Hamburg. Petrenko now has 40 wins."
)
FIGHT_HAMBURG_AGAIN = (
    "Ivan Petrenko kept his heavyweight belts by stopping Carlos Mendez in round seven in "
    "Hamburg. The referee ended it after Petrenko floored Mendez for the second time. Petrenko "
    "praised Mendez, and the crowd in Hamburg cheered the champion."
)
FIGHT_OSLO = (
    "Champion Ivan Petrenko stopped Tomas Berg in the sixth round in Oslo to keep his "
    "heavyweight belts. Petrenko floored Berg twice before the referee waved it off. Berg "
    "said Petrenko was the better fighter in Oslo. Petrenko now has 41 wins."
)
ELECTION = (
    "Voters in Lisbon chose a new mayor on Sunday. Ana Costa won the race with a wide margin. "
    "Costa promised cheaper buses and more parks for Lisbon."
)


def profiles(*bodies):
    found = [story_profile("", body) for body in bodies]
    doc_freq = Counter()
    for profile in found:
        doc_freq.update(profile.terms.keys())
    return found, doc_freq


# --- unexplained_participants


def test_a_repeated_name_the_other_never_uses_is_unexplained():
    names = {"petrenko": 4, "mendez": 3, "hamburg": 1}
    other_terms = {"petrenko": 2, "berg": 3}
    # Mendez (3 of 8 mentions) is a participant the other report never names.
    assert unexplained_participants(names, other_terms) == pytest.approx(3 / 8)


def test_a_name_said_once_is_background_not_a_participant():
    names = {"petrenko": 4, "hamburg": 1}
    assert unexplained_participants(names, {"petrenko": 1}) == 0.0


def test_an_article_without_names_has_nothing_unexplained():
    assert unexplained_participants({}, {"petrenko": 1}) == 0.0


# --- participant_contrast


def test_two_fights_of_one_champion_contrast_more_than_two_reports_of_one_fight():
    (hamburg, again, oslo), _ = profiles(FIGHT_HAMBURG, FIGHT_HAMBURG_AGAIN, FIGHT_OSLO)
    same_fight = participant_contrast(hamburg.names, hamburg.terms, again.names, again.terms)
    other_fight = participant_contrast(hamburg.names, hamburg.terms, oslo.names, oslo.terms)
    assert same_fight == 0.0
    assert other_fight > story.PARTICIPANT_CONTRAST_TOLERANCE


def test_a_report_naming_more_people_does_not_contrast_with_a_shorter_one():
    short = {"petrenko": 3, "mendez": 2}
    longer = {"petrenko": 5, "mendez": 3, "klaus": 2, "weber": 2}
    # The shorter report names no participant of its own, so there is no contrast.
    assert participant_contrast(short, short, longer, longer) == 0.0


def test_participant_contrast_is_symmetric():
    (hamburg, oslo), _ = profiles(FIGHT_HAMBURG, FIGHT_OSLO)
    assert participant_contrast(
        hamburg.names, hamburg.terms, oslo.names, oslo.terms
    ) == participant_contrast(oslo.names, oslo.terms, hamburg.names, hamburg.terms)


# --- how compare uses them


def test_another_fight_of_the_same_champion_scores_lower_with_participant_evidence(monkeypatch):
    found, doc_freq = profiles(FIGHT_HAMBURG, FIGHT_OSLO, ELECTION)
    hamburg, oslo, _ = found
    with_contrast = compare(hamburg, oslo, doc_freq, len(found)).score
    monkeypatch.setattr(story, "PARTICIPANT_CONTRAST_WEIGHT", 0.0)
    without = compare(hamburg, oslo, doc_freq, len(found)).score
    assert with_contrast < without


def test_a_second_report_of_the_same_fight_loses_nothing_to_participant_evidence(monkeypatch):
    found, doc_freq = profiles(FIGHT_HAMBURG, FIGHT_HAMBURG_AGAIN, ELECTION)
    hamburg, again, _ = found
    with_contrast = compare(hamburg, again, doc_freq, len(found)).score
    monkeypatch.setattr(story, "PARTICIPANT_CONTRAST_WEIGHT", 0.0)
    assert compare(hamburg, again, doc_freq, len(found)).score == with_contrast


def test_naming_the_same_latest_year_raises_the_score_and_another_lowers_it(monkeypatch):
    base = "Ivan Petrenko stopped Carlos Mendez in Hamburg to keep his heavyweight belts"
    found, doc_freq = profiles(
        base + " in 2019.",
        base + ", his fourth defence since 2019.",
        base + ", his fourth defence since 2015.",
        ELECTION,
    )
    first, same_year, other_year, _ = found

    def scores():
        return [compare(first, b, doc_freq, len(found)).score for b in (same_year, other_year)]

    agree, differ = scores()
    monkeypatch.setattr(story, "YEAR_AGREEMENT", 0.0)
    monkeypatch.setattr(story, "YEAR_DISAGREEMENT", 0.0)
    agree_without, differ_without = scores()
    assert agree > agree_without
    assert differ < differ_without
