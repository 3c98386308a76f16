"""Inter-annotator agreement: Krippendorff's alpha (nominal), Cohen's kappa, confusion matrices.

Pure functions over plain data. A "unit" is one quote; its values are the labels the analysts
gave it (missing labels are simply absent). Undefined figures (no pairable values, or no
variation at all to agree beyond chance) are returned as None rather than a made-up number.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import permutations


def coincidences(units: Iterable[Sequence[Hashable]]) -> Counter:
    """Krippendorff's coincidence matrix o[c, k] over units with two or more values."""
    o: Counter = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            o[(values[i], values[j])] += 1 / (m - 1)
    return o


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Alpha for nominal data; each unit is the list of values coders gave it (any length)."""
    o = coincidences(units)
    n_c: Counter = Counter()
    for (c, _k), weight in o.items():
        n_c[c] += weight
    n = sum(n_c.values())
    if n <= 1:
        return None
    observed = sum(w for (c, k), w in o.items() if c != k) / n
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two coders; pairs are (coder A's value, coder B's value) per item."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    expected = sum(count_a[c] * count_b[c] for c in count_a) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def confusion_matrix(
    pairs: Iterable[tuple[Hashable, Hashable]], categories: Sequence[Hashable]
) -> list[list[int]]:
    """Counts: row = coder A's value, column = coder B's value, in the order of `categories`."""
    index = {c: i for i, c in enumerate(categories)}
    matrix = [[0] * len(categories) for _ in categories]
    for a, b in pairs:
        if a in index and b in index:
            matrix[index[a]][index[b]] += 1
    return matrix


def paired_values(
    by_coder: Mapping[Hashable, Mapping[Hashable, Hashable]], coder_a: Hashable, coder_b: Hashable
) -> list[tuple[Hashable, Hashable]]:
    """(a, b) values on the units both coders labelled, in a stable unit order."""
    a_values, b_values = by_coder.get(coder_a, {}), by_coder.get(coder_b, {})
    common = sorted(set(a_values) & set(b_values), key=repr)
    return [(a_values[u], b_values[u]) for u in common]
