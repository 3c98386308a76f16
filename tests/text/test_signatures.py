import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.signatures import (
    MAX_VALUE,
    band_keys,
    estimated_jaccard,
    minhash,
    normalised_words,
    shingles,
)

TEXT = (
    "Kremlin spokesman Dmitry Peskov told Izvestia that NATO countries are effectively showing "
    "a united front not as our enemies but as adversaries, and that their intelligence has been "
    "working against Russia round the clock while their weapons are supplied to Ukraine."
)
LOW, HIGH = -(1 << 62), 1 << 62

words = st.text(alphabet="abcdefghij ", min_size=1, max_size=200)


def test_normalised_words_fold_case_and_quote_style():
    assert normalised_words("Peskov\u2019s “NATO”") == ["peskov's", "nato"]


def test_shingles_ignore_case_punctuation_and_quote_style():
    assert shingles("NATO's \u201cunited front\u201d, he said today.") == shingles(
        "nato\u2019s united front he said today"
    )


def test_shingles_are_word_order_sensitive():
    assert shingles("a b c d e") != shingles("e d c b a")
    assert shingles("a b") != shingles("b a")


def test_short_text_is_one_shingle():
    assert len(shingles("only three words")) == 1


def test_empty_text_has_no_shingles():
    assert shingles("  ... ") == set()


def test_shingle_count_for_distinct_words():
    assert len(shingles("one two three four five six seven", size=5)) == 3


def test_signatures_are_pinned_across_runs_and_processes():
    # Fixed values: a change here means stored band keys would silently stop matching.
    assert shingles("a b c d e") == {18278951254158737300}
    signature = minhash(shingles("a b c d e"))
    assert signature[:2] == (8775608297258824323, 4490739038058482855)
    assert band_keys(signature)[:2] == [941313083511169896, -2402120104035448962]


def test_shingle_size_must_be_positive():
    with pytest.raises(ValueError):
        shingles("text", size=0)


def test_minhash_length_and_range():
    signature = minhash(shingles(TEXT), num_perm=32)
    assert len(signature) == 32
    assert all(0 <= v <= MAX_VALUE for v in signature)


def test_minhash_depends_on_seed():
    assert minhash(shingles(TEXT), seed=1) != minhash(shingles(TEXT), seed=2)


def test_near_copy_has_high_estimated_jaccard():
    copy = TEXT.replace("round the clock", "day and night")
    estimate = estimated_jaccard(minhash(shingles(TEXT)), minhash(shingles(copy)))
    assert 0.6 <= estimate < 1.0


def test_unrelated_texts_have_low_estimated_jaccard():
    other = "The city council approved a new budget for schools and parks on Tuesday evening."
    assert estimated_jaccard(minhash(shingles(TEXT)), minhash(shingles(other))) < 0.1


def test_empty_signatures_match_nothing():
    empty = minhash(set())
    assert estimated_jaccard(empty, empty) == 0.0
    assert band_keys(empty) == []


def test_signatures_of_different_length_cannot_be_compared():
    with pytest.raises(ValueError):
        estimated_jaccard((1, 2), (1, 2, 3))


def test_band_keys_count_and_band_index_is_mixed_in():
    signature = (7,) * 64
    keys = band_keys(signature, bands=16)
    assert len(keys) == 16
    assert len(set(keys)) == 16  # identical rows, different bands: different keys


def test_band_keys_need_equal_bands():
    with pytest.raises(ValueError):
        band_keys(minhash(shingles(TEXT), num_perm=64), bands=10)


def test_near_copies_share_a_band_key():
    copy = TEXT + " He added nothing more."
    assert set(band_keys(minhash(shingles(TEXT)))) & set(band_keys(minhash(shingles(copy))))


@given(words)
def test_identical_texts_have_jaccard_one(text):
    sig = minhash(shingles(text))
    if shingles(text):
        assert estimated_jaccard(sig, minhash(shingles(text))) == 1.0


@given(st.sets(st.integers(min_value=0, max_value=(1 << 64) - 1), min_size=1, max_size=50))
def test_band_keys_deterministic_and_within_63_bits(shingle_set):
    keys = band_keys(minhash(shingle_set))
    assert keys == band_keys(minhash(set(shingle_set)))
    assert all(isinstance(k, int) and LOW <= k < HIGH for k in keys)


@given(words, words)
def test_estimated_jaccard_is_symmetric_and_bounded(a, b):
    sig_a, sig_b = minhash(shingles(a)), minhash(shingles(b))
    assert estimated_jaccard(sig_a, sig_b) == estimated_jaccard(sig_b, sig_a)
    assert 0.0 <= estimated_jaccard(sig_a, sig_b) <= 1.0


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_ascii_text_takes_a_short_cut_to_the_same_words(text):
    import unicodedata

    from articles.text.signatures import _APOSTROPHES, _WORD

    by_the_long_way = _WORD.findall(
        _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).casefold()
    )
    assert normalised_words(text) == by_the_long_way


def test_a_backtick_is_an_apostrophe_in_ascii_text_too():
    assert normalised_words("Don`t") == normalised_words("Don\u2019t") == ["don't"]


@given(st.lists(st.integers(0, MAX_VALUE), min_size=64, max_size=64))
def test_band_keys_hash_each_bands_values_as_little_endian_bytes(signature):
    import hashlib

    expected = []
    for band in range(16):
        values = signature[band * 4 : (band + 1) * 4]
        data = band.to_bytes(2, "little") + b"".join(v.to_bytes(8, "little") for v in values)
        digest = hashlib.blake2b(data, digest_size=8).digest()
        expected.append(int.from_bytes(digest, "little", signed=True) >> 1)
    if all(v == MAX_VALUE for v in signature):
        expected = []
    assert band_keys(tuple(signature)) == expected
