import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.align import (
    DEFAULT_THRESHOLD,
    AlignedRow,
    QuoteRef,
    align_quotes,
    quote_similarity,
)

# Quotes as the seed articles print them: 000 is a machine translation, 001 and 002 are two
# other outlets' English versions of the same Izvestia interview.
ROUND_THE_CLOCK_000 = (
    "NATO basically acts as one bloc no longer as our supposed adversaries, but as enemies. "
    "Their intelligence works against us 24 hours a day, their weapons, as Putin recently "
    "pointed out, they supply to Ukraine for free, and they shoot at our soldiers,"
)
ROUND_THE_CLOCK_001 = (
    "NATO countries are effectively showing a united front not as our maneuver enemies, but as "
    "adversaries. Their intel has been working against us round the clock, while their weapons, "
    "as [Russian President Vladimir] Putin said in a recent interview, are being supplied to "
    "Ukraine for free to shoot at our military,"
)
TRUE_NAMES_000 = (
    "Nothing can be covered up here, nothing can be smoothed over, it is necessary to call things "
    "by their true names. They just have to understand this, although they repeat every time as "
    "a mantra that they do not want to be involved in the conflict,"
)
SPADE_002 = "you have to call a spade a spade."
MANTRA_001 = "repeating like a mantra that they do not want to be participants in the conflict."
COUNTRIES_000 = (
    "These countries – France, England and the USA – are in one organization that is actually "
    "fighting against us, they are in a state of direct armed conflict, with regard to their "
    "weapons in Ukraine,"
)
COUNTRIES_001 = (
    "These countries – France, Britain, the United States – are members of an organization "
    "which is de facto at war with us... you need to call a spade a spade,"
)
CHINA_000 = (
    "China is a huge, powerful country whose interests no player on the international stage can "
    "afford to ignore,"
)
REFUSED_001 = (
    "There would have been very complex, positional, sometimes irreconcilable talks, but they "
    "would have been under way. But they refused."
)


def quote(key, column, text, speaker=None, position=0.0):
    return QuoteRef(key=key, column=column, text=text, speaker=speaker, position=position)


def rows_by_keys(rows):
    return [sorted((q.key for q in row.members.values()), key=str) for row in rows]


def row_of(rows, key):
    return next(row for row in rows if any(q.key == key for q in row.members.values()))


def together(rows, a, b):
    return {q.key for q in row_of(rows, a).members.values()} >= {a, b}


# quote_similarity


def test_round_the_clock_translation_is_similar():
    assert quote_similarity(ROUND_THE_CLOCK_000, ROUND_THE_CLOCK_001) > 0.6


def test_call_a_spade_a_spade_matches_true_names_inside_a_longer_quote():
    assert quote_similarity(SPADE_002, TRUE_NAMES_000) >= DEFAULT_THRESHOLD


def test_unrelated_quotes_of_one_interview_are_not_similar():
    assert quote_similarity(CHINA_000, REFUSED_001) < 0.15


def test_identical_quotes_score_one():
    assert quote_similarity(CHINA_000, CHINA_000) == 1.0


def test_case_and_punctuation_do_not_change_the_score():
    assert quote_similarity("They refused!", "they REFUSED") == 1.0


def test_light_stemming_matches_word_forms():
    # Character n-grams still see the different endings, so not quite 1.
    assert quote_similarity("weapons supplied", "weapon supplies") > 0.8


def test_country_names_in_other_words_match():
    assert quote_similarity("France and the USA", "France and the United States") == 1.0
    assert quote_similarity("England", "Great Britain") == 1.0


@pytest.mark.parametrize(
    "variants",
    [
        ("24 hours a day", "round the clock", "around-the-clock", "24/7", "day and night"),
        ("call a spade a spade", "call things by their true names", "call things by their names"),
        ("de facto", "in fact", "actually", "effectively"),
        ("for free", "free of charge"),
        ("England", "Britain", "Great Britain", "the United Kingdom", "the UK"),
        ("the USA", "the United States", "the U.S.", "America"),
        ("take into account", "take them into consideration", "consider"),
        ("at war with", "fighting against"),
        ("one bloc", "a united front", "a single bloc"),
    ],
)
def test_translators_variants_of_one_phrase_match_fully(variants):
    for first in variants:
        for second in variants:
            assert quote_similarity(f"NATO {first} Russia", f"NATO {second} Russia") == 1.0


def test_short_quotes_sharing_one_ordinary_word_do_not_align():
    assert quote_similarity("Was that photo yours?", "I never posted that photo online") < (
        DEFAULT_THRESHOLD
    )


