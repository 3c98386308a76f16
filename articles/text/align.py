"""Align the quotes of two to four outlets' articles so that renderings of one statement share a row.

Translations and rewrites share few exact words, so similarity mixes content-word overlap (light
stemming plus a small table of phrases that translators render differently), character n-grams
and a containment score for a partial quote that sits inside a longer direct quote elsewhere.
Rows are built best-first over all cross-column pairs at once; analysts' links and unlinks win.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse

DEFAULT_THRESHOLD = 0.3

# A fragment this heavy (in content-word weight) counts fully when it sits inside a longer quote;
# lighter fragments ("said that", one idiom) match too much by chance to count fully.
FRAGMENT_FULL_WEIGHT = 6.0
# A fragment found inside a longer quote is weaker evidence than two quotes that match whole.
FRAGMENT_DISCOUNT = 0.8

WORD_SHARE = 0.65
NGRAM_SIZE = 4
NUMBER_WEIGHT = 2.0

# Renderings that translators and rewriters use for the same thing; each group becomes one token.
# Kept short and general on purpose: it is a thesaurus of common variants, not a list of answers.
PHRASE_GROUPS: dict[str, tuple[str, ...]] = {
    "roundtheclock": (
        r"round[- ]the[- ]clock",
        r"around[- ]the[- ]clock",
        r"(?:24|twenty[- ]four) hours a day",
        r"24/7",
        r"day and night",
    ),
    "callspade": (
        r"call(?:ing)? a spade a spade",
        r"call(?:ing)? (?:things|everything|a thing) by (?:their|its) (?:(?:true|real|proper|own) )?names?",
    ),
    "defacto": (
        r"de facto",
        r"in fact",
        r"in effect",
        r"actually",
        r"effectively",
        r"basically",
        r"essentially",
    ),
    "freeofcharge": (r"free of charge", r"for free", r"free"),
    "unitedkingdom": (r"united kingdom", r"great britain", r"britain", r"england", r"u\.k\."),
    "unitedstates": (r"united states(?: of america)?", r"u\.s\.a?\.?", r"america"),
    "takeintoaccount": (
        r"take (?:into account|into consideration)",
        r"take \w+ into (?:account|consideration)",
        r"consider",
    ),
    "atwar": (r"at war with", r"fighting against", r"waging war (?:on|against)"),
    "bloc": (r"united front", r"(?:one|a|single|united) bloc", r"bloc"),
}

# Idioms are rare and say a lot, so sharing one weighs like sharing several words; the other
# groups only undo a translator's choice of word.
PHRASE_WEIGHTS: dict[str, float] = {"roundtheclock": 3.0, "callspade": 3.0}

# Single words with the same meaning in this domain; the key is what they all become.
WORD_SYNONYMS: dict[str, str] = {
    "intel": "intelligence",
    "soldiers": "military",
    "soldier": "military",
    "troops": "military",
    "army": "military",
    "opponent": "adversary",
    "opponents": "adversary",
    "foe": "enemy",
    "foes": "enemy",
    "arms": "weapons",
    "delivered": "supplied",
    "deliver": "supply",
    "deliveries": "supplies",
    "fire": "shoot",
    "kiev": "kyiv",
    "usa": "unitedstates",
    "uk": "unitedkingdom",
    "dramatically": "radically",
    "fundamentally": "radically",
}

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever every
    few for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up upon us very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves must may might shall need needs said says say told one another let lets there's
    anything something nothing everything it's that's we're they're i'm don't doesn't didn't won't can't isn't aren't wasn't weren't""".split()
)

_PHRASE_TOKEN = {name: f" {name} " for name in PHRASE_GROUPS}
_PHRASE_RE = re.compile(
    r"\b(?:"
    + "|".join(f"(?P<{name}>{'|'.join(p for p in pats)})" for name, pats in PHRASE_GROUPS.items())
    + r")(?!\w)",
    re.IGNORECASE,
)
_US_RE = re.compile(r"(?<![\w.])U\.?S\.?(?:A\.?)?(?![\w])")
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class QuoteRef:
    key: int | str
    column: int
    text: str
    speaker: str | None
    position: float


@dataclass(frozen=True)
class AlignedRow:
    members: dict[int, QuoteRef]
    score: float
    manual: bool


@dataclass(frozen=True)
class _Features:
    words: frozenset[str]
    ngrams: frozenset[str]
    word_weight: float


