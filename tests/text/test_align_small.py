"""The alignment's path for a few quotes (Python sets) gives the very numbers and rows of its
path for many (scipy's sparse matrix products)."""

import random
from pathlib import Path

import numpy as np
import pytest

from articles.text import align

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"


def sentences():
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [s.strip() for s in text.replace("\n", " ").split(".") if s.strip()]


def quote_sets(count):
    rng = random.Random(7)
    pool = sentences()
    # Numbers and idioms weigh more than a word, and the squares of their weights' roots are
    # not whole numbers: the order they are added in shows in the last bits.
    extra = ["7", "12", "1999", "2023", "2024", "41", "round the clock", "a spade a spade"]
    for _ in range(count):
        chosen = rng.sample(pool, rng.randint(1, align.SMALL_INPUT))
        yield [" ".join([s, *rng.sample(extra, rng.randint(0, 6))]) for s in chosen]


def test_the_sets_give_the_matrix_products_bit_for_bit():
    for texts in quote_sets(300):
        features = [align._features(text) for text in texts]
        words = align._word_incidence(features)
        grams = align._ngram_incidence([f.surface for f in features])
        expected = [(words @ words.T).toarray(), (grams @ grams.T).toarray(), grams.sum(axis=1).A1]
        for got, want in zip(align._overlaps_by_sets(features), expected, strict=True):
            assert got.shape == want.shape and np.array_equal(got, want), texts


@pytest.mark.parametrize("columns", [2, 3, 4])
def test_both_paths_align_a_few_quotes_alike(monkeypatch, columns):
    rng = random.Random(columns)
    for texts in quote_sets(60):
        quotes = [
            align.QuoteRef(n, rng.randrange(columns), text, rng.choice([None, "peskov"]), n / 30)
            for n, text in enumerate(texts)
        ]
        small = align.align_quotes(quotes)
        monkeypatch.setattr(align, "SMALL_INPUT", 0)
        large = align.align_quotes(quotes)
        monkeypatch.undo()
        assert small == large
