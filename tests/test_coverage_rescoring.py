"""Rescoring a small corpus as it grows: pairs first scored under the statistics of a handful of
articles are scored again once the corpus has grown enough (RESCORE_GROWTH), until it passes
RESCORE_UNTIL; analysts' decisions stay as they were."""

import pytest

from articles import coverage
from articles.coverage import rebuild_index
from articles.models import CoverageLink
from tests.test_coverage_indexing import PESKOV_A, PESKOV_B, QUAKE, imported, pair

MORE = [
    "Peskov rejects talks on New START\n\n"
    "Kremlin spokesman Dmitry Peskov said on Wednesday that Russia would not discuss the New "
    "START treaty with NATO while France and Britain kept their arsenals outside it. Peskov told "
    "reporters in Moscow that the alliance was a party to the conflict in Ukraine.\n",
    "Chile counts the damage after the earthquake\n\n"
    "Officials in Santiago said on Monday that the earthquake that struck central Chile injured "
    "dozens. In Valparaiso residents returned to their homes. The quake was felt in Mendoza, "
    "Argentina, the Geological Survey said.\n",
    "Budget talks stall in Brussels\n\n"
    "European finance ministers met in Brussels on Tuesday and failed to agree on the budget. "
    "France and Britain said the talks would resume next week. Officials said the conflict over "
    "farm subsidies was the main obstacle.\n",
    "Storm hits the coast of Portugal\n\n"
    "A storm struck the coast of Portugal on Sunday, officials in Lisbon said. Residents of Porto "
    "fled their homes as the sea rose. No deaths were reported but dozens of buildings shook in "
    "the wind.\n",
    "Izvestia interviews the Kremlin spokesman\n\n"
    "In a long interview with the Izvestia newspaper, Dmitry Peskov spoke about NATO, weapons for "
    "Kiev and the New START treaty. Peskov said intelligence from the alliance reached Ukraine "
    "around the clock.\n",
]
TEXTS = [PESKOV_A, PESKOV_B, QUAKE, *MORE]


def import_all(texts) -> list:
    return [imported(text, f"{n}.txt") for n, text in enumerate(texts)]


def links() -> dict:
    """Every link as (relation, status, score rounded, evidence) by its pair of articles."""
    return {
        (a, b): (relation, status, round(score, 9), evidence)
        for a, b, relation, status, score, evidence in CoverageLink.objects.values_list(
            "article_a_id", "article_b_id", "relation", "status", "score", "evidence"
        )
    }


@pytest.fixture
def grow_by_half(monkeypatch):
    # 8 articles: rescored at 1, 2, 3, 5 and 8, so the last import rescored the whole corpus.
    monkeypatch.setattr(coverage, "RESCORE_GROWTH", 1.5)
    monkeypatch.setattr(coverage, "RESCORE_UNTIL", 4000)


@pytest.mark.django_db
def test_pairs_scored_in_a_tiny_corpus_end_as_a_rebuild_scores_them(grow_by_half):
    first = import_all(TEXTS[:2])
    early = pair(*first).score
    import_all(TEXTS[2:])
    grown = links()
    assert pair(*first).score != early  # the pair made under two articles' statistics moved
    rebuild_index(workers=1)
    assert grown == links()


@pytest.mark.django_db
def test_rescoring_leaves_confirmed_and_rejected_links_as_they_were(grow_by_half):
    peskov_a, peskov_b, quake, peskov_c = import_all(TEXTS[:4])
    confirmed, rejected = pair(peskov_a, peskov_b), pair(peskov_a, peskov_c)
    CoverageLink.objects.filter(pk=confirmed.pk).update(status=CoverageLink.CONFIRMED)
    CoverageLink.objects.filter(pk=rejected.pk).update(status=CoverageLink.REJECTED)
    suggested = pair(peskov_b, peskov_c)
    before = links()
    import_all(TEXTS[4:])  # the corpus grows from 4 to 8: rescored at 5 and 8
    after = links()
    for link in (confirmed, rejected):
        key = (link.article_a_id, link.article_b_id)
        assert after[key] == before[key]
    key = (suggested.article_a_id, suggested.article_b_id)
    assert after[key][2] != before[key][2]  # while the suggestion between them was rescored


@pytest.mark.django_db
def test_past_the_size_cap_nothing_is_rescored(monkeypatch):
    monkeypatch.setattr(coverage, "RESCORE_GROWTH", 1.5)
    monkeypatch.setattr(coverage, "RESCORE_UNTIL", 3)
    rescored = []
    rescore = coverage.rescore_suggestions

    def counted(max_pairs=None):
        rescored.append(coverage._doc_freq(set())[1])
        return rescore(max_pairs)

    monkeypatch.setattr(coverage, "rescore_suggestions", counted)
    first = import_all(TEXTS[:3])
    at_cap = pair(first[0], first[1]).score
    import_all(TEXTS[3:])
    assert rescored == [1, 2, 3]  # the corpus's sizes when it was rescored: none past the cap
    assert pair(first[0], first[1]).score == at_cap


@pytest.mark.django_db
def test_a_corpus_with_too_many_pairs_for_one_import_is_not_rescored(grow_by_half, monkeypatch):
    first = import_all(TEXTS[:2])
    assert coverage.CorpusScoring.objects.get().articles == 2  # rescored at 1 and 2
    monkeypatch.setattr(coverage, "RESCORE_PAIRS", 0)
    at_two = pair(*first).score
    import_all(TEXTS[2:])
    assert pair(*first).score == at_two  # never rescored under the larger corpus's statistics
    # Passed over at 3, 5 and 8 articles, each remembered: the next try waits for growth.
    assert coverage.CorpusScoring.objects.get().articles == 8
