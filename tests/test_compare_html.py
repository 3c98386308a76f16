"""The compare page's framing facts and charts made in Python (articles/compare_html.py) are the
markup the template wrote: its fragments are kept here and rendered by the template engine."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.template import engines

from articles import compare_html
from articles.comparing import build_comparison
from articles.models import (
    Article,
    Claim,
    ClaimQuote,
    FrameTag,
    LabelSet,
    Outlet,
    Quote,
    StanceAnnotation,
    Story,
)
from articles.text import charts

HOSTILE = "<script>alert('x')</script> & \"quoted\""

# The template's fragments as they were before they moved to Python.
FRAMING = """      <h3>{{ column.label }}</h3>
      <h4>What comes first</h4>
      <p class="lead-paragraph">{{ column.lead.paragraph|truncatewords:60|default:"(empty)" }}</p>
      {% if column.lead.quote %}<p>First quote: “{{ column.lead.quote|truncatewords:25 }}” — {{ column.lead.speaker }}</p>{% else %}<p>No quotes.</p>{% endif %}
      <h4>Who is quoted</h4>
      <table class="facts">
        <thead><tr><th scope="col">Speaker</th><th scope="col">Quotes</th><th scope="col">Words</th><th scope="col">Share</th></tr></thead>
        <tbody>
        {% for share in column.shares %}<tr><td>{{ share.speaker }}</td><td>{{ share.quotes }}</td><td>{{ share.words }}</td><td>{% widthratio share.share 1 100 %} %</td></tr>
        {% empty %}<tr><td colspan="4">No quotes.</td></tr>{% endfor %}
        </tbody>
      </table>
      <h4>Attribution verbs</h4>
      <dl class="verbs">
        {% for speaker, verbs in column.verbs.items %}
        <dt>{{ speaker }}</dt>
        <dd>{% for verb, n in verbs %}{{ verb }}{% if n > 1 %} ×{{ n }}{% endif %}{% if not forloop.last %}, {% endif %}{% endfor %}</dd>
        {% empty %}<dd>None.</dd>
        {% endfor %}
      </dl>
      <h4>Stance labels given</h4>
      {% if column.stances %}<ul class="plain">{% for label, colour, n in column.stances %}<li>{{ label }}: {{ n }}</li>{% endfor %}</ul>{% else %}<p class="note">No stance labels yet.</p>{% endif %}
      <h4>Frames of the claims carried</h4>
      {% if column.frames %}<ul class="plain">{% for frame, n in column.frames %}<li>{{ frame }}: {{ n }}</li>{% endfor %}</ul>{% else %}<p class="note">No tagged claims.</p>{% endif %}
      {% if column.claims %}<details><summary>Claims ({{ column.claims|length }})</summary><ul>{% for claim in column.claims %}<li>{{ claim }}</li>{% endfor %}</ul></details>{% endif %}
"""

BAR_CHART = """{% load l10n %}{% localize off %}
<svg class="chart" viewBox="0 0 {{ chart.width }} {{ chart.height }}" role="img" aria-labelledby="{{ chart_id }}-title" xmlns="http://www.w3.org/2000/svg">
  {% for bar in chart.bars %}
  <text x="{{ chart.label_width }}" dx="-6" y="{{ bar.label_y }}" text-anchor="end" class="chart-label">{{ bar.label|truncatechars:24 }}</text>
  {% for seg in bar.segments %}<rect x="{{ seg.x }}" y="{{ bar.y }}" width="{{ seg.width }}" height="{{ chart.bar_height }}" fill="{{ seg.colour }}"><title>{{ bar.label }}: {{ seg.series }}, {{ seg.percent }} %</title></rect>{% endfor %}
  {% endfor %}
</svg>
<ul class="legend">{% for series, colour in chart.legend %}<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill="{{ colour }}"/></svg>{{ series }}</li>{% endfor %}</ul>
<details>
  <summary>Table</summary>
  <table class="facts">
    <thead><tr><th scope="col">Outlet</th><th scope="col">Series</th><th scope="col">Value</th><th scope="col">Share</th></tr></thead>
    <tbody>
    {% for bar in chart.bars %}{% for seg in bar.segments %}<tr><td>{{ bar.label }}</td><td>{{ seg.series }}</td><td>{{ seg.value|floatformat:"-2" }}</td><td>{{ seg.percent }} %</td></tr>{% empty %}<tr><td>{{ bar.label }}</td><td colspan="3">nothing</td></tr>{% endfor %}{% endfor %}
    </tbody>
  </table>
