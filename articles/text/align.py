"""Align the quotes of two to four outlets' articles so that renderings of one statement share a row.

Translations and rewrites share few exact words, so similarity mixes content-word overlap (light
stemming plus a small table of phrases that translators render differently), character n-grams
and a containment score for a partial quote that sits inside a longer direct quote elsewhere.
Rows are built best-first over all cross-column pairs at once; analysts' links and unlinks win.
"""

from __future__ import annotations

import itertools
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

MIN_SHARED_WEIGHT = 2.0
THIN_EVIDENCE_FACTOR = 0.5

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

# Words one of which must appear before a group's patterns are worth trying: skipping the rest
# keeps feature extraction cheap.
_PHRASE_ANCHORS: dict[str, tuple[str, ...]] = {
    "roundtheclock": ("clock", "hours a day", "24/7", "day and night"),
    "callspade": ("spade", "name"),
    "defacto": ("fact", "effect", "actually", "basically", "essentially"),
    "freeofcharge": ("free",),
    "unitedkingdom": ("kingdom", "britain", "england", "u.k."),
    "unitedstates": ("united states", "u.s", "america"),
    "takeintoaccount": ("take", "consider"),
    "atwar": ("war", "fighting"),
    "bloc": ("bloc", "united front"),
}
_PHRASE_RES = [
    (name, _PHRASE_ANCHORS[name], re.compile(r"\b(?:" + "|".join(pats) + r")(?!\w)"))
    for name, pats in PHRASE_GROUPS.items()
]
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
    surface: str  # content words as written (lower case), space-padded, for character n-grams
    word_weight: float


@lru_cache(maxsize=65536)
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


def _canonical_phrases(text: str) -> str:
    for name, anchors, pattern in _PHRASE_RES:
        if any(anchor in text for anchor in anchors):
            text = pattern.sub(f" {name} ", text)
    return text


@lru_cache(maxsize=65536)
def _content_word(word: str) -> str | None:
    if word.endswith("'s"):
        word = word[:-2]
    if word in STOP_WORDS:
        return None
    return WORD_SYNONYMS.get(word, word)


@lru_cache(maxsize=4096)
def _features(text: str) -> _Features:
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    # "US" is only a country when written in capitals; "us" is a pronoun.
    text = _US_RE.sub(" unitedstates ", text)
    text = _canonical_phrases(text.lower())
    surface = [w for w in map(_content_word, _WORD_RE.findall(text)) if w]
    words = frozenset(map(_light_stem, surface))
    padded = " " + " ".join(surface) + " " if surface else ""
    return _Features(words, padded, sum(_token_weight(w) for w in words))


def _ngram_incidence(surfaces: Sequence[str]) -> sparse.csr_matrix:
    """Quotes by distinct character n-grams, hashed in one pass over all the quotes."""
    ends = np.cumsum([len(s) for s in surfaces])
    codes = np.frombuffer("".join(surfaces).encode("utf-32-le", "surrogatepass"), np.uint32)
    count = max(0, len(codes) - NGRAM_SIZE + 1)
    hashes = np.zeros(count, dtype=np.uint64)
    # A polynomial hash that wraps around 2**64: collisions are possible but vanishingly rare.
    for offset in range(NGRAM_SIZE):
        hashes = hashes * np.uint64(1_000_003) + codes[offset : offset + count]
    starts = np.arange(count)
    rows = np.searchsorted(ends, starts, side="right")
    inside = starts + NGRAM_SIZE <= ends[rows] if count else np.zeros(0, bool)
    rows, hashes = rows[inside], hashes[inside]
    distinct, cols = np.unique(hashes, return_inverse=True)
    shape = (len(surfaces), max(1, len(distinct)))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols.ravel())), shape=shape)
    # A quote either has an n-gram or not: repeats inside one quote add nothing.
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    shape = np.broadcast_shapes(top.shape, bottom.shape)
    return np.divide(top, bottom, out=np.zeros(shape), where=bottom > 0)


