"""Framing facts: speaker shares, attribution verbs, the lead, label counts."""

from hypothesis import given
from hypothesis import strategies as st

from articles.text.framing import (
    UNKNOWN_SPEAKER,
    attribution_verbs,
    count_words,
    cue_verb,
    first_paragraph,
    label_counts,
    lead,
    speaker_shares,
)


def test_words_are_counted_as_a_reader_counts_them():
    assert count_words("We don’t want war, but… 24 hours a day") == 9
    assert count_words(" – … ") == 0


def test_speaker_shares_are_word_shares_largest_first():
    shares = speaker_shares(
        [("Peskov", "one two three"), ("Lavrov", "one"), ("Peskov", "four five six")]
    )
    assert [(s.speaker, s.words, s.quotes) for s in shares] == [("Peskov", 6, 2), ("Lavrov", 1, 1)]
    assert shares[0].share == 6 / 7


def test_quotes_without_a_speaker_count_as_unknown():
    (share,) = speaker_shares([(None, "a b"), ("", "c")])
    assert share.speaker == UNKNOWN_SPEAKER and share.words == 3 and share.share == 1.0


def test_no_words_quoted_gives_zero_shares_not_a_division_error():
    assert [s.share for s in speaker_shares([("A", "…")])] == [0.0]
    assert speaker_shares([]) == []


@given(st.lists(st.tuples(st.sampled_from(["A", "B", None]), st.text(max_size=40)), max_size=20))
def test_shares_add_up_to_one_whenever_a_word_is_quoted(quotes):
    shares = speaker_shares(quotes)
    total = sum(s.share for s in shares)
    if any(count_words(text) for _, text in quotes):
        assert abs(total - 1) < 1e-9
    else:
        assert total == 0
    assert sum(s.quotes for s in shares) == len(quotes)


def test_cue_verbs_drop_fillers_and_objects():
    assert cue_verb("told Izvestia newspaper") == "told"
    assert cue_verb("also complained") == "complained"
    assert cue_verb("went on to complain") == "complain"
    assert cue_verb("According to  him") == "according to"
    assert cue_verb("has said") == "said"
    assert cue_verb("  ") == ""


def test_attribution_verbs_per_speaker_most_used_first():
    verbs = attribution_verbs(
        [
            ("Peskov", "said"),
            ("Peskov", "claimed"),
            ("Peskov", "said"),
            (None, ""),
            ("Lavrov", "argued"),
        ]
    )
    assert verbs == {
        "Lavrov": [("argued", 1)],
        "Peskov": [("said", 2), ("claimed", 1)],
        UNKNOWN_SPEAKER: [("(no verb)", 1)],
    }


def test_the_lead_is_the_first_paragraph_with_words_and_the_first_quote_by_offset():
    body = "  \n\nNATO is at war, Peskov said.\nMore.\n\nSecond paragraph."
    found = lead(body, [(40, "later", "Lavrov"), (5, "at war", None)])
    assert found.paragraph == "NATO is at war, Peskov said. More."
    assert (found.quote, found.speaker) == ("at war", UNKNOWN_SPEAKER)
    assert lead("", []).quote is None and lead("", []).paragraph == ""
    assert first_paragraph("…\n\nText") == "Text"


def test_label_counts_most_given_first_then_by_name():
    assert label_counts(["b", "a", "b", "C"]) == [("b", 2), ("a", 1), ("C", 1)]