</details>
{% endlocalize %}"""

TIMELINE = """{% load l10n %}{% localize off %}
{% if line.points %}
<svg class="chart timeline" viewBox="0 0 {{ line.width }} {{ line.height }}" role="img" aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">
  <line x1="10" x2="{{ line.width|add:-10 }}" y1="{{ line.axis_y }}" y2="{{ line.axis_y }}" stroke="#5f6368" stroke-width="1"/>
  {% for point in line.points %}<circle cx="{{ point.x }}" cy="{{ line.axis_y }}" r="{% if point.highlighted %}7{% else %}4{% endif %}" fill="{% if point.highlighted %}#1a56db{% else %}#9aa0a6{% endif %}"><title>{{ point.label }} ({{ point.when|date:"Y-m-d H:i" }})</title></circle>{% endfor %}
  <text x="10" y="{{ line.label_y }}" class="chart-label">{{ line.start|date:"Y-m-d" }}</text>
  <text x="{{ line.width|add:-10 }}" y="{{ line.label_y }}" text-anchor="end" class="chart-label">{{ line.end|date:"Y-m-d" }}</text>
</svg>
{% endif %}
<details>
  <summary>Table</summary>
  <table class="facts">
    <thead><tr><th scope="col">Published</th><th scope="col">Article</th></tr></thead>
    <tbody>
    {% for point in line.points %}<tr{% if point.highlighted %} class="compared"{% endif %}><td>{{ point.when|date:"Y-m-d H:i" }}</td><td>{{ point.label }}</td></tr>{% endfor %}
    {% for label in line.undated %}<tr><td>no date</td><td>{{ label }}</td></tr>{% endfor %}
    </tbody>
  </table>
</details>
{% endlocalize %}"""


def template(source, **context):
    return engines["django"].from_string(source).render(context)


@pytest.fixture
def comparison(seeds, alice):
    """Four seeds with stances of two label sets, claims with frames, hostile names and texts,
    a story with an undated article, and an article whose lead has no quote."""
    Article.objects.filter(pk=seeds[0].pk).update(outlet=Outlet.objects.create(name=HOSTILE))
    quotes = [Quote.objects.filter(article=a).order_by("pk").first() for a in seeds[:3]]
    for label_set in LabelSet.objects.all()[:2]:
        for quote in quotes:
            label = label_set.labels.first()
            StanceAnnotation.objects.create(
                annotator=alice, quote=quote, label_set=label_set, label=label
            )
    for n, quote in enumerate(quotes):
        claim = Claim.objects.create(text=f"{HOSTILE} claim {n}", created_by=alice)
        claim.tags.add(FrameTag.objects.get_or_create(name=f"{HOSTILE} frame")[0])
        ClaimQuote.objects.create(claim=claim, quote=quote, added_by=alice)
    story = Story.objects.create(title=HOSTILE)
    Article.objects.filter(pk__in=[a.pk for a in seeds]).update(story=story)
    Article.objects.filter(pk=seeds[4].pk).update(published=None)
    Article.objects.filter(pk=seeds[3].pk).update(published=datetime(2023, 6, 1, 9, 5, tzinfo=UTC))
    return build_comparison([a.pk for a in seeds[:4]])


def test_framing_facts_are_the_templates_markup(comparison):
    assert any(column.shares for column in comparison.columns)
    assert any(column.stances and column.claims for column in comparison.columns)
    for column in comparison.columns:
        # The fragment keeps its indent and line end; the page template puts them around.
        expected = template(FRAMING, column=column)
        assert "      " + compare_html.framing_html(column) + "\n" == expected


def test_bar_charts_are_the_templates_markup(comparison):
    assert comparison.stance_chart.legend
    for chart, chart_id in [
        (comparison.speaker_chart, "speaker-chart"),
        (comparison.stance_chart, "stance-chart"),
        (charts.stacked_bars([(HOSTILE, []), ("b", [("x", 0.1), ("y", 1e-7)])]), HOSTILE),
    ]:
        expected = template(BAR_CHART, chart=chart, chart_id=chart_id)
        assert compare_html.bar_chart_html(chart, chart_id) == expected


def test_timelines_are_the_templates_markup(comparison):
    assert comparison.timeline.points and comparison.timeline.undated
    no_dates = charts.timeline([(HOSTILE, None, True)])
    for line in [comparison.timeline, no_dates]:
        assert compare_html.timeline_html(line) == template(TIMELINE, line=line)


def test_hostile_text_in_framing_and_charts_is_escaped(comparison):
    html = "".join(
        [
            *(compare_html.framing_html(column) for column in comparison.columns),
            comparison.speaker_chart_html,
            comparison.stance_chart_html,
            comparison.timeline_html,
        ]
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;" in html


@pytest.mark.parametrize(
    "value",
    [
        datetime(2023, 2, 28, 15, 7, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_dates_are_written_as_the_date_filter_writes_them(value):
    from django.template.defaultfilters import date
    from django.utils.timezone import template_localtime

    for fmt in ["Y-m-d", "Y-m-d H:i"]:
        assert compare_html._when(value, fmt) == date(template_localtime(value), fmt)


def test_the_heads_link_each_title_to_its_reader_and_escape_it(comparison):
    Article.objects.filter(pk=comparison.ids[0]).update(title=HOSTILE)
    fresh = build_comparison(comparison.ids)
    html = fresh.head_html
    for column in fresh.columns:
        assert f'<a href="/articles/{column.article.pk}/">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('class="compare-col-head"') == len(fresh.columns)
