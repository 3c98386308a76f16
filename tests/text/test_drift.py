from hypothesis import given
from hypothesis import strategies as st

from articles.text.drift import DriftOp, drift_summary, word_diff


def a_side(ops):
    return " ".join(op.a for op in ops if op.a)


def b_side(ops):
    return " ".join(op.b for op in ops if op.b)


def test_identical_quotes_are_one_same_step():
    assert word_diff("They refused.", "They refused.") == [
        DriftOp("same", "They refused.", "They refused.")
    ]


def test_case_and_punctuation_do_not_count_as_drift_but_are_kept():
    ops = word_diff("NATO acts, as one bloc", "nato acts as One Bloc.")
    assert [op.op for op in ops] == ["same"]
    assert ops[0].a == "NATO acts, as one bloc"
    assert ops[0].b == "nato acts as One Bloc."


def test_words_cut_by_the_second_outlet_are_removed():
    ops = word_diff(
        "their weapons, as Putin recently pointed out, they supply", "their weapons supply"
    )
    assert DriftOp("removed", "as Putin recently pointed out, they", "") in ops


def test_words_the_second_outlet_adds_are_added():
    ops = word_diff("shoot at our military", "shoot at our military, not to mention citizens")
    assert ops[-1] == DriftOp("added", "", "not to mention citizens")


def test_reworded_run_is_changed_with_both_sides():
    ops = word_diff("working against us 24 hours a day", "working against us round the clock")
    assert ops[-1] == DriftOp("changed", "24 hours a day", "round the clock")


def test_lone_dash_rides_with_the_word_before_it():
    ops = word_diff("France – England", "France England")
    assert ops == [DriftOp("same", "France – England", "France England")]


def test_whitespace_is_normalised_in_both_sides():
    ops = word_diff("  call\n a\u00a0spade ", "call a  spade")
    assert a_side(ops) == "call a spade"
    assert b_side(ops) == "call a spade"


def test_empty_quotes_give_no_steps():
    assert word_diff("", "") == []
    assert word_diff("", "new words") == [DriftOp("added", "", "new words")]
    assert word_diff("old words", " ") == [DriftOp("removed", "old words", "")]


def test_summary_counts_each_kind_of_step():
    ops = [
        DriftOp("same", "These countries", "These countries"),
        DriftOp("changed", "England", "Great Britain"),
        DriftOp("removed", "in one", ""),
        DriftOp("added", "", "de facto at war"),
    ]
    summary = drift_summary(ops)
    assert summary["kept"] == 2
    assert summary["changed"] == 2
    assert summary["removed"] == 2
    assert summary["added"] == 4
    assert summary["words_a"] == 5
    assert summary["words_b"] == 8
    assert summary["drift"] == 1 - 4 / 13


def test_summary_of_identical_quotes_has_no_drift():
    assert drift_summary(word_diff("they refused", "They refused!"))["drift"] == 0.0


def test_summary_of_unrelated_quotes_has_full_drift():
    assert drift_summary(word_diff("peace talks", "weapons supplies"))["drift"] == 1.0


def test_summary_of_nothing_has_no_drift():
    assert drift_summary([])["drift"] == 0.0


def test_summary_rejects_an_unknown_step():
    try:
        drift_summary([DriftOp("moved", "a", "b")])
    except ValueError as error:
        assert "moved" in str(error)
    else:
        raise AssertionError("an unknown step must be refused")


quote_text = st.text(
    alphabet=st.sampled_from(list("abcAB ,.–-\n\u00a0\u201c\u201d'é1")), max_size=60
)
word_lists = st.lists(st.sampled_from(["the", "NATO", "war,", "–", "us...", "Putin", "said"]))


@given(quote_text, quote_text)
def test_word_diff_reconstructs_both_quotes(a, b):
    ops = word_diff(a, b)
    assert a_side(ops) == " ".join(a.split())
    assert b_side(ops) == " ".join(b.split())


@given(word_lists, word_lists)
def test_word_diff_reconstructs_quotes_made_of_words(a, b):
    ops = word_diff(" ".join(a), " ".join(b))
    assert a_side(ops) == " ".join(" ".join(a).split())
    assert b_side(ops) == " ".join(" ".join(b).split())


@given(quote_text, quote_text)
def test_steps_are_well_formed(a, b):
    for op in word_diff(a, b):
        assert op.op in {"same", "added", "removed", "changed"}
        assert (op.a == "") == (op.op == "added")
        assert (op.b == "") == (op.op == "removed")


@given(quote_text, quote_text)
def test_drift_is_a_ratio(a, b):
    summary = drift_summary(word_diff(a, b))
    assert 0.0 <= summary["drift"] <= 1.0
    assert summary["kept"] <= min(summary["words_a"], summary["words_b"])


@given(quote_text)
def test_a_quote_does_not_drift_from_itself(a):
    assert drift_summary(word_diff(a, a))["drift"] == 0.0


@given(st.text(max_size=30))
def test_the_fast_match_key_keeps_exactly_the_letters_and_digits(word):
    import unicodedata

    from articles.text.drift import _match_key

    folded = unicodedata.normalize("NFKC", word).casefold()
    assert _match_key(word) == "".join(ch for ch in folded if ch.isalnum())
