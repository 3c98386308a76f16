"""Same-story linking: what to keep of an article, which keys find its candidates, and how sure
we are that two articles tell one story (and as copy, rewrite, translation or own report)."""

import datetime
import functools
import heapq
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import itemgetter

from articles.text.event import participant_contrast
from articles.text.signatures import estimated_jaccard

# The one setting used for both development corpora (see bench/eval_stories.py).
SUGGEST_THRESHOLD = 0.5
# Below the threshold but worth showing an analyst as background, not as the same story.
RELATED_THRESHOLD = 0.25
DUPLICATE_JACCARD = 0.9
REWRITE_JACCARD = 0.3
# A translation or machine rendering keeps almost no five-word runs of the original.
TRANSLATION_MAX_JACCARD = 0.1
MAX_PASSAGES = 5
BACKGROUND_DOCS = 5
# Each sentence the two articles share (exact or reworded) adds this, up to MAX_PASSAGES.
PASSAGE_BONUS = 0.01
TITLE_WEIGHT = 6
LEAD_SENTENCES = 2
LEAD_WEIGHT = 3
# Two reports of one event usually name the same year; a different year is a hint of another.
YEAR_AGREEMENT = 0.3
YEAR_DISAGREEMENT = 0.2
# Two reports of one event talk about the same participants. When each article keeps naming
# people and places the other never mentions, they are more likely two events of one kind
# (two fights of one champion, two offers to one player): similarity is multiplied by
# exp(-PARTICIPANT_CONTRAST_WEIGHT * contrast) once the contrast passes the tolerance.
PARTICIPANT_CONTRAST_TOLERANCE = 0.1
PARTICIPANT_CONTRAST_WEIGHT = 2.0
# Reports of one event mostly appear within days; the further apart, the less likely.
SAME_NEWS_CYCLE_DAYS = 7
# Cosine similarity at which the score reaches one half (score = sim / (sim + this)).
HALF_SCORE_SIMILARITY = 0.14
# Two quote-rich reports of one story nearly always carry one statement in common, in some
# wording; two quote-rich articles that share none are more likely two stories about the same
# people. Only checked where it changes a decision (a score at or above SUGGEST_THRESHOLD),
# because reworded-quote similarity is the slow part of a comparison.
QUOTE_RICH = 5
QUOTES_COMPARED = 12
REWORDED_QUOTE = 0.35
UNSHARED_QUOTES_PENALTY = 0.08

STOPWORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another
    any anyone anything are around as at away back be became because become been before being
    below between both but by came can cannot could did do does doing done down during each
    either else enough even ever every few first for from further get gets getting give given
    go goes going gone got had has have having he her here hers herself him himself his how
    however i if in into is it its itself just last later least less let like made make many may
    me might more most much must my myself near never new next no nor not now of off often on
    once one only onto or other others our ours ourselves out over own per perhaps put quite
    rather really said say says saying see seem seemed seems several shall she should since so
    some something still such take than that the their theirs them themselves then there these
    they this those though through thus to too told toward towards two under until up upon us
    use used very via was we well were what whatever when where whether which while who whom
    whose why will with within without would yet you your yours yourself yourselves mr mrs ms dr
    according added also including told asked called week year years day days time today
    yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january february
    march april june july august september october november december jan feb mar apr jun jul aug
    sep sept oct nov dec am pm percent people three four five six seven eight nine ten
    """.split()
)
# Capitalised words that name a role or a kind of thing, not a particular person or place.
GENERIC_CAPITALS = frozenset(
    """
    president minister prime chancellor secretary general spokesman spokeswoman spokesperson
    press senator sen rep governor gov mayor chief director officer official head deputy
    leader king queen prince princess pope judge justice attorney sheriff police department
    ministry office state states government party city county university news newspaper times
    post daily agency inc ltd co corp company group associated reuters ap afp tass ria photo
    image video getty images read more advertisement reply comments share click subscribe
    telegram channel top back home update updated breaking exclusive live watch north south east
    west northern southern eastern western new
    """.split()
)

_APOSTROPHES = re.compile("[\u2018\u2019\u201a\u201b\u2032`\u00b4]")
_TOKEN = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*")
# The same tokens in ASCII text, where a letter or digit is one of these: a range test is
# cheaper than the Unicode category lookups of [^\W_], and most news text is ASCII.
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['.-][A-Za-z0-9]+)*")
# A sentence ends after . ! ? or … (and a closing quote) before white space, or at a line
# break. The pattern starts with the one character every break starts with (kept in group
# 1), so the regex engine skips to those characters instead of trying each position, as a
# look-behind for the punctuation made it do (about four times slower on the scale corpus).
_SENTENCE_BREAK = re.compile(r"([.!?\u2026\n])(?:(?<=\n)\n*|[\"\u201d\u00bb']?\s+)")
_QUOTED = re.compile(
    r"[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb]{12,600}?)[\"\u201d\u00bb]"
)
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class StoryProfile:
    """What we keep of one article to decide whether another tells the same story."""

    terms: Mapping[str, int] = field(hash=False)  # term -> weighted count (title counts twice)
    names: Mapping[str, int] = field(hash=False)  # name term -> count, e.g. 'peskov'
    name_forms: Mapping[str, str] = field(hash=False, compare=False)  # 'peskov' -> 'Peskov'
    numbers: frozenset[str] = frozenset()
    quotes: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()
    sentence_terms: tuple[frozenset[str], ...] = ()
    published: datetime.date | None = None
    speakers: tuple[str, ...] = ()
    word_count: int = 0


@functools.lru_cache(maxsize=1 << 16)
def term_of(word: str) -> str:
    """The comparable form of a word: casefolded, possessive and plural endings dropped.

    Remembered: a corpus says the same words over and over, and indexing 100,000 articles
    asks for the term of tens of millions of tokens."""
    word = word.casefold().replace(".", "") if "." in word else word.casefold()
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and not _DIGITS.search(word):
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
    return word


def _is_content(term: str) -> bool:
    return len(term) > 2 and term not in STOPWORDS or (term.isdigit() and len(term) >= 2)


class _ContentTerms(dict):
    """token -> its term when it is a content word, else None; remembered as `term_of` is, in
    a plain dict: a hit is a dict lookup in C, where an lru_cache hit also reorders its list,
    and reading a corpus looks up every token. Up to CONTENT_TERMS_KEPT tokens are kept."""

    def __missing__(self, token: str) -> str | None:
        term = term_of(token)
        found = term if _is_content(term) else None
        if len(self) < CONTENT_TERMS_KEPT:
            self[token] = found
        return found


CONTENT_TERMS_KEPT = 1 << 18
_content_terms = _ContentTerms()
_content_term = _content_terms.__getitem__


class _NameTerms(dict):
    """token -> its term when the token could be a name (capitalised, a content word, not a
    generic capital such as 'President'), else None; remembered as the content terms are, so
    that finding an article's names tests no token's capital in Python."""

    def __missing__(self, token: str) -> str | None:
        term = _content_term(token)
        if term in GENERIC_CAPITALS or not token[0].isupper():
            term = None
        if len(self) < CONTENT_TERMS_KEPT:
            self[token] = term
        return term


_name_term = _NameTerms().__getitem__


def _clean(text: str) -> str:
    if text.isascii():
        # NFKC leaves ASCII as it is, and the backtick is its only apostrophe look-alike.
        return text.replace("`", "'")
    return _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text))


def _split_sentences(text: str) -> list[str]:
    """The text's sentences, each with its closing punctuation (a line break is dropped)."""
    parts = _SENTENCE_BREAK.split(text)
    # split gives text, break, text, break, ..., text: a sentence keeps the break's . ! ? …
    ends = parts[1::2] + ["\n"]
    sentences = (
        part if end == "\n" else part + end for part, end in zip(parts[::2], ends, strict=True)
    )
    return [s for s in map(str.strip, sentences) if s]


def _tokens(text: str) -> list[str]:
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