def _combine(word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b) -> np.ndarray:
    """Score from overlap counts; works on floats and on numpy arrays alike."""
    word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b = (
        np.asarray(x, dtype=float)
        for x in (word_common, weight_a, weight_b, ngram_common, ngrams_a, ngrams_b)
    )
    lighter = np.minimum(weight_a, weight_b)
    whole = WORD_SHARE * _ratio(2 * word_common, weight_a + weight_b)
    whole += (1 - WORD_SHARE) * _ratio(2 * ngram_common, ngrams_a + ngrams_b)
    inside = WORD_SHARE * _ratio(word_common, lighter)
    inside += (1 - WORD_SHARE) * _ratio(ngram_common, np.minimum(ngrams_a, ngrams_b))
    inside *= np.minimum(1.0, lighter / FRAGMENT_FULL_WEIGHT) * FRAGMENT_DISCOUNT
    # One shared ordinary word ("picture", "simple") is what unrelated short quotes have in
    # common; it counts fully only when it is all that either quote says.
    thin = (word_common < MIN_SHARED_WEIGHT) & (np.maximum(weight_a, weight_b) > word_common)
    score = np.maximum(whole, inside) * np.where(thin, THIN_EVIDENCE_FACTOR, 1.0)
    return np.clip(score, 0.0, 1.0)


def quote_similarity(a: str, b: str) -> float:
    """How likely two quotes render the same statement, from 0 (unrelated) to 1 (same words)."""
    fa, fb = _features(a), _features(b)
    if not fa.words and not fb.words:
        return 1.0 if a.strip().casefold() == b.strip().casefold() else 0.0
    common = fa.words & fb.words
    ngrams = _ngram_incidence([fa.surface, fb.surface])
    sizes = ngrams.sum(axis=1).A1
    score = _combine(
        sum(_token_weight(w) for w in common),
        fa.word_weight,
        fb.word_weight,
        (ngrams[0] @ ngrams[1].T).sum(),
        sizes[0],
        sizes[1],
    )
    return float(score)


def _word_incidence(features: list[_Features]) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    cols = [vocabulary.setdefault(w, len(vocabulary)) for f in features for w in f.words]
    rows = np.repeat(np.arange(len(features)), [len(f.words) for f in features])
    # Square roots, so that a product of two rows sums the weights of the words they share.
    weights = np.sqrt([_token_weight(word) for word in vocabulary])
    data = weights[cols] if cols else np.zeros(0)
    shape = (len(features), max(1, len(vocabulary)))
    return sparse.csr_matrix((data, (rows, cols)), shape=shape)


# Up to this many quotes, what every two share is counted with Python sets: building scipy's
# sparse matrices costs more than that for the few quotes of an everyday comparison (two
# articles with eight quotes between them: 0.45 -> 0.16 ms; even at about 20 quotes).
SMALL_INPUT = 16


def _overlaps_by_sets(features: list[_Features]) -> tuple[np.ndarray, ...]:
    """The same numbers as _Overlaps' matrix products (shared word weight, shared n-grams,
    n-grams per quote), bit for bit: each shared word adds the square of its weight's root, in
    the order of the word matrix's columns (words as first met), as the product sums them."""
    grams = [
        {f.surface[k : k + NGRAM_SIZE] for k in range(len(f.surface) - NGRAM_SIZE + 1)}
        for f in features
    ]
    vocabulary: dict[str, int] = {}
    for f in features:
        for w in f.words:
            vocabulary.setdefault(w, len(vocabulary))
    rows = [
        [(w, float(np.sqrt(_token_weight(w)))) for w in sorted(f.words, key=vocabulary.__getitem__)]
        for f in features
    ]
    n = len(features)
    word_common = [[0.0] * n for _ in range(n)]
    ngram_common = [[0.0] * n for _ in range(n)]
    # Both products are symmetric to the bit: a pair's shared words are summed in one order.
    for i in range(n):
        mine, my_grams = rows[i], grams[i]
        for j in range(i, n):
            other = features[j].words
            total = 0.0
            for word, root in mine:
                if word in other:
                    total += root * root
            word_common[i][j] = word_common[j][i] = total
            ngram_common[i][j] = ngram_common[j][i] = float(len(my_grams & grams[j]))
    counts = np.array([float(len(g)) for g in grams])
    return np.array(word_common).reshape(n, n), np.array(ngram_common).reshape(n, n), counts


