"""Near-duplicate signatures: word shingles, MinHash and LSH band keys to find copies of a text."""

import hashlib
import re
import unicodedata

import numpy as np

# Everything here must give the same numbers in every process and on every machine, because
# band keys are stored in the database and compared with keys computed years later.

MAX_VALUE = (1 << 63) - 1  # signature values fit a signed BigIntegerField
_MASK64 = (1 << 64) - 1

# str.translate is slow on long texts; one regex pass folds every apostrophe style.
_APOSTROPHES = re.compile("[\u2018\u2019\u201a\u201b\u2032`\u00b4]")
# A word is a run of letters/digits, keeping inner apostrophes ("don't", "Kiev's") whole.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# The same words in casefolded ASCII text: a range test is cheaper than the Unicode category
# lookups of [^\W_].
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def normalised_words(text: str) -> list[str]:
    """Words casefolded, with quote styles and compatibility characters folded."""
    if text.isascii():
        # NFKC leaves ASCII as it is, and the backtick is its only apostrophe look-alike.
        return _ASCII_WORD.findall(text.replace("`", "'").casefold())
    folded = _APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).casefold()
    return _WORD.findall(folded)


class _WordHashes(dict):
    """word -> its 64-bit hash. Words repeat across a corpus, so each distinct word is hashed
    once (up to 500,000 of them kept); a hit is a plain dict lookup in C."""

    def __missing__(self, word: str) -> int:
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        if len(self) < 500_000:
            self[word] = h
        return h


_word_hashes = _WordHashes()
_word_hash = _word_hashes.__getitem__


def shingles(text: str, size: int = 5) -> set[int]:
    """Hashed overlapping runs of `size` words; a text shorter than that is one shingle."""
    if size < 1:
        raise ValueError("shingle size must be at least 1")
    words = normalised_words(text)
    if not words:
        return set()
    hashes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    width = min(size, len(hashes))
    count = len(hashes) - width + 1
    # Chain the word hashes through a mixer so word order matters within a shingle.
    combined = _splitmix64(hashes[:count])
    for offset in range(1, width):
        combined ^= hashes[offset : offset + count]
        combined = _splitmix64(combined, in_place=True)
    return set(combined.tolist())


_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_FACTORS = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _splitmix64(z: np.ndarray, in_place: bool = False) -> np.ndarray:
    # A strong 64-bit mixer: xor-ing a different seed per permutation into it gives
    # independent-looking hash functions, which is all MinHash needs. Worked in place on a
    # copy (or on `z` itself when the caller allows): a MinHash of a long text mixes a
    # 64-row matrix, and fresh arrays at every step cost more than the arithmetic.
    z = z if in_place else z.copy()
    shifted = np.empty_like(z)
    with np.errstate(over="ignore"):
        for shift, factor in zip(_SHIFTS, _FACTORS, strict=False):
            np.right_shift(z, shift, out=shifted)
            z ^= shifted
            z *= factor
        np.right_shift(z, _SHIFTS[2], out=shifted)
        z ^= shifted
    return z


_seed_cache: dict[tuple[int, int], np.ndarray] = {}


def _permutation_seeds(num_perm: int, seed: int) -> np.ndarray:
    key = (num_perm, seed)
    if key not in _seed_cache:
        offset = (seed * 0x9E3779B97F4A7C15) & _MASK64
        counter = np.arange(1, num_perm + 1, dtype=np.uint64) + np.uint64(offset)
        _seed_cache[key] = _splitmix64(counter).reshape(-1, 1)
    return _seed_cache[key]


def empty_signature(num_perm: int = 64) -> tuple[int, ...]:
    """The signature of a text with no words: it matches nothing."""
    return (MAX_VALUE,) * num_perm


def minhash(shingle_set: set[int], num_perm: int = 64, seed: int = 1) -> tuple[int, ...]:
    """MinHash signature: per hash function, the smallest hashed shingle (values < 2**63)."""
    if num_perm < 1:
        raise ValueError("num_perm must be at least 1")
    if not shingle_set:
        return empty_signature(num_perm)
    values = np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))
    mixed = _splitmix64(values.reshape(1, -1) ^ _permutation_seeds(num_perm, seed), in_place=True)
    return tuple((mixed.min(axis=1) >> np.uint64(1)).tolist())


def band_keys(signature: tuple[int, ...], bands: int = 16) -> list[int]:
    """One LSH key per band, a signed integer in [-2**62, 2**62); band index mixed in."""
    if bands < 1 or len(signature) % bands:
        raise ValueError(f"{len(signature)} values cannot be cut into {bands} equal bands")
    if all(v == MAX_VALUE for v in signature):
        return []  # empty texts must not all land in one bucket
    rows = len(signature) // bands
    # Each value as 8 little-endian bytes (values are below 2**63), all in one conversion.
    packed = np.array(signature, dtype="<u8").tobytes()
    width = rows * 8
    keys = []
    for band in range(bands):
        data = band.to_bytes(2, "little") + packed[band * width : (band + 1) * width]
        digest = hashlib.blake2b(data, digest_size=8).digest()
        # Arithmetic shift keeps the key inside 63 signed bits on every database.
        keys.append(int.from_bytes(digest, "little", signed=True) >> 1)
    return keys


def estimated_jaccard(sig_a: tuple[int, ...], sig_b: tuple[int, ...]) -> float:
    """Share of agreeing MinHash values: an estimate of the two shingle sets' Jaccard index."""
    if len(sig_a) != len(sig_b):
        raise ValueError("signatures of different lengths cannot be compared")
    if not sig_a:
        return 0.0
    if all(v == MAX_VALUE for v in sig_a) or all(v == MAX_VALUE for v in sig_b):
        return 0.0
    return sum(1 for x, y in zip(sig_a, sig_b, strict=True) if x == y) / len(sig_a)