def test_one_shared_number_is_enough_evidence():
    assert quote_similarity("40 missiles", "they counted 40") >= DEFAULT_THRESHOLD


def test_us_the_pronoun_is_not_the_country():
    assert quote_similarity("against us", "against the US") < 1.0


def test_numbers_weigh_more_than_words():
    same_number = quote_similarity("Macron called 5 times", "Macron phoned 5 times")
    same_word = quote_similarity("Macron called often", "Macron phoned often")
    assert same_number > same_word


def test_short_fragment_inside_long_quote_scores_less_than_a_whole_match():
    fragment = quote_similarity("actually fighting against Russia", COUNTRIES_000)
    assert fragment < quote_similarity(COUNTRIES_000, COUNTRIES_001)


def test_quotes_of_stop_words_only_match_only_themselves():
    assert quote_similarity("what is it", "What is it") == 1.0
    assert quote_similarity("what is it", "it is what") == 0.0
    assert quote_similarity("", "NATO") == 0.0


# align_quotes


def seed_like_quotes(**speakers):
    return [
        quote("a-clock", 0, ROUND_THE_CLOCK_000, speakers.get("a"), 0.34),
        quote("a-names", 0, TRUE_NAMES_000, speakers.get("a"), 0.50),
        quote("a-china", 0, CHINA_000, speakers.get("a"), 0.79),
        quote("b-clock", 1, ROUND_THE_CLOCK_001, speakers.get("b"), 0.08),
        quote("b-refused", 1, REFUSED_001, speakers.get("b"), 0.37),
        quote("b-mantra", 1, MANTRA_001, speakers.get("b"), 0.57),
        quote("c-spade", 2, SPADE_002, speakers.get("c"), 0.31),
    ]


def test_round_the_clock_quotes_share_a_row():
    rows = align_quotes(seed_like_quotes())
    assert together(rows, "a-clock", "b-clock")


def test_spade_fragment_joins_the_true_names_quote():
    rows = align_quotes(seed_like_quotes())
    assert together(rows, "a-names", "c-spade")
    assert together(rows, "a-names", "b-mantra")


def test_quotes_only_one_outlet_carries_are_rows_of_their_own():
    rows = align_quotes(seed_like_quotes())
    assert list(row_of(rows, "a-china").members) == [0]
    assert list(row_of(rows, "b-refused").members) == [1]
    assert row_of(rows, "a-china").score == 1.0


def test_rows_follow_the_earliest_position():
    rows = align_quotes(seed_like_quotes())
    starts = [min(q.position for q in row.members.values()) for row in rows]
    assert starts == sorted(starts)
    assert rows_by_keys(rows)[0] == ["a-clock", "b-clock"]


def test_row_score_is_mean_pairwise_similarity():
    rows = align_quotes(seed_like_quotes())
    row = row_of(rows, "a-clock")
    assert row.score == quote_similarity(ROUND_THE_CLOCK_000, ROUND_THE_CLOCK_001)
    assert row.manual is False


def test_quotes_of_different_known_speakers_never_align():
    quotes = [
        quote(1, 0, COUNTRIES_000, "peskov"),
        quote(2, 1, COUNTRIES_001, "lavrov"),
    ]
    assert rows_by_keys(align_quotes(quotes)) == [[1], [2]]


def test_unknown_speaker_may_align_with_a_known_one():
    quotes = [quote(1, 0, COUNTRIES_000, "peskov"), quote(2, 1, COUNTRIES_001, None)]
    assert rows_by_keys(align_quotes(quotes)) == [[1, 2]]


def test_a_row_never_mixes_two_known_speakers_through_an_unknown_one():
    quotes = [
        quote(1, 0, COUNTRIES_000, "peskov"),
        quote(2, 1, COUNTRIES_001, None),
        quote(3, 2, COUNTRIES_001.replace("need", "have"), "lavrov"),
    ]
    for row in align_quotes(quotes):
        speakers = {q.speaker for q in row.members.values()} - {None}
        assert len(speakers) <= 1


def test_two_quotes_of_one_column_never_share_a_row():
    quotes = [quote(1, 0, COUNTRIES_000), quote(2, 0, COUNTRIES_000), quote(3, 1, COUNTRIES_001)]
    rows = align_quotes(quotes)
    assert len(rows) == 2
    assert rows_by_keys(rows)[0] == [1, 3]


def test_best_match_wins_over_first_come():
    # The weaker candidate comes first in the column; best-first still pairs the closer one.
    quotes = [
        quote("weak", 0, "their intelligence works against us", position=0.1),
        quote("strong", 0, ROUND_THE_CLOCK_000, position=0.2),
        quote("b", 1, ROUND_THE_CLOCK_001, position=0.5),
    ]
    assert together(align_quotes(quotes), "strong", "b")


