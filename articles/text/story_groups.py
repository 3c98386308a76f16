"""Same-story links read as a whole: articles grouped by average linkage over their pair scores,
so a pair counts as one story when the two articles' groups agree, not only when the two agree.

Reports of one event are linked to each other transitively: when A and B each score high with
most of C, D and E, they tell one story even if A and B share few words; when A scores high with
B but A's group and B's group score low on the whole, they are two events of one kind (two
earthquakes, two offers to one player). Average linkage asks exactly that: two groups merge
only while the mean score over all their article pairs (a pair never compared counts 0) stays
at or above a level. The level at which two articles first fall into one group (their
cophenetic similarity) replaces their own score.

Groups merged at or above `floor` never span two connected components of the graph of pair
scores at or above `floor` (a mean cannot pass the floor unless one of its scores does), so the
result for an article depends only on its component: an import regroups the component of the
new article and nothing else, and a rebuild that groups the whole corpus gives the same scores.
"""

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping

Pair = tuple[int, int]
# Groups hold together while the mean score over all their pairs stays at or above this: a
# little below SUGGEST_THRESHOLD (0.5), which one pair must reach on its own, because a mean
# over many pairs is surer than any one of them. Chosen on the development corpora: BASIL is
# at F1 1.000 for levels 0.35-0.5, ECB+ is best at 0.45 (0.874; 0.851 at 0.5, 0.836 at 0.4).
GROUP_LEVEL = 0.45
# How far below the level a pair whose groups hold it apart is put, whatever its own score:
# the smallest step of a stored score (LinkEvidence rounds to four decimals).
HELD_APART = 0.0001


def components(scores: Mapping[Pair, float], floor: float) -> list[list[int]]:
    """The articles joined by pair scores at or above `floor`, one sorted list per component
    of two or more articles, in order of their first id."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for (a, b), score in scores.items():
        if score >= floor:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def group_levels(
    scores: Mapping[Pair, float], floor: float, articles: Iterable[int] | None = None
) -> dict[Pair, float]:
    """Average-linkage merge level of every pair of articles that falls into one group at or
    above `floor`: {(lower id, higher id): level}. `scores` holds each pair once, lower id
    first; a pair missing from it counts 0. Only the components holding `articles` (all when
    None) are grouped, so pass the scores of those components (the rest are ignored)."""
    wanted = None if articles is None else set(articles)
    levels: dict[Pair, float] = {}
    for component in components(scores, floor):
        if wanted is not None and wanted.isdisjoint(component):
            continue
        _group_component(component, scores, floor, levels)
    return levels


def grouped_scores(scores: Mapping[Pair, float], level: float = GROUP_LEVEL) -> dict[Pair, float]:
    """Each pair's score once articles are grouped at `level`: for a pair whose two articles
    fall into one group (including pairs never compared), its own score or the level at which
    the groups merged, whichever is higher; for the others their own score, but below
    `level`, since their groups hold them apart."""
    below = level - HELD_APART
    grouped = {pair: min(score, below) for pair, score in scores.items()}
    for pair, merged in group_levels(scores, level).items():
        grouped[pair] = max(merged, scores.get(pair, 0.0))
    return grouped


def _group_component(
    component: list[int], scores: Mapping[Pair, float], floor: float, levels: dict[Pair, float]
) -> None:
    inside = set(component)
    # Each group is named by its lowest article id, so ties break the same way whatever the
    # order in which scores were found.
    members: dict[int, list[int]] = {x: [x] for x in component}
    between: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), score in scores.items():
        if score > 0 and a in inside and b in inside:
            between[a][b] = between[a].get(b, 0.0) + score
            between[b][a] = between[b].get(a, 0.0) + score
    heap = [(-total, a, b) for a, row in between.items() for b, total in row.items() if a < b]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue  # one of them has merged since this entry was pushed
        mean = between[a].get(b, 0.0) / (len(members[a]) * len(members[b]))
        if -negative != mean:
            # A stale entry: its mean changed when a neighbour merged; the fresh one is queued.
            continue
        if mean < floor:
            break
        for x in members[a]:
            for y in members[b]:
                levels[(x, y) if x < y else (y, x)] = mean
        keep, gone = min(a, b), max(a, b)
        members[keep].extend(members.pop(gone))
        row_keep, row_gone = between[keep], between.pop(gone)
        row_keep.pop(gone, None)
        row_gone.pop(keep, None)
        for other, total in row_gone.items():
            row_keep[other] = row_keep.get(other, 0.0) + total
            row_other = between[other]
            row_other.pop(gone, None)
            row_other[keep] = row_keep[other]
        size = len(members[keep])
        for other, total in row_keep.items():
            heapq.heappush(
                heap,
                (-(total / (size * len(members[other]))), min(keep, other), max(keep, other)),
            )
        # Entries whose sizes changed are recomputed above; the heap keys hold means, so the
        # old entries for `keep` no longer match their mean and are skipped when popped.
