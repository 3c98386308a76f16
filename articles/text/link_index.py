"""What the coverage index stores of one article, computed from its text alone and ready to
write: a whole corpus is indexed again in worker processes, and the process that writes the
rows should only have to write them."""

import datetime
import json
from collections import Counter
from dataclasses import dataclass

from articles.text.story import fingerprint, profile_to_dict


@dataclass(frozen=True)
class IndexEntry:
    """One article's stored fingerprint (as JSON text) and keys."""

    minhash_json: str
    profile_json: str
    band_keys: tuple[int, ...]
    blocking_keys: tuple[str, ...]


def index_entry(
    title: str,
    body: str,
    published: datetime.date | None = None,
    num_perm: int = 64,
    bands: int = 16,
) -> IndexEntry:
    """The index entry of one article (picklable, cheap to send back from a worker)."""
    return _entry_and_terms(title, body, published, num_perm, bands)[0]


def _entry_and_terms(title, body, published, num_perm, bands) -> tuple[IndexEntry, dict]:
    found = fingerprint(title, body, published, num_perm, bands)
    entry = IndexEntry(
        # The same text a JSONField would store: json.dumps with its defaults.
        minhash_json=json.dumps(list(found.signature)),
        profile_json=json.dumps(profile_to_dict(found.profile)),
        band_keys=found.band_keys,
        blocking_keys=found.blocking_keys,
    )
    return entry, found.profile.terms


def index_batch(articles: list[tuple], term_max: int) -> tuple[list[IndexEntry], Counter]:
    """The index entries of a few articles (each given as `index_entry`'s arguments), and in
    how many of them each term of at most `term_max` characters occurs.

    The terms are counted here rather than sent back with each entry: a worker's counts of a
    hundred articles hold each term once, where the articles' own lists repeat the common ones
    a hundred times, each to be pickled, read back and counted again by the writing process.
    Counts list the terms in the order they first occur, as counting article by article would.
    """
    entries, counts = [], Counter()
    for args in articles:
        entry, terms = _entry_and_terms(*args)
        entries.append(entry)
        if terms and max(map(len, terms)) > term_max:  # rare: count only the short
            terms = [t for t in terms if len(t) <= term_max]
        counts.update(iter(terms))  # each term once (a mapping would add its values)
    return entries, counts
