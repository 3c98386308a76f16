"""The compare page's framing facts and charts as HTML, made in Python with escape() on every text.

The template engine's loops over columns, speakers, verbs and chart segments were a third of the
page's CPU; these functions write the markup the template wrote, byte for byte (a test renders
both and compares). Numbers are formatted as the template did: plain for counts, unlocalized for
SVG coordinates, floatformat and the date filter where the template used them.
"""

from datetime import datetime
from html import escape

from django.conf import settings
from django.template.defaultfilters import date, floatformat, truncatechars, truncatewords
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from .text import charts, framing
from .views.url_patterns import url_for

# The two date formats the page uses, written out: the date filter parses its format on every
# call, a tenth of the charts' time.
_DATE_FORMATS = {
    "Y-m-d": "{0.year:04d}-{0.month:02d}-{0.day:02d}",
    "Y-m-d H:i": "{0.year:04d}-{0.month:02d}-{0.day:02d} {0.hour:02d}:{0.minute:02d}",
}


def _when(value, fmt: str) -> str:
    # As {{ value|date:fmt }}: the template shows times in the current time zone.
    if isinstance(value, datetime) and fmt in _DATE_FORMATS:
        return _DATE_FORMATS[fmt].format(template_localtime(value))
    return escape(date(template_localtime(value), fmt))


def _text(value) -> str:
    # As {{ value }} in the template: str() of anything (None shows as "None"), escaped.
    return escape(str(value))


def _count(value) -> str:
    # As {{ value }}: a whole number is its digits unless thousands are to be separated.
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return escape(str(localize(value)))


def _coordinate(value) -> str:
    # As {{ value }} inside {% localize off %}: Python's own digits, unless written with an
    # exponent (Django writes those out in full) or with another decimal separator.
    if type(value) is int:
        return str(value)
    if type(value) is float and settings.DECIMAL_SEPARATOR == ".":
        digits = repr(value)
        if "e" not in digits:
            return digits
    return escape(str(localize(value, use_l10n=False)))


def _share_percent(share: float) -> str:
    # As {% widthratio share 1 100 %}.
    try:
        return str(round(float(share) * 100))
    except (ValueError, TypeError, OverflowError):
        return ""


def _lead_html(lead: framing.Lead | None) -> str:
    lead = lead or framing.Lead("", None, None)
    paragraph = truncatewords(lead.paragraph, 60) or "(empty)"
    if lead.quote:
        quote = truncatewords(lead.quote, 25)
        first = f"<p>First quote: “{_text(quote)}” — {_text(lead.speaker)}</p>"
    else:
        first = "<p>No quotes.</p>"
    return f'<p class="lead-paragraph">{_text(paragraph)}</p>\n      {first}'


def _shares_html(shares) -> str:
    rows = "\n        ".join(
        f"<tr><td>{_text(s.speaker)}</td><td>{_count(s.quotes)}</td><td>{_count(s.words)}</td>"
        f"<td>{_share_percent(s.share)} %</td></tr>"
        for s in shares
    )
    return rows + "\n        " if shares else '<tr><td colspan="4">No quotes.</td></tr>'


def _verbs_html(verbs: dict) -> str:
    if not verbs:
        return "<dd>None.</dd>\n        "
    parts = []
    for speaker, counted in verbs.items():
        said = ", ".join(_text(verb) + (f" ×{_count(n)}" if n > 1 else "") for verb, n in counted)
        parts.append(f"\n        <dt>{_text(speaker)}</dt>\n        <dd>{said}</dd>\n        ")
    return "".join(parts)


def _counts_html(counts, none: str) -> str:
    if not counts:
        return f'<p class="note">{none}</p>'
    items = "".join(f"<li>{_text(name)}: {_count(n)}</li>" for name, n in counts)
    return f'<ul class="plain">{items}</ul>'


def framing_html(column) -> SafeString:
    """One outlet's framing facts: lead, who is quoted, verbs, stances, frames and claims."""
    stances = [(label, n) for label, _, n in column.stances]
    claims = ""
    if column.claims:
        items = "".join(f"<li>{_text(claim)}</li>" for claim in column.claims)
        claims = (
            f"<details><summary>Claims ({_count(len(column.claims))})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return mark_safe(
        f"<h3>{_text(column.label)}</h3>\n"
        "      <h4>What comes first</h4>\n"
        f"      {_lead_html(column.lead)}\n"
        "      <h4>Who is quoted</h4>\n"
        '      <table class="facts">\n'
        '        <thead><tr><th scope="col">Speaker</th><th scope="col">Quotes</th>'
        '<th scope="col">Words</th><th scope="col">Share</th></tr></thead>\n'
        "        <tbody>\n"
        f"        {_shares_html(column.shares)}\n"
        "        </tbody>\n"
        "      </table>\n"
        "      <h4>Attribution verbs</h4>\n"
        '      <dl class="verbs">\n'
        f"        {_verbs_html(column.verbs)}\n"
        "      </dl>\n"
        "      <h4>Stance labels given</h4>\n"
        f"      {_counts_html(stances, 'No stance labels yet.')}\n"
        "      <h4>Frames of the claims carried</h4>\n"
        f"      {_counts_html(column.frames, 'No tagged claims.')}\n"
        f"      {claims}"
    )


