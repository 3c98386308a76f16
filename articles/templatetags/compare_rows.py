"""{% compare_rows rows %}: the compare page's grid rows, made in Python (see comparing.rows_html)."""

from django import template

from ..comparing import rows_html
from ..roles import can_annotate

register = template.Library()


@register.simple_tag(takes_context=True)
def compare_rows(context, rows):
    return rows_html(rows, can_annotate(context["request"].user))