def test_manual_link_joins_unrelated_quotes_across_speakers():
    quotes = [quote(1, 0, CHINA_000, "peskov"), quote(2, 1, REFUSED_001, "lavrov")]
    rows = align_quotes(quotes, links=[(2, 1)])
    assert rows_by_keys(rows) == [[1, 2]]
    assert rows[0].manual is True
    assert rows[0].score == quote_similarity(CHINA_000, REFUSED_001)


def test_manual_unlink_separates_a_strong_pair():
    quotes = [quote(1, 0, ROUND_THE_CLOCK_000), quote(2, 1, ROUND_THE_CLOCK_001)]
    assert rows_by_keys(align_quotes(quotes, unlinks=[(1, 2)])) == [[1], [2]]


def test_unlink_also_stops_a_join_through_a_third_quote():
    quotes = [
        quote(1, 0, COUNTRIES_000),
        quote(2, 1, COUNTRIES_001),
        quote(3, 2, COUNTRIES_001.replace("need", "have")),
    ]
    for row in align_quotes(quotes, unlinks=[(1, 3)]):
        assert not {1, 3} <= {q.key for q in row.members.values()}


def test_manual_link_moves_a_quote_away_from_its_automatic_partner():
    quotes = [
        quote(1, 0, ROUND_THE_CLOCK_000),
        quote(2, 1, ROUND_THE_CLOCK_001),
        quote(3, 1, REFUSED_001, position=0.9),
    ]
    rows = align_quotes(quotes, links=[(1, 3)])
    assert together(rows, 1, 3)
    assert list(row_of(rows, 2).members) == [1]


def test_newer_link_wins_over_an_older_one_it_contradicts():
    quotes = [quote(1, 0, CHINA_000), quote(2, 1, REFUSED_001), quote(3, 1, MANTRA_001)]
    rows = align_quotes(quotes, links=[(1, 2), (1, 3)])
    assert together(rows, 1, 3)
    assert list(row_of(rows, 2).members) == [1]


def test_unlink_wins_over_a_link_of_the_same_pair():
    quotes = [quote(1, 0, CHINA_000), quote(2, 1, REFUSED_001)]
    assert rows_by_keys(align_quotes(quotes, links=[(1, 2)], unlinks=[(2, 1)])) == [[1], [2]]


def test_links_to_missing_quotes_or_within_a_column_are_ignored():
    quotes = [quote(1, 0, CHINA_000), quote(2, 0, REFUSED_001)]
    rows = align_quotes(quotes, links=[(1, 2), (1, 99), (1, 1)])
    assert rows_by_keys(rows) == [[1], [2]]
    assert not any(row.manual for row in rows)


def test_threshold_controls_how_loose_a_match_may_be():
    quotes = [quote(1, 0, TRUE_NAMES_000), quote(2, 1, SPADE_002)]
    assert rows_by_keys(align_quotes(quotes, threshold=0.9)) == [[1], [2]]
    assert rows_by_keys(align_quotes(quotes, threshold=0.2)) == [[1, 2]]


def test_duplicate_keys_are_refused():
    try:
        align_quotes([quote(1, 0, "a b c d"), quote(1, 1, "a b c d")])
    except ValueError as error:
        assert "unique" in str(error)
    else:
        raise AssertionError("duplicate keys must be refused")


def test_no_quotes_no_rows():
    assert align_quotes([]) == []


def test_rows_are_aligned_rows_keyed_by_column():
    rows = align_quotes(seed_like_quotes())
    for row in rows:
        assert isinstance(row, AlignedRow)
        assert all(q.column == column for column, q in row.members.items())
        assert list(row.members) == sorted(row.members)


# On the seed files themselves (fixtures/seeds in the repo, else the shared copy beside it).


def seed_dir():
    root = Path(__file__).resolve().parents[2]
    for candidate in (root / "fixtures" / "seeds", root.parent / "shared" / "seeds"):
        if any(candidate.glob("000_*.txt")):
            return candidate
    raise AssertionError("seed articles not found in fixtures/seeds or ../shared/seeds")


