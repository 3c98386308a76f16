import datetime
from collections import Counter

from articles.text.link_index import index_batch, index_entry
from articles.text.story import story_profile

ARTICLES = [
    ("Peskov on NATO", "Dmitry Peskov said NATO is a party to the conflict. Peskov spoke."),
    ("Quake in Chile", "A magnitude 6.1 earthquake struck central Chile. Residents fled."),
    ("Peskov again", "Peskov said the treaty could not be discussed. " + "Long" + "word" * 9),
]


def arguments(title, body):
    return (title, body, datetime.date(2024, 3, 1), 64, 16)


def test_a_batch_gives_each_articles_entry_and_counts_its_terms_once():
    entries, counts = index_batch([arguments(*a) for a in ARTICLES], term_max=100)
    assert entries == [index_entry(*arguments(*a)) for a in ARTICLES]
    expected = Counter()
    for title, body in ARTICLES:
        expected.update(story_profile(title, body).terms.keys())
    assert counts == expected
    assert counts["peskov"] == 2  # two articles, though each says it more than once
    # In the order the terms first occur, as counting article by article would list them.
    assert list(counts) == list(expected)


def test_terms_longer_than_the_limit_are_not_counted():
    _, counts = index_batch([arguments(*a) for a in ARTICLES], term_max=100)
    long_term = "long" + "word" * 9
    assert counts[long_term] == 1
    _, counts = index_batch([arguments(*a) for a in ARTICLES], term_max=20)
    assert long_term not in counts
    assert counts["peskov"] == 2