class _Overlaps:
    """What every two quotes share, from which any pair's similarity follows."""

    def __init__(self, quotes: Sequence[QuoteRef]):
        self.texts = [q.text for q in quotes]
        features = [_features(text) for text in self.texts]
        if len(features) <= SMALL_INPUT:
            self.word_common, self.ngram_common, self.count = _overlaps_by_sets(features)
        else:
            words = _word_incidence(features)
            ngrams = _ngram_incidence([f.surface for f in features])
            self.word_common = (words @ words.T).toarray()
            self.ngram_common = (ngrams @ ngrams.T).toarray()
            self.count = ngrams.sum(axis=1).A1
        self.weight = np.array([f.word_weight for f in features])
        # Quotes of stop words only ("what is it") match nothing but the same words.
        self.empty = np.array([not f.words for f in features], dtype=bool)

    def scores(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        scores = _combine(
            self.word_common[first, second],
            self.weight[first],
            self.weight[second],
            self.ngram_common[first, second],
            self.count[first],
            self.count[second],
        )
        for n in np.flatnonzero(self.empty[first] & self.empty[second]):
            scores[n] = quote_similarity(self.texts[first[n]], self.texts[second[n]])
        return scores

    def candidates(self, columns: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
        """Pairs across columns that reach the threshold, with their scores."""
        # Quotes come sorted by column, so each column pair is one block of the matrices.
        bounds = {
            c: (int(np.searchsorted(columns, c)), int(np.searchsorted(columns, c, "right")))
            for c in np.unique(columns).tolist()
        }
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for left, right in itertools.combinations(sorted(bounds), 2):
            (a0, a1), (b0, b1) = bounds[left], bounds[right]
            block = _combine(
                self.word_common[a0:a1, b0:b1],
                self.weight[a0:a1, None],
                self.weight[None, b0:b1],
                self.ngram_common[a0:a1, b0:b1],
                self.count[a0:a1, None],
                self.count[None, b0:b1],
            )
            first, second = np.nonzero(block >= threshold)
            found.append((first + a0, second + b0, block[first, second]))
        empty = np.flatnonzero(self.empty)
        pairs = [(i, j) for i in empty for j in empty if i < j and columns[i] != columns[j]]
        if pairs:
            first, second = (np.array(side) for side in zip(*pairs, strict=True))
            scores = self.scores(first, second)
            keep = scores >= threshold
            found.append((first[keep], second[keep], scores[keep]))
        if not found:
            return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))


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

    if not ordered:
        return []
    overlaps = _Overlaps(ordered)
    columns = np.array([q.column for q in ordered])
    first, second, scores = overlaps.candidates(columns, threshold)
    order = np.lexsort((second, first, -scores))
    for a, b in zip(first[order].tolist(), second[order].tolist(), strict=True):
        if rows.can_merge(a, b, check_speakers=True):
            rows.merge(a, b, manual=False)

    return _finish(ordered, rows, overlaps)


def _finish(ordered: Sequence[QuoteRef], rows: _Rows, overlaps: _Overlaps) -> list[AlignedRow]:
    # Every row's member pairs scored in one go: a call per row would cost more than the rest.
    owners, firsts, seconds = [], [], []
    for group, members in rows.members.items():
        for n, i in enumerate(members):
            for j in members[n + 1 :]:
                owners.append(group)
                firsts.append(i)
                seconds.append(j)
    pair_scores = overlaps.scores(np.array(firsts, int), np.array(seconds, int))
    totals: dict[int, list[float]] = {}
    for group, score in zip(owners, pair_scores.tolist(), strict=True):
        totals.setdefault(group, []).append(score)
    mean_scores = {group: sum(s) / len(s) for group, s in totals.items()}
    result = []
    for group, members in rows.members.items():
        members.sort(key=lambda i: ordered[i].column)
        score = mean_scores.get(group, 1.0)
        start = min(ordered[i].position for i in members)
        row = AlignedRow(
            members={ordered[i].column: ordered[i] for i in members},
            score=score,
            manual=group in rows.manual,
        )
        result.append((start, ordered[members[0]].column, members[0], row))
    result.sort(key=lambda item: item[:3])
    return [row for *_, row in result]