def _light_stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3 or word in PHRASE_GROUPS:
        return word
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("sses", "ss")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    for suffix in ("ing", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    # "change", "changed", "changing" all end up as "chang".
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _token_weight(token: str) -> float:
    if token in PHRASE_GROUPS:
        return PHRASE_WEIGHTS.get(token, 1.0)
    if token.isdigit():
        return NUMBER_WEIGHT
    return 1.0


def _replace_phrase(match: re.Match[str]) -> str:
    return _PHRASE_TOKEN[match.lastgroup or ""]


@lru_cache(maxsize=4096)
def _features(text: str) -> _Features:
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    # "US" is only a country when written in capitals; "us" is a pronoun.
    text = _US_RE.sub(" unitedstates ", text)
    text = _PHRASE_RE.sub(_replace_phrase, text.lower())
    surface: list[str] = []
    for word in _WORD_RE.findall(text):
        if word.endswith("'s"):
            word = word[:-2]
        if word in STOP_WORDS:
            continue
        surface.append(WORD_SYNONYMS.get(word, word))
    words = frozenset(_light_stem(w) for w in surface)
    joined = " " + " ".join(surface) + " "
    ngrams = frozenset(joined[i : i + NGRAM_SIZE] for i in range(len(joined) - NGRAM_SIZE + 1))
    if len(joined) < NGRAM_SIZE + 2:
        ngrams = frozenset()
    return _Features(words, ngrams, sum(_token_weight(w) for w in words))


def _combine(word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b):
    """Score from overlap counts; works on floats and on numpy arrays alike."""
    word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b = (
        np.asarray(x, dtype=float)
        for x in (word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        word_dice = np.where(weight_a + weight_b > 0, 2 * word_common / (weight_a + weight_b), 0.0)
        ngram_dice = np.where(
            ngrams_a + ngrams_b > 0, 2 * ngram_common / (ngrams_a + ngrams_b), 0.0
        )
        lighter = np.minimum(weight_a, weight_b)
        smaller = np.minimum(ngrams_a, ngrams_b)
        word_inside = np.where(lighter > 0, word_common / lighter, 0.0)
        ngram_inside = np.where(smaller > 0, ngram_common / smaller, 0.0)
    whole = WORD_SHARE * word_dice + (1 - WORD_SHARE) * ngram_dice
    inside = WORD_SHARE * word_inside + (1 - WORD_SHARE) * ngram_inside
    fragment = inside * np.minimum(1.0, lighter / FRAGMENT_FULL_WEIGHT) * FRAGMENT_DISCOUNT
    return np.clip(np.maximum(whole, fragment), 0.0, 1.0)


def quote_similarity(a: str, b: str) -> float:
    """How likely two quotes render the same statement, from 0 (unrelated) to 1 (same words)."""
    fa, fb = _features(a), _features(b)
    if not fa.words and not fb.words:
        return 1.0 if a.strip().casefold() == b.strip().casefold() else 0.0
    common = fa.words & fb.words
    score = _combine(
        sum(_token_weight(w) for w in common),
        fa.word_weight,
        fb.word_weight,
        len(fa.ngrams & fb.ngrams),
        len(fa.ngrams),
        len(fb.ngrams),
    )
    return float(score)


def _incidence(sets: list[frozenset[str]], weighted: bool) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, items in enumerate(sets):
        for item in items:
            rows.append(row)
            cols.append(vocabulary.setdefault(item, len(vocabulary)))
    data = np.ones(len(rows))
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(sets), max(1, len(vocabulary))))
    if weighted and vocabulary:
        weights = np.ones(len(vocabulary))
        for item, index in vocabulary.items():
            weights[index] = _token_weight(item)
        matrix = matrix.multiply(np.sqrt(weights)).tocsr()
    return matrix


def _similarity_matrix(quotes: Sequence[QuoteRef]) -> np.ndarray:
    features = [_features(q.text) for q in quotes]
    words = _incidence([f.words for f in features], weighted=True)
    ngrams = _incidence([f.ngrams for f in features], weighted=False)
    word_common = (words @ words.T).toarray()
    ngram_common = (ngrams @ ngrams.T).toarray()
    weight = np.array([f.word_weight for f in features])
    count = np.array([len(f.ngrams) for f in features], dtype=float)
    scores = _combine(
        word_common, weight[:, None], weight[None, :], ngram_common, count[:, None], count[None, :]
    )
    empty = np.array([not f.words for f in features])
    if empty.any():
        for i in np.flatnonzero(empty):
            for j in range(len(quotes)):
                scores[i, j] = scores[j, i] = quote_similarity(quotes[i].text, quotes[j].text)
    return scores


class _Rows:
    """Groups of quote indices that may grow by merging, with what a merge must respect."""

    def __init__(self, quotes: Sequence[QuoteRef], unlinks: set[frozenset[int]]):
        self.quotes = quotes
        self.unlinks = unlinks
        self.group_of = list(range(len(quotes)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(quotes))}
        self.manual: set[int] = set()

    def can_merge(self, a: int, b: int, check_speakers: bool) -> bool:
        ga, gb = self.group_of[a], self.group_of[b]
        if ga == gb:
            return False
        left, right = self.members[ga], self.members[gb]
        if {self.quotes[i].column for i in left} & {self.quotes[i].column for i in right}:
            return False
        if check_speakers:
            speakers = {self.quotes[i].speaker for i in left + right} - {None}
            if len(speakers) > 1:
                return False
        return not any(frozenset((i, j)) in self.unlinks for i in left for j in right)

    def merge(self, a: int, b: int, manual: bool) -> None:
        keep, gone = sorted((self.group_of[a], self.group_of[b]))
        for i in self.members[gone]:
            self.group_of[i] = keep
        self.members[keep].extend(self.members.pop(gone))
        if manual or gone in self.manual:
            self.manual.add(keep)
        self.manual.discard(gone)


def _index_pairs(
    pairs: Iterable[tuple[int | str, int | str]], index: dict[int | str, int]
) -> list[tuple[int, int]]:
    found = []
    for a, b in pairs:
        if a in index and b in index and a != b:
            found.append((index[a], index[b]))
    return found


def align_quotes(
    quotes: Sequence[QuoteRef],
    links: Iterable[tuple[int | str, int | str]] = (),
    unlinks: Iterable[tuple[int | str, int | str]] = (),
    threshold: float = DEFAULT_THRESHOLD,
) -> list[AlignedRow]:
    """Group quotes into rows, one quote per column at most, best matches first.

    `links` and `unlinks` are analysts' corrections, oldest first: a link always joins its two
    quotes (across speakers and below the threshold) unless a newer link put another quote of the
    same column in that row or the pair, or rows it would join, is unlinked; an unlink always
    keeps two quotes apart. Links naming unknown quotes or two quotes of one column are ignored.
    """
    ordered = sorted(quotes, key=lambda q: (q.column, q.position, str(q.key)))
    index = {q.key: i for i, q in enumerate(ordered)}
    if len(index) != len(ordered):
        raise ValueError("quote keys must be unique")
    unlinked = {frozenset(p) for p in _index_pairs(unlinks, index)}
    rows = _Rows(ordered, unlinked)
    # Newest correction first, so it wins over an older one it contradicts.
    for a, b in reversed(_index_pairs(links, index)):
        if rows.can_merge(a, b, check_speakers=False):
            rows.merge(a, b, manual=True)

    scores = _similarity_matrix(ordered) if ordered else np.zeros((0, 0))
    columns = np.array([q.column for q in ordered])
    candidate = (scores >= threshold) & (columns[:, None] != columns[None, :])
    first, second = np.nonzero(np.triu(candidate, k=1))
    order = np.lexsort((second, first, -scores[first, second]))
    for a, b in zip(first[order].tolist(), second[order].tolist(), strict=True):
        if rows.can_merge(a, b, check_speakers=True):
            rows.merge(a, b, manual=False)

    return _finish(ordered, rows, scores)


def _finish(ordered: Sequence[QuoteRef], rows: _Rows, scores: np.ndarray) -> list[AlignedRow]:
    result = []
    for group, members in rows.members.items():
        members.sort(key=lambda i: ordered[i].column)
        pair_scores = [scores[i, j] for n, i in enumerate(members) for j in members[n + 1 :]]
        score = float(np.mean(pair_scores)) if pair_scores else 1.0
        start = min(ordered[i].position for i in members)
        row = AlignedRow(
            members={ordered[i].column: ordered[i] for i in members},
            score=score,
            manual=group in rows.manual,
        )
        result.append((start, ordered[members[0]].column, members[0], row))
    result.sort(key=lambda item: item[:3])
    return [row for *_, row in result]
