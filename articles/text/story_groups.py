"""Same-story links read as a whole: articles grouped by average linkage over their pair scores,
so a pair counts as one story when the two articles' groups agree, not only when the two agree.

Reports of one event are linked to each other transitively: when A and B each score high with
most of C, D and E, they tell one story even if A and B share few words; when A scores high with
B but A's group and B's group score low on the whole, they are two events of one kind (two
earthquakes, two offers to one player). Average linkage asks exactly that: two groups merge
only while the mean score over all their article pairs (a pair never compared counts 0) stays
at or above a level. The level at which two articles first fall into one group (their
cophenetic similarity) replaces their own score.

Groups also carry the participants their articles keep naming. Two groups of several reports
that each have a participant of their own, one that half the group keeps naming and the other
group hardly ever mentions, are two events (two title fights of one champion, each group
naming its own challenger), however alike their words: they do not merge. This is the
group-level form of the pairs' participant contrast (articles.text.event), surer because a
group's participants are what most of its reports name, not what one report happens to.

Groups merged at or above `floor` never span two connected components of the graph of pair
scores at or above `floor` (a mean cannot pass the floor unless one of its scores does), so the
result for an article depends only on its component: an import regroups the component of the
new article and nothing else, and a rebuild that groups the whole corpus gives the same scores.

The product's suggestions follow `story_verdicts`: a compared pair is suggested as one story
when its two articles fall into one group, and as related when their groups hold them apart,
whatever its own score. articles.coverage applies it on import (to the new articles' component)
and after a rebuild; bench/eval_stories.py measures the same function, so its figures are the
product's.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from articles.text.event import PARTICIPANT_MENTIONS
from articles.text.story import SUGGEST_THRESHOLD

Pair = tuple[int, int]
# Two articles alone are one story when their own score reaches SUGGEST_THRESHOLD; a group
# holds together while the mean score over all its pairs stays at or above GROUP_LEVEL, a
# little lower, because a mean over several pairs is surer than any one of them. Chosen on the
# development corpora (bench/eval_stories.py, whose curve moves both levels together): BASIL
# is at F1 1.000 for every level from 0.2 to 0.5; ECB+ is best at 0.45 (0.917; 0.873 at 0.4,
# 0.895 at 0.5).
GROUP_DISCOUNT = 0.05
GROUP_LEVEL = SUGGEST_THRESHOLD - GROUP_DISCOUNT
# How far below the level a pair whose groups hold it apart is put, whatever its own score:
# the smallest step of a stored score (LinkEvidence rounds to four decimals).
HELD_APART = 0.0001
# A group's own participant: a name at least OWN_SHARE of its articles keep naming (each at
# least PARTICIPANT_MENTIONS times) and at most STRANGER_SHARE of the other group's articles
# mention at all. Only groups of at least OWN_GROUP articles have participants of their own:
# for one or two articles the pairs' own participant contrast already speaks.
OWN_SHARE = 0.5
STRANGER_SHARE = 0.1
OWN_GROUP = 3


def participants(names: Mapping[str, int]) -> frozenset[str]:
    """The names an article keeps naming (a profile's `names`): its participants."""
    return frozenset(name for name, count in names.items() if count >= PARTICIPANT_MENTIONS)


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
    scores: Mapping[Pair, float],
    floor: float,
    articles: Iterable[int] | None = None,
    people: Mapping[int, tuple[Collection[str], Collection[str]]] | None = None,
) -> dict[Pair, float]:
    """Average-linkage merge level of every pair of articles that falls into one group at or
    above `floor` (two articles alone at `floor` + GROUP_DISCOUNT): {(lower id, higher id):
    level}. `scores` holds each pair once, lower id
    first; a pair missing from it counts 0. Only the components holding `articles` (all when
    None) are grouped, so pass the scores of those components (the rest are ignored).
    `people` gives, for each article, its participants and the words it uses (a profile's
    `terms`); without them groups are kept apart by their scores alone."""
    levels: dict[Pair, float] = {}
    for grouping in _groupings(scores, floor, articles, people):
        grouping.merge(floor, levels)
    return levels


def _groupings(scores, floor, articles, people, smallest: int = 2) -> Iterable["_Grouping"]:
    """The grouping of each component (of `smallest` articles or more) holding `articles`."""
    wanted = None if articles is None else set(articles)
    found = [
        c
        for c in components(scores, floor)
        if len(c) >= smallest and (wanted is None or not wanted.isdisjoint(c))
    ]
    # Each component's own scores, in one pass: a pass over every score per component took
    # a rebuild's grouping minutes (4,500 components of 44,000 links at 20,000 articles).
    where = {x: n for n, component in enumerate(found) for x in component}
    own: list[dict[Pair, float]] = [{} for _ in found]
    for (a, b), score in scores.items():
        n = where.get(a)
        if n is not None and n == where.get(b):
            own[n][(a, b)] = score
    for component, inside in zip(found, own, strict=True):
        yield _Grouping(component, inside, people or {})


