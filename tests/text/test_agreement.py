"""Agreement figures checked against published worked examples."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.agreement import (
    cohen_kappa,
    coincidences,
    confusion_matrix,
    krippendorff_alpha_nominal,
    paired_values,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the reliability data with
# missing values: 4 observers, 12 units. Nominal alpha = 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def units_of(table):
    columns = zip(*table.values(), strict=True)
    return [[v for v in column if v is not None] for column in columns]


def test_krippendorff_alpha_matches_the_2011_nominal_example():
    assert krippendorff_alpha_nominal(units_of(KRIPPENDORFF_2011)) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_coincidences_match_the_published_marginals():
    o = coincidences(units_of(KRIPPENDORFF_2011))
    n_c = {c: sum(w for (a, _), w in o.items() if a == c) for c in range(1, 6)}
    # Krippendorff 2011, the coincidence matrix's margins: n1=9, n2=13, n3=10, n4=5, n5=3 (n=40).
    assert n_c == pytest.approx({1: 9, 2: 13, 3: 10, 4: 5, 5: 3})


def test_a_unit_with_a_single_value_is_not_pairable_and_is_ignored():
    assert krippendorff_alpha_nominal([["a", "a"], ["b", "b"], ["c"]]) == 1.0


def test_perfect_disagreement_between_two_categories_gives_negative_alpha():
    assert krippendorff_alpha_nominal([["a", "b"], ["b", "a"]]) < 0


def test_alpha_is_undefined_without_variation_or_without_pairs():
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]) is None
    assert krippendorff_alpha_nominal([["a"], ["b"]]) is None
    assert krippendorff_alpha_nominal([]) is None


def wikipedia_pairs():
    # Cohen's kappa worked example (Wikipedia, "Cohen's kappa", simple example): 50 proposals,
    # both yes 20, A yes/B no 5, A no/B yes 10, both no 15 → p_o = 0.7, p_e = 0.5, kappa = 0.4.
    return [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15


def test_cohen_kappa_matches_the_textbook_yes_no_example():
    assert cohen_kappa(wikipedia_pairs()) == pytest.approx(0.4)


def test_cohen_kappa_matches_a_hand_computed_three_category_table():
    # n = 100; p_o = .89; margins A (.80, .10, .10), B (.80, .05, .15); p_e = .66;
    # kappa = (.89 - .66) / (1 - .66) = .6765, computed by hand.
    table = {
        ("psych", "psych"): 75, ("psych", "neuro"): 1, ("psych", "organic"): 4,
        ("neuro", "psych"): 5, ("neuro", "neuro"): 4, ("neuro", "organic"): 1,
        ("organic", "psych"): 0, ("organic", "neuro"): 0, ("organic", "organic"): 10,
    }  # fmt: skip
    pairs = [pair for pair, count in table.items() for _ in range(count)]
    p_o = 0.89
    row = {"psych": 0.80, "neuro": 0.10, "organic": 0.10}
    col = {"psych": 0.80, "neuro": 0.05, "organic": 0.15}
    p_e = sum(row[c] * col[c] for c in row)
    assert cohen_kappa(pairs) == pytest.approx((p_o - p_e) / (1 - p_e))
    assert cohen_kappa(pairs) == pytest.approx(0.676, abs=1e-3)


def test_cohen_kappa_is_undefined_when_both_coders_use_one_label_only():
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None
    assert cohen_kappa([]) is None


def test_confusion_matrix_counts_rows_for_the_first_coder():
    matrix = confusion_matrix(wikipedia_pairs(), ["yes", "no"])
    assert matrix == [[20, 5], [10, 15]]


def test_paired_values_keep_only_units_both_coders_labelled():
    by_coder = {"alice": {1: "a", 2: "b", 3: "c"}, "bob": {2: "b", 3: "a", 4: "a"}}
    assert paired_values(by_coder, "alice", "bob") == [("b", "b"), ("c", "a")]


@given(st.lists(st.lists(st.sampled_from("abc"), min_size=2, max_size=4), min_size=1))
def test_alpha_is_at_most_one_and_one_when_every_unit_agrees(units):
    alpha = krippendorff_alpha_nominal(units)
    assert alpha is None or alpha <= 1 + 1e-9
    agreeing = [[u[0]] * len(u) for u in units]
    value = krippendorff_alpha_nominal(agreeing)
    assert value is None or value == pytest.approx(1.0)
