"""The short cuts story_profile takes to read a text give what the plain definitions give."""

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from articles.text.story import _APOSTROPHES, _TOKEN, _clean, _split_sentences, _tokens

# The definition of a sentence break before it was written for speed: a look-behind for the
# punctuation, tried at every position of the text.
LOOK_BEHIND_BREAK = re.compile(r"(?<=[.!?\u2026])[\"\u201d\u00bb']?\s+|\n+")

# Text made of what matters to sentence breaks, and of anything else.
break_characters = st.sampled_from(
    [".", "!", "?", "\u2026", "\n", "\n\n", " ", "\t", "\r", "\u2029", "\u00a0", '"']
    + ["\u201d", "\u00bb", "'", "a", "B", "7", "x.", "Mr. ", "\u00e9"]
)
sentence_text = st.lists(break_characters, max_size=30).map("".join) | st.text(max_size=80)


@given(sentence_text)
def test_sentences_are_split_where_the_look_behind_split_them(text):
    by_look_behind = [s.strip() for s in LOOK_BEHIND_BREAK.split(text) if s and s.strip()]
    assert _split_sentences(text) == by_look_behind


def test_a_sentence_keeps_its_punctuation_and_a_line_break_ends_one():
    text = "He left. Why? She asked!\nNext line\n\nLast… one 3.5 times"
    assert _split_sentences(text) == [
        "He left.",
        "Why?",
        "She asked!",
        "Next line",
        "Last…",
        "one 3.5 times",
    ]


word_text = st.lists(
    st.sampled_from(["a", "Z", "9", "'", ".", "-", "_", " ", "é", "ß", "\u0663", "`", "\u2019"]),
    max_size=30,
).map("".join) | st.text(max_size=60)


@given(word_text)
def test_tokens_are_the_unicode_patterns_tokens(text):
    assert _tokens(text) == _TOKEN.findall(text)


@given(word_text)
def test_clean_text_is_nfkc_with_one_apostrophe(text):
    assert _clean(text) == _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text))


def blocking_keys_by_scoring_every_term(profile, limit=12):
    """blocking_keys as first written: every term scored, then the best taken."""
    import heapq

    few_names = len(profile.names) < 4
    ranked_names = heapq.nsmallest(
        max(1, limit * 2 // 3),
        [(-c, n) for n, c in profile.names.items() if c >= 2 or few_names],
    )
    keys = [f"n:{name}" for _, name in ranked_names][:limit]
    ranked_terms = heapq.nsmallest(
        limit - len(keys),
        [
            (-count * min(len(term), 10), term)
            for term, count in profile.terms.items()
            if len(term) >= 6 and term not in profile.names and not term[0].isdigit()
        ],
    )
    return keys + [f"t:{term}" for _, term in ranked_terms]


# Few letters, so that equal scores (and so ties broken by the term) are common.
terms = st.text(alphabet="ab1", min_size=1, max_size=13)


@given(
    st.dictionaries(terms, st.integers(1, 12), max_size=60),
    st.dictionaries(terms, st.integers(1, 5), max_size=8),
    st.integers(0, 14),
)
def test_blocking_keys_are_the_best_scored_of_all_terms(counts, names, limit):
    from articles.text.story import StoryProfile, blocking_keys

    profile = StoryProfile(terms=counts, names=names, name_forms={})
    assert blocking_keys(profile, limit) == blocking_keys_by_scoring_every_term(profile, limit)