def bar_chart_html(chart: charts.BarChart, chart_id: str) -> SafeString:
    """Stacked bars as SVG, their legend, and the same figures as a table."""
    bars = []
    for bar in chart.bars:
        label = _text(bar.label)
        rects = "".join(
            f'<rect x="{_coordinate(seg.x)}" y="{_coordinate(bar.y)}"'
            f' width="{_coordinate(seg.width)}" height="{_coordinate(chart.bar_height)}"'
            f' fill="{_text(seg.colour)}"><title>{label}: {_text(seg.series)},'
            f" {_coordinate(seg.percent)} %</title></rect>"
            for seg in bar.segments
        )
        bars.append(
            f'\n  <text x="{_coordinate(chart.label_width)}" dx="-6"'
            f' y="{_coordinate(bar.label_y)}" text-anchor="end" class="chart-label">'
            f"{_text(truncatechars(bar.label, 24))}</text>\n  {rects}\n  "
        )
    legend = "".join(
        '<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{_text(colour)}"/></svg>{_text(series)}</li>'
        for series, colour in chart.legend
    )
    rows = []
    for bar in chart.bars:
        label = _text(bar.label)
        if not bar.segments:
            rows.append(f'<tr><td>{label}</td><td colspan="3">nothing</td></tr>')
        for seg in bar.segments:
            rows.append(
                f"<tr><td>{label}</td><td>{_text(seg.series)}</td>"
                f"<td>{_text(floatformat(seg.value, '-2'))}</td>"
                f"<td>{_coordinate(seg.percent)} %</td></tr>"
            )
    return mark_safe(
        f'\n<svg class="chart" viewBox="0 0 {_coordinate(chart.width)}'
        f' {_coordinate(chart.height)}" role="img" aria-labelledby="{_text(chart_id)}-title"'
        f' xmlns="http://www.w3.org/2000/svg">\n  {"".join(bars)}\n</svg>\n'
        f'<ul class="legend">{legend}</ul>\n'
        + _table(
            '<th scope="col">Outlet</th><th scope="col">Series</th><th scope="col">Value</th>'
            '<th scope="col">Share</th>',
            "".join(rows),
        )
    )


def _table(head: str, rows: str) -> str:
    return (
        '<details>\n  <summary>Table</summary>\n  <table class="facts">\n'
        f"    <thead><tr>{head}</tr></thead>\n    <tbody>\n    {rows}\n    </tbody>\n"
        "  </table>\n</details>\n"
    )


def timeline_html(line: charts.Timeline) -> SafeString:
    """The coverage over time: a dot per dated article (compared ones larger), and a table."""
    svg = ""
    if line.points:
        end_x = _coordinate(int(line.width) - 10)
        axis = _coordinate(line.axis_y)
        dots = "".join(
            f'<circle cx="{_coordinate(point.x)}" cy="{axis}"'
            f' r="{"7" if point.highlighted else "4"}"'
            f' fill="{"#1a56db" if point.highlighted else "#9aa0a6"}">'
            f"<title>{_text(point.label)} ({_when(point.when, 'Y-m-d H:i')})</title></circle>"
            for point in line.points
        )
        label_y = _coordinate(line.label_y)
        svg = (
            f'\n<svg class="chart timeline" viewBox="0 0 {_coordinate(line.width)}'
            f' {_coordinate(line.height)}" role="img" aria-labelledby="timeline-title"'
            ' xmlns="http://www.w3.org/2000/svg">\n'
            f'  <line x1="10" x2="{end_x}" y1="{axis}" y2="{axis}" stroke="#5f6368"'
            ' stroke-width="1"/>\n'
            f"  {dots}\n"
            f'  <text x="10" y="{label_y}" class="chart-label">'
            f"{_when(line.start, 'Y-m-d')}</text>\n"
            f'  <text x="{end_x}" y="{label_y}" text-anchor="end" class="chart-label">'
            f"{_when(line.end, 'Y-m-d')}</text>\n"
            "</svg>\n"
        )
    dated = "".join(
        f"<tr{' class="compared"' if point.highlighted else ''}>"
        f"<td>{_when(point.when, 'Y-m-d H:i')}</td><td>{_text(point.label)}</td></tr>"
        for point in line.points
    )
    undated = "".join(f"<tr><td>no date</td><td>{_text(label)}</td></tr>" for label in line.undated)
    head = '<th scope="col">Published</th><th scope="col">Article</th>'
    return mark_safe(f"\n{svg}\n" + _table(head, f"{dated}\n    {undated}"))


def head_html(columns) -> SafeString:
    """The columns' heads: each article's title (a link to its reader), outlet, date and size."""
    heads = []
    for column in columns:
        article = column.article
        n = len(column.quotes)
        heads.append(
            '\n    <header class="compare-col-head">\n'
            f'      <h2><a href="{_text(url_for("articles-reader", article.pk))}">'
            f"{_text(article.title)}</a>"
            "</h2>\n"
            '      <p class="meta">\n'
            f'        <span class="outlet">{_text(column.label)}</span>\n'
            f"        · <span>{_text(article.published_display or 'no date')}</span>\n"
            f"        · <span>{_count(column.words)} words</span>\n"
            f"        · <span>{_count(n)} quote{'' if n == 1 else 's'}</span>\n"
            "      </p>\n"
            "    </header>"
        )
    return mark_safe(f'<div class="compare-grid compare-head">{"".join(heads)}\n  </div>')


def framing_grid_html(columns) -> SafeString:
    """The framing facts side by side, a cell per outlet (each made by framing_html)."""
    cells = "".join(
        f'\n    <section class="compare-cell" aria-label="Framing in {_text(column.label)}">\n'
        f"      {column.framing_html}\n    </section>"
        for column in columns
    )
    return mark_safe(f'<div class="compare-grid framing">{cells}\n  </div>')


def texts_html(columns) -> SafeString:
    """The full texts side by side, a scrolling pane per outlet (each made by Column.text_html)."""
    panes = "".join(
        f'\n    <div class="pane" tabindex="0" aria-label="Text of {_text(column.label)}">\n'
        f"      {column.text_html}\n    </div>"
        for column in columns
    )
    return mark_safe(f'<div class="compare-grid fulltexts">{panes}\n  </div>')