def story_profile(
    title: str,
    body: str,
    published: datetime.date | None = None,
    speakers: Sequence[str] = (),
) -> StoryProfile:
    """Read one article into the evidence `compare` needs: terms, names, numbers, quotes."""
    title, body = _clean(title), _clean(body)
    sentences = _split_sentences(body)
    tokenised = list(map(_tokens, sentences))
    title_tokens = _tokens(title)

    # Each token's term once (None for a word that is not a content word).
    found_terms = [list(map(_content_term, tokens)) for tokens in tokenised]
    # A capitalised word counts as a name only where its capital is not explained by the
    # start of a sentence, so we first learn which words the text capitalises mid-sentence.
    # Only content terms can be names, so only theirs are needed, and they come from the
    # remembered content terms: `term_of`'s own cache holds 65,536 words, fewer than the
    # distinct capitalised words of a large news corpus, and past that every call missed it.
    # (Of these, only the ones that could be names are asked about.)
    name_terms = [list(map(_name_term, tokens)) for tokens in tokenised]
    mid_capitals = set(chain.from_iterable(found[1:] for found in name_terms))

    terms: Counter[str] = Counter()
    names: Counter[str] = Counter()
    name_forms: dict[str, str] = {}
    numbers: set[str] = set()
    kept_sentences: list[str] = []
    sentence_terms: list[frozenset[str]] = []
    word_count = 0
    for position, (sentence, tokens, found, could_name) in enumerate(
        zip(sentences, tokenised, found_terms, name_terms, strict=True)
    ):
        word_count += len(tokens)
        # News puts the event itself in the lead: the first sentences weigh more.
        weight = LEAD_WEIGHT if position < LEAD_SENTENCES else 1
        content = [term for term in found if term is not None]
        if weight == 1:
            terms.update(content)
        else:
            for term in content:
                terms[term] += weight
        in_sentence = set(content)
        numbers.update(term for term in in_sentence if term[0].isdigit())
        # Only a capitalised content word can be a name (a number never is): the positions
        # of those that could be are the ones with a term in `could_name`.
        for i in compress(range(len(tokens)), could_name):
            term = could_name[i]
            if i > 0 or term in mid_capitals:
                names[term] += 1
                name_forms.setdefault(term, tokens[i].removesuffix("'s"))
        if len(in_sentence) >= 4:
            kept_sentences.append(sentence)
            sentence_terms.append(frozenset(in_sentence))

    for token in title_tokens:
        term = _content_term(token)
        if term is not None:
            terms[term] += TITLE_WEIGHT
            if term in names:
                names[term] += 1

    quotes = tuple(q.strip() for q in _QUOTED.findall(body) if len(q.split()) >= 4)
    return StoryProfile(
        terms=dict(terms),
        names=dict(names),
        name_forms=name_forms,
        numbers=frozenset(numbers),
        quotes=quotes,
        sentences=tuple(kept_sentences),
        sentence_terms=tuple(sentence_terms),
        published=published,
        speakers=tuple(sorted({s.casefold().strip() for s in speakers if s.strip()})),
        word_count=word_count,
    )


