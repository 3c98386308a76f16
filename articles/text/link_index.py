"""What the coverage index stores of one article, computed from its text alone and ready to
write: a whole corpus is indexed again in worker processes, and the process that writes the
rows should only have to write them."""

import datetime
import json
from dataclasses import dataclass

from articles.text.story import fingerprint, profile_to_dict


@dataclass(frozen=True)
class IndexEntry:
    """One article's stored fingerprint (as JSON text), keys and profile terms."""

    minhash_json: str
    profile_json: str
    band_keys: tuple[int, ...]
    blocking_keys: tuple[str, ...]
    terms: tuple[str, ...]


def index_entry(
    title: str,
    body: str,
    published: datetime.date | None = None,
    num_perm: int = 64,
    bands: int = 16,
) -> IndexEntry:
    """The index entry of one article (picklable, cheap to send back from a worker)."""
    found = fingerprint(title, body, published, num_perm, bands)
    return IndexEntry(
        # The same text a JSONField would store: json.dumps with its defaults.
        minhash_json=json.dumps(list(found.signature)),
        profile_json=json.dumps(profile_to_dict(found.profile)),
        band_keys=found.band_keys,
        blocking_keys=found.blocking_keys,
        terms=tuple(found.profile.terms),
    )


def index_entry_args(args: tuple) -> IndexEntry:
    """`index_entry(*args)`, for process pools' map."""
    return index_entry(*args)