@dataclass(frozen=True)
class Verdict:
    """What grouping says of one compared pair.

    One story (`same_story`): `level` is the mean score at which the two articles' groups
    merged, `articles` the size of the group that holds both. Held apart: `level` is the mean
    score between the two groups (the pair's own score when the two were not grouped together,
    each alone or in another component), `articles` the two groups' sizes (1 for an article
    in no component this grouping looked at), and `participants`
    the names each group keeps naming that the other hardly mentions, when that is what keeps
    them apart."""

    same_story: bool
    level: float
    articles: tuple[int, ...]
    participants: tuple[str, ...] = ()

    def as_json(self) -> dict:
        """The verdict as a link's evidence shows it."""
        if self.same_story:
            return {"group": {"level": round(self.level, 4), "articles": self.articles[0]}}
        return {
            "held_apart": {
                "level": round(self.level, 4),
                "articles": list(self.articles),
                "participants": list(self.participants),
            }
        }


def story_verdicts(
    scores: Mapping[Pair, float],
    people: Mapping[int, tuple[Collection[str], Collection[str]]] | None = None,
    level: float = GROUP_LEVEL,
    articles: Iterable[int] | None = None,
) -> dict[Pair, Verdict]:
    """Each compared pair's same-story verdict once articles are grouped at `level`: one story
    when both articles fall into one group, held apart otherwise, whatever the pair's own
    score. `scores` are the kept pair scores (lower id first), `people` as for `group_levels`.

    With `articles`, only the components holding them are grouped, and only the pairs with an
    article in those components or among `articles` get a verdict: what an import needs. The
    stories analysts get by confirming every same-story verdict are exactly the groups of
    `group_levels`, since a group is connected by pairs that scored at least `level`."""
    wanted = None if articles is None else set(articles)
    group_of: dict[int, int] = {}
    sizes: dict[int, int] = {}
    merged: dict[Pair, float] = {}
    groupings = list(_groupings(scores, level, wanted, people))
    for grouping in groupings:
        grouping.merge(level, merged)
        for root, members in grouping.members.items():
            sizes[root] = len(members)
            group_of.update(dict.fromkeys(members, root))
    # Sum of the scores between two groups of one component (the mean a merge would reach).
    between: dict[Pair, float] = defaultdict(float)
    for (a, b), score in scores.items():
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and gb is not None and ga != gb:
            between[(ga, gb) if ga < gb else (gb, ga)] += score
    owner = {root: g for g in groupings for root in g.members}
    verdicts = {}
    for pair, score in scores.items():
        a, b = pair
        ga, gb = group_of.get(a), group_of.get(b)
        if wanted is not None and ga is None and gb is None and wanted.isdisjoint(pair):
            continue
        if ga is not None and ga == gb:
            verdicts[pair] = Verdict(True, merged[pair], (sizes[ga],))
        elif ga is None or gb is None or owner[ga] is not owner[gb]:
            # Not grouped together: the pair alone is under the level, or its two articles
            # are in two components (so their groups never reached it either).
            verdicts[pair] = Verdict(False, score, (sizes.get(ga, 1), sizes.get(gb, 1)))
        else:
            grouping = owner[ga]
            names = grouping.own_names(ga, gb), grouping.own_names(gb, ga)
            kept_apart = tuple(sorted(names[0] | names[1])) if all(names) else ()
            mean = between[(min(ga, gb), max(ga, gb))] / (sizes[ga] * sizes[gb])
            verdicts[pair] = Verdict(False, mean, (sizes[ga], sizes[gb]), kept_apart)
    return verdicts


def grouped_scores(
    scores: Mapping[Pair, float],
    level: float = GROUP_LEVEL,
    people: Mapping[int, tuple[Collection[str], Collection[str]]] | None = None,
) -> dict[Pair, float]:
    """Each pair's score once articles are grouped at `level` (GROUP_LEVEL, so two articles
    alone at SUGGEST_THRESHOLD): for a pair whose two articles
    fall into one group (including pairs never compared), its own score or the level at which
    the groups merged, whichever is higher; for the others their own score, but below
    `level`, since their groups hold them apart."""
    below = level - HELD_APART
    grouped = {pair: min(score, below) for pair, score in scores.items()}
    for pair, merged in group_levels(scores, level, people=people).items():
        grouped[pair] = max(merged, scores.get(pair, 0.0))
    return grouped