def blocking_keys(profile: StoryProfile, limit: int = 12) -> list[str]:
    """A few keys naming what the article is about, most telling first ('n:peskov', 't:...').

    Candidates are the articles that share at least one key, looked up in an indexed table,
    so no pair is ever compared just because both exist. Without corpus statistics here, we
    trust the article itself: its most repeated names first, then its most repeated long
    words (rare words tend to be long), so a story told without names still finds its kin.
    """
    # nsmallest(n, ...) is sorted(...)[:n] without sorting an article's hundreds of terms. It
    # ranks (minus count, term) tuples as they are: each is unique (a term once), so no key
    # function is needed, nor a tie broken by position. The cheap length test goes first.
    names = profile.names
    few_names = len(names) < 4
    ranked_names = heapq.nsmallest(
        max(1, limit * 2 // 3),
        [(-count, name) for name, count in names.items() if count >= 2 or few_names],
    )
    keys = [f"n:{name}" for _, name in ranked_names][:limit]
    keys.extend(f"t:{term}" for term in _telling_words(profile.terms, names, limit - len(keys)))
    return keys


def _telling_words(terms: Mapping[str, int], names: Mapping[str, int], wanted: int) -> list[str]:
    """The `wanted` long words (six characters or more; not names, not numbers) of highest
    count times length (length counted up to ten), of equal ones the first in sort order."""
    if wanted <= 0:
        return []
    # A word scores at most ten times its count. So, walking the terms from the most repeated,
    # once `wanted` words are found, a word whose count times ten is below the lowest of their
    # scores ranks below all of them, as does every word after it: only the most repeated
    # tens of an article's hundreds of terms are looked at (on the scale corpus, blocking
    # keys took a quarter of the CPU of reading an article when every term was scored).
    ranked: list[tuple[int, str]] = []
    bar = None
    for term, count in sorted(terms.items(), key=itemgetter(1), reverse=True):
        if bar is not None and count * 10 < bar:
            break
        if len(term) >= 6 and term not in names and not term[0].isdigit():
            ranked.append((-count * min(len(term), 10), term))
            if bar is None and len(ranked) == wanted:
                bar = -max(ranked)[0]  # the lowest score of the first `wanted`
    return [term for _, term in heapq.nsmallest(wanted, ranked)]


@dataclass(frozen=True)
class LinkEvidence:
    """How sure we are that two articles tell the same story, and what shows it."""

    score: float
    relation: str
    text_similarity: float
    shared_names: tuple[str, ...]
    shared_terms: tuple[str, ...]
    shared_passages: tuple[tuple[str, str], ...]
    days_apart: int | None

    def as_json(self) -> dict:
        """The evidence stored with a link: what an analyst needs to judge it."""
        return {
            "score": self.score,
            "text_similarity": round(self.text_similarity, 4),
            "shared_names": list(self.shared_names),
            "shared_terms": list(self.shared_terms),
            "shared_passages": [list(pair) for pair in self.shared_passages],
            "days_apart": self.days_apart,
        }


def _weighted(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    return {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items() if idf[t] > 0}


def _years_agree(a: StoryProfile, b: StoryProfile) -> int:
    """+1 when both articles' latest mentioned year is the same, -1 when it differs, else 0."""
    year_a, year_b = _latest_year(a), _latest_year(b)
    if year_a is None or year_b is None:
        return 0
    return 1 if year_a == year_b else -1


def _latest_year(profile: StoryProfile) -> int | None:
    years = [
        int(n) for n in profile.numbers if len(n) == 4 and n.isdigit() and 1900 < int(n) < 2100
    ]
    return max(years, default=None)


def _sentence_weights(profile: StoryProfile, idf: Mapping[str, float]) -> list[float]:
    """Each sentence's idf weight: the sum over its terms."""
    get = idf.get
    return [sum(map(get, terms, repeat(0.0))) for terms in profile.sentence_terms]


def _shared_passages(
    a: StoryProfile,
    b: StoryProfile,
    idf: Mapping[str, float],
    weights_a: list[float] | None = None,
    weights_b: list[float] | None = None,
) -> list[tuple[int, int, float]]:
    """Sentence pairs that say the same thing, exactly or in other words: (i, j, overlap)."""
    if weights_a is None:
        weights_a = _sentence_weights(a, idf)
    if weights_b is None:
        weights_b = _sentence_weights(b, idf)
    get = idf.get
    pairs = []
    # Articles hold tens of sentences, so intersecting every pair of sentences' term sets
    # (in C) costs less than building an index of where each term occurs.
    for i, terms_a in enumerate(a.sentence_terms):
        for j, terms_b in enumerate(b.sentence_terms):
            shared = terms_a & terms_b
            if len(shared) < 4:
                continue
            shared_weight = sum(map(get, shared, repeat(0.0)))
            smaller = min(weights_a[i], weights_b[j])
            overlap = shared_weight / smaller if smaller else 0.0
            if overlap >= 0.45:
                pairs.append((i, j, overlap))
    # One partner per sentence, best first. Overlaps are sums over sets, whose order (and so
    # the last bits of the sum) changes with the process's string hashing: rounded, and ties
    # broken by position, the choice is the same in every process.
    pairs.sort(key=lambda p: (-round(p[2], 9), p[0], p[1]))
    used_a, used_b, chosen = set(), set(), []
    for i, j, overlap in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            chosen.append((i, j, overlap))
    return chosen


def _passage_count(pairs: list[tuple[int, int, float]]) -> int:
    # Counted from both sides so the score stays symmetric whatever order ties were broken in.
    return min(len({i for i, _, _ in pairs}), len({j for _, j, _ in pairs}))


def _in_same_order(pairs: list[tuple[int, int, float]]) -> float:
    """Share of aligned passage pairs that keep the same order in both articles."""
    if len(pairs) < 2:
        return 0.0
    ordered = sorted(pairs)
    agree = sum(1 for p, q in zip(ordered, ordered[1:], strict=False) if q[1] > p[1])
    return agree / (len(ordered) - 1)


def _quote_terms(quote: str) -> frozenset[str]:
    return frozenset(t for t in map(term_of, _TOKEN.findall(quote)) if _is_content(t))


def share_a_quote(quotes_a: Sequence[str], quotes_b: Sequence[str]) -> bool:
    """Whether one statement appears in both lists of quotes, exactly or in other words."""
    from articles.text.align import quote_similarity

    terms_b = [(q, _quote_terms(q)) for q in quotes_b[:QUOTES_COMPARED]]
    for qa in quotes_a[:QUOTES_COMPARED]:
        terms_a = _quote_terms(qa)
        for qb, tb in terms_b:
            # Reworded renderings keep at least two content words; skip the slow measure
            # for pairs that do not.
            if len(terms_a & tb) >= 2 and quote_similarity(qa, qb) >= REWORDED_QUOTE:
                return True
    return False


class StoryScorer:
    """`compare` for many pairs under one corpus's document frequencies.

    Linking a corpus compares each article with several others, so the idf of each term and
    each article's weighted terms are worked out once here rather than once per pair. The
    cache holds the profiles themselves (keyed by identity), so keep one scorer per batch of
    loaded articles, not for a whole corpus.
    """

    def __init__(self, doc_freq: Mapping[str, int], n_docs: int, idf: dict | None = None):
        self.doc_freq = doc_freq
        self.total = math.log(max(n_docs, 2) + BACKGROUND_DOCS)
        self.idf = {} if idf is None else idf
        # id(profile) -> (profile, weighted terms, squared norm, sentence weights or None)
        self._vectors: dict[int, tuple] = {}

    def idf_of(self, terms) -> dict[str, float]:
        """{term: idf} for these terms, remembered for the next pair."""
        # Pretending the corpus also holds BACKGROUND_DOCS articles without the term keeps
        # words shared by all five articles of a tiny corpus from weighing nothing; on a large
        # corpus it changes nothing. A term the corpus has not counted yet counts as seen once.
        known, get, total, log = self.idf, self.doc_freq.get, self.total, math.log
        missing = [t for t in terms if t not in known]
        for term in missing:
            known[term] = total - log(max(1, get(term, 1)) + 0.5)
        return known

    def _vector(self, profile: StoryProfile) -> tuple[dict[str, float], float]:
        cached = self._vectors.get(id(profile))
        if cached is None or cached[0] is not profile:
            idf = self.idf_of(profile.terms)
            weighted = _weighted(profile.terms, idf)
            cached = (profile, weighted, sum(w * w for w in weighted.values()), None)
            self._vectors[id(profile)] = cached
        return cached[1], cached[2]

    def _sentences(self, profile: StoryProfile) -> list[float]:
        """The profile's sentence weights (see `_sentence_weights`), worked out once."""
        self._vector(profile)
        cached = self._vectors[id(profile)]
        if cached[3] is None:
            cached = (*cached[:3], _sentence_weights(profile, self.idf))
            self._vectors[id(profile)] = cached
        return cached[3]

    def _cosine(self, a: StoryProfile, b: StoryProfile) -> float:
        (wa, na), (wb, nb) = self._vector(a), self._vector(b)
        if len(wa) > len(wb):
            wa, wb = wb, wa
        dot = sum(w * wb[t] for t, w in wa.items() if t in wb)
        if not dot:
            return 0.0
        return dot / math.sqrt(na * nb)

    def compare(
        self,
        a: StoryProfile,
        b: StoryProfile,
        sig_a: tuple[int, ...] | None = None,
        sig_b: tuple[int, ...] | None = None,
        language_a: str = "",
        language_b: str = "",
    ) -> LinkEvidence:
        """Weigh the evidence that `a` and `b` tell the same story; symmetric in its score."""
        text_similarity = (
            estimated_jaccard(sig_a, sig_b) if sig_a is not None and sig_b is not None else 0.0
        )
        similarity = self._cosine(a, b)
        # Weighing both articles' terms put every term of the pair into the idf cache.
        idf = self.idf
        years = _years_agree(a, b)
        similarity *= 1.0 + (YEAR_AGREEMENT if years > 0 else YEAR_DISAGREEMENT * years)
        contrast = participant_contrast(a.names, a.terms, b.names, b.terms)
        if contrast > PARTICIPANT_CONTRAST_TOLERANCE:
            similarity *= math.exp(
                -PARTICIPANT_CONTRAST_WEIGHT * (contrast - PARTICIPANT_CONTRAST_TOLERANCE)
            )
        days_apart = None
        if a.published is not None and b.published is not None:
            days_apart = abs((a.published - b.published).days)
            similarity /= 1.0 + max(0, days_apart - SAME_NEWS_CYCLE_DAYS) / SAME_NEWS_CYCLE_DAYS
        similarity = max(0.0, similarity)
        passages: list[tuple[int, int, float]] = []
        if similarity >= HALF_SCORE_SIMILARITY / 3:
            passages = _shared_passages(a, b, idf, self._sentences(a), self._sentences(b))
            similarity += PASSAGE_BONUS * min(MAX_PASSAGES, _passage_count(passages))
        score = similarity / (similarity + HALF_SCORE_SIMILARITY)
        if (
            score >= SUGGEST_THRESHOLD
            and min(len(a.quotes), len(b.quotes)) >= QUOTE_RICH
            and not share_a_quote(a.quotes, b.quotes)
        ):
            score -= UNSHARED_QUOTES_PENALTY
        score = max(score, text_similarity)

        # The evidence shows the ten rarest of each; nsmallest is sorted()[:10] without
        # sorting the hundred-odd terms two related articles share.
        def rarest(terms):
            return heapq.nsmallest(10, terms, key=lambda t: (-idf[t], t))

        names_in_common = a.names.keys() & b.names.keys()
        shared_names = rarest(names_in_common)
        shared_terms = rarest((a.terms.keys() & b.terms.keys()) - names_in_common)
        relation = _relation(score, text_similarity, passages, a, b, language_a, language_b)
        return LinkEvidence(
            score=round(min(1.0, max(0.0, score)), 4),
            relation=relation,
            text_similarity=text_similarity,
            shared_names=tuple(a.name_forms.get(t, t) for t in shared_names),
            shared_terms=tuple(shared_terms),
            shared_passages=tuple(
                (a.sentences[i], b.sentences[j]) for i, j, _ in passages[:MAX_PASSAGES]
            ),
            days_apart=days_apart,
        )


def compare(
    a: StoryProfile,
    b: StoryProfile,
    doc_freq: Mapping[str, int],
    n_docs: int,
    sig_a: tuple[int, ...] | None = None,
    sig_b: tuple[int, ...] | None = None,
    language_a: str = "",
    language_b: str = "",
) -> LinkEvidence:
    """Weigh the evidence that `a` and `b` tell the same story; symmetric in its score.

    One pair on its own; use a `StoryScorer` to compare many under the same statistics."""
    return StoryScorer(doc_freq, n_docs).compare(a, b, sig_a, sig_b, language_a, language_b)


def scored_pairs(
    article_id: int,
    profile: StoryProfile,
    signature: tuple[int, ...],
    language: str,
    others: Mapping[int, tuple[StoryProfile, tuple[int, ...], str]],
    scorer: StoryScorer,
) -> list[tuple[int, int, str, float, dict]]:
    """(first id, second id, relation, score, evidence) for each of `others` worth suggesting
    as linked to the article: plain values, so worker processes can send them back."""
    found_links = []
    for other_id, (other_profile, other_sig, other_language) in others.items():
        # The lower id always goes first, so a pair scores the same whichever side asks.
        a_first = article_id < other_id
        pa, pb = (profile, other_profile) if a_first else (other_profile, profile)
        sa, sb = (signature, other_sig) if a_first else (other_sig, signature)
        la, lb = (language, other_language) if a_first else (other_language, language)
        found = scorer.compare(pa, pb, sa, sb, la, lb)
        if found.score < RELATED_THRESHOLD or found.relation == "unrelated":
            continue
        found_links.append(
            (
                min(article_id, other_id),
                max(article_id, other_id),
                found.relation,
                found.score,
                found.as_json(),
            )
        )
    return found_links


# Corpus statistics of a scoring worker process (doc_freq, n_docs, idf cache), set once by
# start_scoring so each batch sent to it carries only its articles.
_worker_stats: tuple | None = None


def start_scoring(doc_freq: Mapping[str, int], n_docs: int) -> None:
    """Process pool initializer for `score_batch`."""
    global _worker_stats
    _worker_stats = (doc_freq, n_docs, {})


def score_batch(item: tuple, stats: tuple | None = None) -> list[tuple]:
    """Score one batch: (stored {id: (profile JSON, signature JSON, language)}, [(first id,
    [other ids])]), under `stats` (doc_freq, n_docs, idf cache) or the worker's own."""
    stored, by_first = item
    loaded = {
        article_id: (
            profile_from_dict(json.loads(profile)),
            tuple(json.loads(sig)),
            language,
        )
        for article_id, (profile, sig, language) in stored.items()
    }
    doc_freq, n_docs, idf = stats if stats is not None else _worker_stats
    # One scorer per batch: it caches each loaded article's weighted terms.
    scorer = StoryScorer(doc_freq, n_docs, idf)
    scored = []
    for a, others in by_first:
        scored.extend(scored_pairs(a, *loaded[a], {b: loaded[b] for b in others}, scorer))
    return scored


def _relation(
    score: float,
    text_similarity: float,
    passages: list[tuple[int, int, float]],
    a: StoryProfile,
    b: StoryProfile,
    language_a: str,
    language_b: str,
) -> str:
    if text_similarity >= DUPLICATE_JACCARD:
        return "duplicate"
    if text_similarity >= REWRITE_JACCARD:
        return "rewrite"
    if score < RELATED_THRESHOLD:
        return "unrelated"
    if score < SUGGEST_THRESHOLD:
        return "related"
    if language_a and language_b and language_a != language_b:
        return "translation"
    shorter = min(len(a.sentences), len(b.sentences)) or 1
    if (
        text_similarity <= TRANSLATION_MAX_JACCARD
        and len(passages) >= 3
        and len(passages) / shorter >= 0.4
        and _in_same_order(passages) >= 0.7
    ):
        return "translation"
    return "same story"


def profile_to_dict(profile: StoryProfile) -> dict:
    """A profile as plain JSON values, so it can be stored and compared later without re-reading."""
    return {
        "terms": dict(profile.terms),
        "names": dict(profile.names),
        "name_forms": dict(profile.name_forms),
        "numbers": sorted(profile.numbers),
        "quotes": list(profile.quotes),
        "sentences": list(profile.sentences),
        "sentence_terms": [sorted(terms) for terms in profile.sentence_terms],
        "published": profile.published.isoformat() if profile.published else None,
        "speakers": list(profile.speakers),
        "word_count": profile.word_count,
    }


def profile_from_dict(data: Mapping) -> StoryProfile:
    """The inverse of `profile_to_dict`."""
    published = data.get("published")
    return StoryProfile(
        terms=dict(data.get("terms", {})),
        names=dict(data.get("names", {})),
        name_forms=dict(data.get("name_forms", {})),
        numbers=frozenset(data.get("numbers", ())),
        quotes=tuple(data.get("quotes", ())),
        sentences=tuple(data.get("sentences", ())),
        sentence_terms=tuple(frozenset(terms) for terms in data.get("sentence_terms", ())),
        published=datetime.date.fromisoformat(published) if published else None,
        speakers=tuple(data.get("speakers", ())),
        word_count=int(data.get("word_count", 0)),
    )


@dataclass(frozen=True)
class Fingerprint:
    """Everything the linker stores of one article, computed from its text alone."""

    profile: StoryProfile
    signature: tuple[int, ...]
    band_keys: tuple[int, ...]
    blocking_keys: tuple[str, ...]


def fingerprint(
    title: str,
    body: str,
    published: datetime.date | None = None,
    num_perm: int = 64,
    bands: int = 16,
) -> Fingerprint:
    """Profile, MinHash signature, LSH band keys and blocking keys of one article (picklable,
    so a large re-index can spread it over processes)."""
    from articles.text.signatures import band_keys, minhash, shingles

    profile = story_profile(title, body, published)
    signature = minhash(shingles(title + "\n" + body), num_perm=num_perm)
    return Fingerprint(
        profile=profile,
        signature=signature,
        band_keys=tuple(band_keys(signature, bands=bands)),
        blocking_keys=tuple(k[:100] for k in blocking_keys(profile)),
    )
