"""The annotation panel's quote entries as HTML, made here rather than in the template.

The template's loops per quote (a button per label, an option per speaker, a url and a csrf
input per form) were about half of the reader's time. What every entry shares is made once a
panel (EntryParts), then each entry is a few f-strings. Every text from the database goes
through escape() (the html.escape that Django's escape uses, quotes included); ids and offsets
go through int(). The markup is the one the template made: annotate.js, the browser tests and
the CSS rely on its ids and classes.
"""

from html import escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .url_patterns import url_for

ENTRY_WORDS = 12  # the quote's text in its entry: its first words, like truncatewords:12


def url(name: str, pk) -> str:
    return escape(url_for(name, pk))


def first_words(text: str, count: int = ENTRY_WORDS) -> str:
    """The first `count` words and " …" when there were more (Django's truncatewords)."""
    words = text.split()
    if len(words) > count:
        return " ".join(words[:count]) + " …"
    return " ".join(words)


def _label_button(label, chosen: bool) -> str:
    return (
        f'<button type="submit" name="label" value="{int(label.pk)}"'
        f' data-key="{escape(label.key)}" data-colour="{escape(label.colour)}"'
        f' class="label-button{" chosen" if chosen else ""}"'
        f' aria-pressed="{"true" if chosen else "false"}" title="{escape(label.description)}">'
        f"<kbd>{escape(label.key)}</kbd> {escape(label.name)}</button>"
    )


class EntryParts:
    """What the entries of one panel share, escaped once.

    `speakers` are the speakers the speaker menu offers (the article's); a quote's own speaker
    is always offered and selected, even when it is not among them (one entry redrawn alone)."""

    def __init__(self, request, label_set, labels, can_annotate, speakers=(), csrf_token=None):
        self.label_set = label_set
        self.forms = bool(can_annotate and label_set)
        if not self.forms:
            return
        token = escape(str(csrf_token or get_token(request)))
        self.csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        self.label_set_input = f'<input type="hidden" name="label_set" value="{int(label_set.pk)}">'
        # Each label's button as it is drawn when chosen and when not.
        self.buttons = [
            (label.pk, _label_button(label, False), _label_button(label, True)) for label in labels
        ]
        self.note_label = "Note (required)" if label_set.note_required else "Note"
        self.speakers = [(speaker.pk, escape(speaker.name)) for speaker in speakers]
        self.claim_search_url = escape(reverse("articles-claim-search"))

    def html(self, quote, error: str | None = None) -> str:
        """The quote's <li>: its words, speaker, labels, claims, and the analyst's forms.
        The quote carries my_stance, other_stances, hidden_stances and claim_list
        (views.annotation.annotate_quotes)."""
        pk = int(quote.pk)
        speaker = (quote.speaker.name if quote.speaker_id else "") or "unknown speaker"
        cue = f' <span class="cue">({escape(quote.cue)})</span>' if quote.cue else ""
        error_html = f'\n  <p class="error" role="alert">{escape(error)}</p>' if error else ""
        return (
            f'<li id="qe-{pk}" class="quote-entry" data-quote="{pk}">\n'
            f'  <a href="#q{pk}">{escape(first_words(quote.text))}</a> — '
            f'<span class="speaker">{escape(speaker)}</span>{cue}{error_html}\n'
            f'  <p class="stances">{_stances(quote)}</p>\n'
            f"{_claims(quote)}"
            f"{self._forms(quote) if self.forms else ''}"
            "</li>"
        )

    def _forms(self, quote) -> str:
        pk = int(quote.pk)
        mine = quote.my_stance
        chosen = mine.label_id if mine else None
        buttons = "".join(on if label_pk == chosen else off for label_pk, off, on in self.buttons)
        save = (
            f'<button type="submit" name="label" value="{int(mine.label_id)}" class="save-note">'
            if mine
            else '<button type="submit" name="label" value="" class="save-note" disabled>'
        )
        clear = '<button type="submit" name="label" value="" class="label-clear">Clear</button>'
        label_url = url("articles-quote-label", pk)
        claim_url = url("articles-quote-claim", pk)
        return (
            f'  <form class="label-form" method="post" action="{label_url}"'
            f' hx-post="{label_url}" hx-target="#qe-{pk}" hx-swap="outerHTML">\n'
            f"    {self.csrf}\n    {self.label_set_input}\n"
            f"    {save}Save note</button>\n    {buttons}\n"
            f"    {clear if mine else ''}\n"
            f'    <label class="note-field">{self.note_label} <input name="note"'
            f' value="{escape(mine.note) if mine else ""}" maxlength="5000"></label>\n'
            "  </form>\n"
            '  <details class="quote-tools">\n'
            "    <summary>Claim, speaker, boundaries</summary>\n"
            f'    <form class="claim-form" method="post" action="{claim_url}"'
            f' hx-post="{claim_url}" hx-target="#qe-{pk}" hx-swap="outerHTML">\n'
            f"      {self.csrf}\n"
            '      <label>Claim in your words <input name="text" class="claim-text"'
            f' autocomplete="off" hx-get="{self.claim_search_url}"'
            ' hx-trigger="input changed delay:250ms"'
            f' hx-vals=\'{{"quote": "{pk}"}}\' hx-target="#cs-{pk}"'
            ' hx-swap="innerHTML"></label>\n'
            '      <button type="submit">Create claim</button>\n'
            "    </form>\n"
            f'    <div id="cs-{pk}" class="claim-search" aria-live="polite"></div>\n'
            f'    <form method="post" action="{url("articles-quote-speaker", pk)}">\n'
            f"      {self.csrf}\n"
            '      <label>Speaker <select name="speaker">\n'
            '        <option value="">— none —</option>\n'
            f"        {self._speaker_options(quote)}\n"
            "      </select></label>\n"
            '      <label>or a new speaker <input name="name" autocomplete="off"></label>\n'
            "      <label>aliases (comma-separated)"
            ' <input name="aliases" autocomplete="off"></label>\n'
            '      <button type="submit">Set speaker</button>\n'
            "    </form>\n"
            f'    <form method="post" action="{url("articles-quote-adjust", pk)}">\n'
            f"      {self.csrf}\n"
            '      <label>Start <input type="number" name="start"'
            f' value="{int(quote.start)}" min="0"></label>\n'
            '      <label>End <input type="number" name="end"'
            f' value="{int(quote.end)}" min="1"></label>\n'
            '      <button type="submit">Adjust boundaries</button>\n'
            "    </form>\n"
            f'    <form method="post" action="{url("articles-quote-delete", pk)}">\n'
            f'      {self.csrf}<button type="submit" class="danger">Delete quote</button>\n'
            "    </form>\n"
            "  </details>\n"
        )

    def _speaker_options(self, quote) -> str:
        own = quote.speaker_id
        options = [
            f'<option value="{int(pk)}"{" selected" if pk == own else ""}>{name}</option>'
            for pk, name in self.speakers
        ]
        if own and all(pk != own for pk, _ in self.speakers):
            options.append(
                f'<option value="{int(own)}" selected>{escape(quote.speaker.name)}</option>'
            )
        return "".join(options)