def needing_participants(
    scores: Mapping[Pair, float], level: float = GROUP_LEVEL
) -> list[list[int]]:
    """The components whose grouping may depend on the articles' participants: those where,
    grouped without them, two groups of OWN_GROUP articles or more merged. Elsewhere the
    participant rule never speaks (it only keeps two such groups apart), so the groups, and
    the verdicts, are the same with or without participants: no need to read them."""
    found = []
    # A component of fewer than two such groups' articles cannot hold such a merge: most
    # components (a story's few reports) are not grouped here at all.
    for grouping in _groupings(scores, level, None, None, smallest=2 * OWN_GROUP):
        grouping.merge(level, {})
        if grouping.large_merge:
            found.append(sorted(grouping.inside))
    return found


class _Grouping:
    """Average linkage over one component. Each group is named by its lowest article id, so
    ties break the same way whatever the order in which scores were found."""

    def __init__(self, component: list[int], scores: Mapping[Pair, float], people: Mapping):
        self.inside = inside = set(component)
        # Whether two groups of OWN_GROUP articles or more were merged (see needing_participants).
        self.large_merge = False
        self.members: dict[int, list[int]] = {x: [x] for x in component}
        self.version = dict.fromkeys(component, 0)
        self.between: dict[int, dict[int, float]] = defaultdict(dict)
        for (a, b), score in scores.items():
            if score > 0 and a in inside and b in inside:
                self.between[a][b] = self.between[a].get(b, 0.0) + score
                self.between[b][a] = self.between[b].get(a, 0.0) + score
        # Per group: how many of its articles keep naming each participant, and how many
        # mention each participant of the component at all.
        known = {x: people[x] for x in component if x in people}
        everyone = set().union(*(named for named, _ in known.values()))
        self.naming: dict[int, Counter] = {x: Counter(set(known[x][0])) for x in known}
        self.mentioning: dict[int, Counter] = {
            x: Counter(everyone.intersection(known[x][1])) for x in known
        }

    def merge(self, floor: float, levels: dict[Pair, float]) -> None:
        members, between, version = self.members, self.between, self.version
        heap = [(-self._value(a, b), a, b, 0, 0) for a in between for b in between[a] if a < b]
        heapq.heapify(heap)
        while heap:
            negative, a, b, version_a, version_b = heapq.heappop(heap)
            if a not in members or b not in members:
                continue  # one of them has merged into another group since
            if version[a] != version_a or version[b] != version_b:
                continue  # a group changed since: its fresh entry is queued
            if -negative < floor:
                break
            if len(members[a]) == len(members[b]) == 1 and -negative < floor + GROUP_DISCOUNT:
                continue  # two articles alone: their own score must reach the pair level
            for x in members[a]:
                for y in members[b]:
                    levels[(x, y) if x < y else (y, x)] = -negative
            if min(len(members[a]), len(members[b])) >= OWN_GROUP:
                self.large_merge = True
            keep, gone = a, b  # a < b
            members[keep].extend(members.pop(gone))
            version[keep] += 1
            if keep in self.naming and gone in self.naming:
                self.naming[keep] += self.naming.pop(gone)
                self.mentioning[keep] += self.mentioning.pop(gone)
            else:  # an article without its people makes the group's people unknown
                for group in (keep, gone):
                    self.naming.pop(group, None)
                    self.mentioning.pop(group, None)
            row_keep, row_gone = between[keep], between.pop(gone)
            row_keep.pop(gone, None)
            row_gone.pop(keep, None)
            for other, total in row_gone.items():
                row_keep[other] = row_keep.get(other, 0.0) + total
                row_other = between[other]
                row_other.pop(gone, None)
                row_other[keep] = row_keep[other]
            for other in row_keep:
                x, y = min(keep, other), max(keep, other)
                heapq.heappush(heap, (-self._value(x, y), x, y, version[x], version[y]))

    def _value(self, a: int, b: int) -> float:
        if self._own_participants(a, b) and self._own_participants(b, a):
            return 0.0
        return self.between[a][b] / (len(self.members[a]) * len(self.members[b]))

    def _own_participants(self, a: int, b: int) -> bool:
        """Whether group `a` keeps naming someone group `b` hardly ever mentions."""
        size_a, size_b = len(self.members[a]), len(self.members[b])
        if min(size_a, size_b) < OWN_GROUP or a not in self.naming or b not in self.naming:
            return False
        mentioned = self.mentioning[b]
        return any(
            count >= OWN_SHARE * size_a and mentioned[name] <= STRANGER_SHARE * size_b
            for name, count in self.naming[a].items()
        )

    def own_names(self, a: int, b: int) -> set[str]:
        """The names group `a` keeps naming that group `b` hardly ever mentions (what
        `_own_participants` asks, spelled out for a held-apart pair's evidence)."""
        size_a, size_b = len(self.members[a]), len(self.members[b])
        if min(size_a, size_b) < OWN_GROUP or a not in self.naming or b not in self.naming:
            return set()
        mentioned = self.mentioning[b]
        return {
            name
            for name, count in self.naming[a].items()
            if count >= OWN_SHARE * size_a and mentioned[name] <= STRANGER_SHARE * size_b
        }