def seed_quotes():
    quotes = []
    for column, prefix in enumerate(("000", "001", "002")):
        body = next(seed_dir().glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
        for match in re.finditer(r"“([^”“]+)”|\"([^\"]+)\"", body):
            text = match.group(1) or match.group(2)
            if len(text.split()) >= 4:
                key = f"{prefix}@{match.start()}"
                quotes.append(quote(key, column, text, position=match.start() / len(body)))
    return quotes


def keys_containing(quotes, prefix, fragment):
    return next(q.key for q in quotes if q.key.startswith(prefix) and fragment in q.text)


def test_seed_articles_align_the_two_translation_examples():
    quotes = seed_quotes()
    rows = align_quotes(quotes)
    clock_000 = keys_containing(quotes, "000", "24 hours a day")
    clock_001 = keys_containing(quotes, "001", "round the clock")
    names_000 = keys_containing(quotes, "000", "true names")
    spade_002 = keys_containing(quotes, "002", "call a spade")
    assert together(rows, clock_000, clock_001)
    assert together(rows, names_000, spade_002)


def test_seed_articles_leave_one_outlet_quotes_alone():
    quotes = seed_quotes()
    rows = align_quotes(quotes)
    china = keys_containing(quotes, "000", "China is a huge")
    assert len(row_of(rows, china).members) == 1


# Properties

words = st.sampled_from(
    "NATO Putin Peskov war enemy adversary weapons Ukraine free 24 hours a day round the clock "
    "call spade things names the of us against intelligence said".split()
)
quote_texts = st.lists(words, min_size=0, max_size=12).map(" ".join)
speakers = st.sampled_from([None, None, "peskov", "lavrov"])


@st.composite
def quote_sets(draw):
    texts = draw(st.lists(quote_texts, min_size=0, max_size=14))
    quotes = []
    for n, text in enumerate(texts):
        quotes.append(
            quote(
                n,
                draw(st.integers(0, 3)),
                text,
                draw(speakers),
                draw(st.floats(0, 1, allow_nan=False)),
            )
        )
    keys = list(range(len(quotes)))
    pairs = st.tuples(st.sampled_from(keys), st.sampled_from(keys)) if keys else st.nothing()
    links = draw(st.lists(pairs, max_size=3)) if keys else []
    unlinks = draw(st.lists(pairs, max_size=3)) if keys else []
    return quotes, links, unlinks


@settings(max_examples=150, deadline=None)
@given(quote_sets())
def test_each_quote_appears_in_exactly_one_row(case):
    quotes, links, unlinks = case
    rows = align_quotes(quotes, links, unlinks)
    placed = [q.key for row in rows for q in row.members.values()]
    assert sorted(placed) == sorted(q.key for q in quotes)


@settings(max_examples=150, deadline=None)
@given(quote_sets())
def test_rows_hold_one_quote_per_column_and_respect_speakers_and_unlinks(case):
    quotes, links, unlinks = case
    linked = {frozenset(p) for p in links}
    for row in align_quotes(quotes, links, unlinks):
        members = list(row.members.values())
        assert all(q.column == column for column, q in row.members.items())
        keys = {q.key for q in members}
        for a, b in unlinks:
            assert a == b or not {a, b} <= keys
        speakers_in_row = {q.speaker for q in members} - {None}
        assert len(speakers_in_row) <= 1 or row.manual and linked
        assert 0.0 <= row.score <= 1.0


@settings(max_examples=100, deadline=None)
@given(quote_sets())
def test_alignment_is_deterministic_and_ignores_input_order(case):
    quotes, links, unlinks = case
    first = align_quotes(quotes, links, unlinks)
    assert align_quotes(quotes, links, unlinks) == first
    assert align_quotes(list(reversed(quotes)), links, unlinks) == first


@settings(max_examples=100, deadline=None)
@given(quote_sets())
def test_a_link_between_different_columns_always_joins(case):
    quotes, _, _ = case
    by_key = {q.key: q for q in quotes}
    for a in by_key:
        for b in by_key:
            if by_key[a].column != by_key[b].column:
                assert together(align_quotes(quotes, links=[(a, b)]), a, b)
                return


@given(quote_texts, quote_texts)
def test_similarity_is_symmetric_and_a_ratio(a, b):
    score = quote_similarity(a, b)
    assert score == quote_similarity(b, a)
    assert 0.0 <= score <= 1.0


@given(st.text(max_size=80), st.text(max_size=80))
def test_similarity_of_any_text_is_symmetric_and_a_ratio(a, b):
    score = quote_similarity(a, b)
    assert score == quote_similarity(b, a)
    assert 0.0 <= score <= 1.0


@settings(max_examples=60, deadline=None)
@given(quote_sets())
def test_row_scores_agree_with_pairwise_similarity(case):
    quotes, _, _ = case
    for row in align_quotes(quotes):
        members = list(row.members.values())
        if len(members) == 2:
            expected = quote_similarity(members[0].text, members[1].text)
            assert row.score == pytest.approx(expected, abs=1e-9)
