"""Split an article body into paragraphs of plain and quoted runs, for highlighting quotes."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    text: str
    mark: int | None  # index into the spans given, or None for plain text


def _disjoint(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int, int]]:
    """Spans clipped to the body and to each other: where two overlap, the earlier one wins."""
    result: list[tuple[int, int, int]] = []
    covered_to = 0
    for index, (start, end) in sorted(enumerate(spans), key=lambda item: (item[1][0], item[0])):
        start, end = max(start, covered_to, 0), min(end, length)
        if start < end:
            result.append((start, end, index))
            covered_to = end
    return result


def paragraphs_with_marks(body: str, spans: Sequence[tuple[int, int]]) -> list[list[Run]]:
    """Paragraphs (split on blank lines) as runs; span i covers body[start:end].

    A span that crosses a paragraph break is marked in each paragraph it touches. Joining the
    runs of every paragraph with blank lines gives the body back.
    """
    marked = _disjoint(spans, len(body))
    result: list[list[Run]] = []
    pos, cursor = 0, 0
    for chunk in body.split("\n\n"):
        para_end = pos + len(chunk)
        runs: list[Run] = []
        at = pos
        while cursor < len(marked) and marked[cursor][1] <= pos:
            cursor += 1
        i = cursor
        while i < len(marked) and marked[i][0] < para_end:
            start, end, index = marked[i]
            start, end = max(start, pos), min(end, para_end)
            if start > at:
                runs.append(Run(body[at:start], None))
            if end > start:
                runs.append(Run(body[start:end], index))
            at = max(at, end)
            i += 1
        if para_end > at:
            runs.append(Run(body[at:para_end], None))
        result.append(runs)
        pos = para_end + 2
    return result
