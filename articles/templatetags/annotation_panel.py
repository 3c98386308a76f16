"""The reader's annotation panel as a tag, so the reader view needs no annotation code."""

from django import template

from ..views.annotation import panel_context

register = template.Library()


@register.inclusion_tag("articles/annotation/panel.html", takes_context=True)
def annotation_panel(context):
    panel = panel_context(
        context["request"],
        context["article"],
        context["quotes"],
        context.get("deleted_quotes"),
        context.get("csrf_token"),  # the page's, so the panel's forms need no other
    )
    panel["csp_nonce"] = context.get("csp_nonce")
    return panel
