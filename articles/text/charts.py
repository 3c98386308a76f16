"""Geometry of the compare page's pictures: stacked bars per outlet and a coverage timeline.

Only numbers and the labels they belong to come out of here; a Django template draws them as SVG,
so every label is escaped by the template engine and nothing is marked safe. Colours are either
from the palette or checked to be plain `#rrggbb` before they reach an SVG `fill` attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Segment:
    series: str
    value: float
    share: float  # of the bar's total, 0..1
    x: float
    width: float
    colour: str

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class Bar:
    label: str
    total: float
    y: float
    label_y: float  # the baseline of the bar's label, centred on the bar
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...]  # (series, colour), in order of first appearance


@dataclass(frozen=True)
class TimelinePoint:
    label: str
    when: datetime
    x: float
    highlighted: bool


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    axis_y: int
    label_y: int
    start: datetime | None
    end: datetime | None
    points: tuple[TimelinePoint, ...]
    undated: tuple[str, ...] = field(default=())


def safe_colour(colour: str | None, fallback: str) -> str:
    """`colour` when it is a plain #rrggbb, else `fallback`: nothing else reaches an attribute."""
    return colour if colour and _HEX.match(colour) else fallback


def stacked_bars(
    bars: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    colours: Mapping[str, str] | None = None,
    width: int = 600,
    label_width: int = 160,
    bar_height: int = 22,
    gap: int = 10,
) -> BarChart:
    """One horizontal bar per (label, [(series, value), …]), each filled to 100 % by its series.

    A series keeps one colour in every bar (given in `colours`, else the next palette colour);
    a bar with nothing in it is drawn empty. Negative values are refused.
    """
    colours = dict(colours or {})
    legend: dict[str, str] = {}
    plot = width - label_width
    drawn = []
    for row, (label, series) in enumerate(bars):
        if any(value < 0 for _, value in series):
            raise ValueError("bar values must not be negative")
        total = float(sum(value for _, value in series))
        x = float(label_width)
        segments = []
        for name, value in series:
            if name not in legend:
                legend[name] = safe_colour(colours.get(name), PALETTE[len(legend) % len(PALETTE)])
            share = value / total if total else 0.0
            segments.append(Segment(name, float(value), share, x, share * plot, legend[name]))
            x += share * plot
        y = float(row * (bar_height + gap))
        drawn.append(Bar(label, total, y, y + bar_height * 0.7, tuple(segments)))
    height = max(1, len(bars) * (bar_height + gap) - gap)
    return BarChart(width, height, label_width, bar_height, tuple(drawn), tuple(legend.items()))


def timeline(
    points: Sequence[tuple[str, datetime | None, bool]],
    width: int = 600,
    margin: int = 20,
    height: int = 60,
) -> Timeline:
    """Points (label, when, highlighted) placed left to right by time; undated ones are listed
    apart. One moment alone, or several at the same moment, sit in the middle."""
    dated = sorted(((w, label, h) for label, w, h in points if w is not None), key=lambda p: p[0])
    undated = tuple(label for label, w, _ in points if w is None)
    if not dated:
        return Timeline(width, height, height // 2, height - 4, None, None, (), undated)
    start, end = dated[0][0], dated[-1][0]
    span = (end - start).total_seconds()
    inner = width - 2 * margin
    placed = tuple(
        TimelinePoint(
            label,
            when,
            margin + (inner * (when - start).total_seconds() / span if span else inner / 2),
            highlighted,
        )
        for when, label, highlighted in dated
    )
    return Timeline(width, height, height // 2, height - 4, start, end, placed, undated)