def _stances(quote) -> str:
    """The analyst's own label and note, the others' labels, and how many blind mode hides."""
    parts = []
    mine = quote.my_stance
    if mine:
        parts.append(
            f'<span class="stance mine" data-colour="{escape(mine.colour)}">'
            f"you: {escape(mine.label)}</span>"
        )
        if mine.note:
            parts.append(f' <span class="stance-note">{escape(mine.note)}</span>')
    for stance in quote.other_stances:
        parts.append(
            f' <span class="stance other" data-colour="{escape(stance.colour)}">'
            f"{escape(stance.annotator)}: {escape(stance.label)}</span>"
        )
    hidden = int(quote.hidden_stances)
    if hidden:
        plural = "" if hidden == 1 else "s"
        parts.append(f' <span class="note">{hidden} other label{plural} hidden (blind mode)</span>')
    return "".join(parts)


def _claims(quote) -> str:
    if not quote.claim_list:
        return ""
    items = "".join(
        f'<li><a href="{url("articles-claim", claim.pk)}">{escape(claim.text)}</a></li>'
        for claim in quote.claim_list
    )
    return f'  <ul class="quote-claims">\n    {items}\n  </ul>\n'


def entries_html(parts: EntryParts, quotes) -> SafeString:
    return mark_safe("\n".join(parts.html(quote) for quote in quotes))  # escaped in html()


def entry_html(parts: EntryParts, quote, error: str | None = None) -> SafeString:
    return mark_safe(parts.html(quote, error))  # every text escaped in html()
