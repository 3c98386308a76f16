"""Chart geometry: stacked bars fill their width, colours are safe, the timeline keeps time order."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.charts import PALETTE, safe_colour, stacked_bars, timeline


def test_each_bar_is_filled_by_its_series_in_proportion():
    chart = stacked_bars(
        [("A", [("x", 3), ("y", 1)]), ("B", [("y", 2)])], width=500, label_width=100
    )
    a, b = chart.bars
    assert [s.width for s in a.segments] == [300.0, 100.0]
    assert [s.x for s in a.segments] == [100.0, 400.0]
    assert b.segments[0].width == 400.0 and b.segments[0].percent == 100
    assert b.y > a.y and chart.height == 2 * chart.bar_height + 10


def test_a_series_keeps_its_colour_in_every_bar():
    chart = stacked_bars([("A", [("x", 1), ("y", 1)]), ("B", [("y", 1), ("x", 1)])])
    colours = {s.series: s.colour for bar in chart.bars for s in bar.segments}
    assert chart.legend == (("x", colours["x"]), ("y", colours["y"]))
    assert colours["x"] == PALETTE[0] and colours["y"] == PALETTE[1]


def test_only_plain_hex_colours_reach_the_svg():
    chart = stacked_bars(
        [("A", [("ok", 1), ("bad", 1)])], colours={"ok": "#00ff00", "bad": '"/><script>'}
    )
    assert dict(chart.legend) == {"ok": "#00ff00", "bad": PALETTE[1]}
    assert safe_colour("red", "#000000") == "#000000"
    assert safe_colour(None, "#000000") == "#000000"


def test_an_empty_bar_is_drawn_empty_and_negative_values_are_refused():
    chart = stacked_bars([("A", [])])
    assert chart.bars[0].segments == () and chart.bars[0].total == 0
    assert stacked_bars([("A", [("x", 0)])]).bars[0].segments[0].width == 0
    with pytest.raises(ValueError):
        stacked_bars([("A", [("x", -1)])])


@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 10**6)), max_size=6),
        min_size=1,
        max_size=4,
    )
)
def test_segments_never_leave_the_plot(bars):
    chart = stacked_bars([(str(i), series) for i, series in enumerate(bars)], width=600)
    for bar in chart.bars:
        for segment in bar.segments:
            assert chart.label_width - 1e-6 <= segment.x <= chart.width + 1e-6
            assert segment.x + segment.width <= chart.width + 1e-6
        if bar.total:
            assert abs(sum(s.width for s in bar.segments) - (600 - chart.label_width)) < 1e-6


def test_the_timeline_orders_points_and_lists_undated_ones_apart():
    t0 = datetime(2023, 2, 28, tzinfo=UTC)
    line = timeline(
        [("late", t0 + timedelta(days=10), False), ("none", None, False), ("early", t0, True)],
        width=220,
        margin=10,
    )
    assert [p.label for p in line.points] == ["early", "late"]
    assert [p.x for p in line.points] == [10, 210]
    assert line.points[0].highlighted and line.undated == ("none",)
    assert (line.start, line.end) == (t0, t0 + timedelta(days=10))


def test_one_moment_sits_in_the_middle_and_no_dates_draw_nothing():
    t0 = datetime(2023, 2, 28, tzinfo=UTC)
    line = timeline([("a", t0, True), ("b", t0, False)], width=200, margin=20)
    assert {p.x for p in line.points} == {100}
    assert timeline([("a", None, True)]).points == ()
