"""Clean a decoded article file into a title, a publication date and the body all quotes point into."""

import datetime
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from articles.text.dates import find_date, find_date_line
from articles.text.encoding import UnreadableText

__all__ = [
    "ParsedArticle",
    "UnreadableText",
    "derive_title",
    "normalize_text",
    "parse_article",
]


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    title_derived: bool  # True when the file had no title line and we made one up
    body: str  # cleaned text: paragraphs separated by exactly '\n\n'
    published: datetime.date | datetime.datetime | None
    published_source: str  # e.g. 'date line "15:07 28.02.2023"', 'text "date 2023-02-28"', ''
    dropped: tuple[str, ...]  # lines kept out of the body, for the record
    notes: tuple[str, ...]  # other decisions, human readable


# --- normalising characters -------------------------------------------------------------

_LINE_BREAKS = re.compile("[\x0b\x0c\x85\u2028]")
_PARAGRAPH_SEPARATOR = "\u2029"
_ODD_SPACES = re.compile("[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters that would silently break searching and quote matching: C0/C1
# controls, soft hyphens, zero-width characters, bidi controls, BOMs and lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
# Any character one of the three patterns above would change: most files have none,
# and one scan is cheaper than three substitutions.
_UNUSUAL = re.compile(
    "[\x00-\x1f\x7f-\xa0\xad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2069"
    "\u3000\ufeff\ud800-\udfff]"
)


def normalize_text(text: str) -> str:
    """Give text one form: LF line ends, plain spaces, no invisible characters, NFC.

    Quote marks and everything else visible are left exactly as they are.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _UNUSUAL.search(text.replace("\n", "")):
        text = _LINE_BREAKS.sub("\n", text).replace(_PARAGRAPH_SEPARATOR, "\n\n")
        text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if " \n" in text:
        text = "\n".join(line.rstrip(" ") for line in text.split("\n"))
    return text.rstrip(" ")


# --- recognising kinds of lines ---------------------------------------------------------

# Whole lines that websites add around an article. Each must match the entire line, so a
# sentence that merely mentions one of these words is never taken for furniture.
_FURNITURE = re.compile(
    r"""(?ix)
    (?:story\ continues\ below\ )?advertisement s? (?:\W*(?:scroll|continue)[\w\ ]*)? \W*
    | (?:also\ )?read\ (?:more|also) \b .{0,80}
    | (?:see\ also|more\ on\ this(?:\ story)?|related(?:\ (?:articles|stories|posts|news|content|coverage|topics))?) \b .{0,80}
    | (?:you\ (?:may|might)\ also\ like|recommended(?:\ for\ you)?|most\ (?:read|popular)|trending(?:\ now)?) \W*
    | subscribe (?:\ now|\ (?:to|for)\ (?:our|the|us)\b .{0,80})? \W*
    | sign\ up\ (?:for|to)\ (?:our|the)\b .{0,60}
    | (?:follow|join|find)\ us\ (?:on|at|in)\b .{0,80}
    | share\ (?:this|on|the|article)\b .{0,60} | share \W*
    | (?:print|e-?mail|tweet|facebook|twitter|whatsapp|telegram|linkedin|reddit|copy\ link) \W*
    | leave\ a\ (?:reply|comment) \b .{0,40}
    | (?:no|\d+)\ comments? \W* | comments? \W* | (?:add|post)\ (?:a\ )?comment \W*
    | (?:back|scroll|return)\ to\ top \W* | skip\ to\ (?:main\ )?content \W*
    | posted\ by\ .{1,60}
    | (?:tags?|topics?) \s*:.{0,150}
    | (?:©|\(c\)|copyright)\s*(?:\d{4})? .{0,120} | all\ rights\ reserved \W*
    | (?:we\ use\ cookies|this\ (?:web)?site\ uses\ cookies|by\ (?:continuing|using)\b.{0,80}\bcookies
       |accept\ (?:all\ )?cookies|cookie\ (?:policy|settings|preferences|notice)) .{0,300}
    """
)
_FURNITURE_MAX_LENGTH = 400

_WORDS = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_ALPHANUMERIC = re.compile(r"[^\W_]")
_SENTENCE_PUNCTUATION = re.compile(r"[,;!?\"“”«»]|[.:]$")
# A sentence ends at . ! or ? (after any closing quote or bracket) before a capital. An
# ellipsis does not end one: headlines use it mid-sentence ("Checks Out... To Check Into").
_SENTENCE_END = re.compile(
    r"(?:[!?]+|(?<![.…])\.(?![.…]))[\"”’»)\]]*(?=\s+[\"“‘«(\[]?[A-Z0-9À-ÖØ-ÞА-ЯЁ])"
)
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Jr|Sr|Inc|Ltd|Co|Corp"
    r"|No|vs|etc|Jan|Feb|Mar|Apr|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|U\.N|E\.U))\.$"
)
_ABBREVIATION_REACH = 8
_LABELLED_DATE = re.compile(r"(?i)(?:date|dated|published|updated|last|posted|first)\b")
_DATE_SEPARATOR = re.compile(r"\s*[•·|–—:-]")
_FRAME_CHARACTERS = " •·|–—-:,;"

_SENTENCE_FINAL = re.compile(r"[.!?…][\"”’»)]*$")
# Lower-case words that running text needs and headlines leave out.
_RUNNING_TEXT_WORDS = frozenset(
    "a an the is are was were has have had will would it's there's that this".split()
)
_MINOR_WORDS = frozenset(
    "a an the and or nor but of to in on at for by with from as vs via into onto per".split()
)
_TITLE_CASE_SHARE = 0.8

TITLE_MAX_LENGTH = 200
DERIVED_TITLE_LENGTH = 100
# Headlines rarely end with a full stop; long lines that do are opening paragraphs.
_TITLE_WITH_FULL_STOP_MAX_LENGTH = 120
_OUTLET_MAX_LENGTH = 40
_OUTLET_MAX_WORDS = 3
_REPEAT_RATIO = 80
_SAME_TEXT_RATIO = 95
_REPEAT_OVERLAP = 0.8
_REPEAT_JACCARD = 0.5


def is_furniture(line: str) -> bool:
    """True when the whole line is website furniture (ads, share buttons, comment counts)."""
    return len(line) <= _FURNITURE_MAX_LENGTH and _FURNITURE.fullmatch(line) is not None


def is_outlet_like(line: str) -> bool:
    """True for a lone short name such as "RT": one to three words, no sentence punctuation."""
    return (
        len(line) <= _OUTLET_MAX_LENGTH
        and len(line.split()) <= _OUTLET_MAX_WORDS
        and _LETTER.search(line) is not None
        and _SENTENCE_PUNCTUATION.search(line) is None
    )


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end inside `text` (not counting its very end)."""
    return list(_sentence_ends(text))


def _sentence_ends(text: str) -> Iterator[int]:
    for match in _SENTENCE_END.finditer(text):
        # Abbreviations are short: a few characters before the full stop decide.
        start = match.start()
        if not _ABBREVIATION.search(text, max(0, start - _ABBREVIATION_REACH), start + 1):
            yield match.end()


def reads_as_sentence(line: str) -> bool:
    """True for a line written as a sentence of running text rather than as a headline.

    Headlines drop articles and auxiliaries ("Stein removed from debate site by police."),
    or capitalise their words; a lead sentence ending in a full stop does neither.
    """
    if not _SENTENCE_FINAL.search(line) or _is_title_case(line):
        return False
    return "," in line or any(word in _RUNNING_TEXT_WORDS for word in _WORDS.findall(line))


def _is_title_case(line: str) -> bool:
    words = [w for w in _WORDS.findall(line) if w[0].isalpha() and w.lower() not in _MINOR_WORDS]
    capitalised = sum(1 for w in words if w[0].isupper())
    return bool(words) and capitalised >= _TITLE_CASE_SHARE * len(words)


def is_title_like(line: str, next_line_in_block: str | None = None) -> bool:
    """True when a line can be a headline rather than the opening of the text."""
    if len(line) > TITLE_MAX_LENGTH or not _LETTER.search(line):
        return False
    if line.endswith(".") and len(line) > _TITLE_WITH_FULL_STOP_MAX_LENGTH:
        return False
    if sentence_ends(line) or reads_as_sentence(line):
        return False
    # A hard-wrapped paragraph continues on the next line in lower case.
    return not (next_line_in_block and next_line_in_block[0].islower())


def is_title_repeat(line: str, title: str) -> bool:
    """True when `line` says the title again, maybe slightly reworded or shortened."""
    if len(line) > TITLE_MAX_LENGTH:
        return False
    similarity = fuzz.ratio(line.casefold(), title.casefold())
    if similarity >= _SAME_TEXT_RATIO:
        return True
    # A lead sentence often retells the headline; only a headline-shaped line is a repeat.
    if reads_as_sentence(line):
        return False
    if similarity >= _REPEAT_RATIO:
        return True
    words, title_words = set(_WORDS.findall(line.casefold())), set(_WORDS.findall(title.casefold()))
    if min(len(words), len(title_words)) < 3:
        return False
    shared = len(words & title_words)
    return shared >= _REPEAT_OVERLAP * min(
        len(words), len(title_words)
    ) and shared >= _REPEAT_JACCARD * len(words | title_words)


def derive_title(body: str) -> str:
    """Make a title from the first sentence of the body, cut at a word near 100 characters."""
    first_line = body.split("\n", 1)[0].strip()
    end = next(_sentence_ends(first_line), len(first_line))
    sentence = first_line[:end]
    if len(sentence) <= DERIVED_TITLE_LENGTH:
        return sentence.rstrip(" .") or sentence
    cut = sentence.rfind(" ", 0, DERIVED_TITLE_LENGTH + 1)
    if cut <= 0:
        cut = DERIVED_TITLE_LENGTH
    return sentence[:cut].rstrip(" ,;:–—-") + "…"


# --- reading the article ----------------------------------------------------------------


@dataclass
class _Line:
    block: int
    text: str


class _Reading:
    """What parse_article has decided so far while walking down the lines."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.title_repeats = 0
        self.published: datetime.date | datetime.datetime | None = None
        self.published_source = ""
        self.dropped: list[str] = []
        self.notes: list[str] = []

    def drop(self, line: str, note: str) -> None:
        self.dropped.append(line)
        self.notes.append(note)


def parse_article(text: str) -> ParsedArticle:
    """Split a decoded article file into title, date and a clean body.

    Raises UnreadableText('no text after cleaning') when nothing of a body is left.
    """
    lines = _lines_in_blocks(normalize_text(text))
    reading = _Reading()
    start = _read_header(lines, reading)
    body_lines = [line for line in lines[start:] if not _dropped_as_furniture(line, reading)]
    if not body_lines and reading.title:
        body_lines = [_Line(0, reading.title)]
        reading.notes.append("the file holds only a title: kept it as the body too")
    body = _join_blocks(body_lines)
    if not _ALPHANUMERIC.search(body):
        raise UnreadableText("no text after cleaning")
    title_derived = reading.title is None
    if title_derived:
        reading.title = derive_title(body)
        reading.notes.append("no title line: title derived from the first sentence")
    if reading.title_repeats:
        times = reading.title_repeats + 1
        reading.notes.append(f"title repeated {times} times: kept the first")
    return ParsedArticle(
        title=reading.title,
        title_derived=title_derived,
        body=body,
        published=reading.published,
        published_source=reading.published_source,
        dropped=tuple(reading.dropped),
        notes=tuple(reading.notes),
    )


def _lines_in_blocks(text: str) -> list[_Line]:
    lines = []
    block = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            lines.append(_Line(block, line))
        elif lines and lines[-1].block == block:
            block += 1
    return lines


def _join_blocks(lines: list[_Line]) -> str:
    paragraphs: list[list[str]] = []
    block = None
    for line in lines:
        if line.block != block:
            paragraphs.append([])
            block = line.block
        paragraphs[-1].append(line.text)
    return "\n\n".join("\n".join(paragraph) for paragraph in paragraphs)


def _read_header(lines: list[_Line], reading: _Reading) -> int:
    """Take title, date and outlet lines off the top; return where the body starts."""
    for index, line in enumerate(lines):
        text = line.text
        if _dropped_as_furniture(line, reading):
            continue
        dated = find_date_line(text)
        if dated:
            _take_date_line(text, dated, reading)
            continue
        if reading.title is not None and is_title_repeat(text, reading.title):
            reading.title_repeats += 1
            reading.drop(text, f'dropped a repeat of the title: "{text}"')
            continue
        # An outlet name stands alone: a short line that runs on within its paragraph is text.
        if (
            is_outlet_like(text)
            and _next_in_block(lines, index) is None
            and (reading.title is not None or _title_follows(lines, index + 1, text))
        ):
            reading.drop(text, f'dropped a lone outlet-like name: "{text}"')
            continue
        if reading.title is None and is_title_like(text, _next_in_block(lines, index)):
            reading.title = text
            continue
        if reading.published is None:
            _take_leading_date(lines, index, reading)
        return index
    return len(lines)


def _dropped_as_furniture(line: _Line, reading: _Reading) -> bool:
    if not is_furniture(line.text):
        return False
    reading.drop(line.text, f'dropped site furniture: "{line.text}"')
    return True


def _take_date_line(text: str, dated: tuple, reading: _Reading) -> None:
    value, matched = dated
    if reading.published is None:
        reading.published = value
        reading.published_source = f'date line "{matched}"'
        reading.dropped.append(text)
    else:
        reading.drop(text, f'dropped another date line: "{text}"')


def _take_leading_date(lines: list[_Line], index: int, reading: _Reading) -> None:
    # "date 2023-02-28 NATO has entered…": take the date off the start of the first
    # paragraph, but only when it is labelled or set apart, so no sentence loses a word.
    text = lines[index].text
    found = find_date(text)
    if found is None:
        return
    value, matched = found
    rest = text[text.index(matched) + len(matched) :]
    if not (_LABELLED_DATE.match(matched) or _DATE_SEPARATOR.match(rest)):
        return
    rest = rest.lstrip(_FRAME_CHARACTERS)
    if not rest:
        return
    reading.published = value
    reading.published_source = f'text "{matched}"'
    reading.notes.append(f'removed "{matched}" from the start of the text')
    lines[index] = _Line(lines[index].block, rest)


def _next_in_block(lines: list[_Line], index: int) -> str | None:
    following = index + 1
    if following < len(lines) and lines[following].block == lines[index].block:
        return lines[following].text
    return None


def _title_follows(lines: list[_Line], start: int, name: str) -> bool:
    # Before any title, a short line is an outlet name only if a longer headline comes next;
    # otherwise it may be a short headline itself.
    for index in range(start, len(lines)):
        text = lines[index].text
        if is_furniture(text) or find_date_line(text):
            continue
        return (
            len(text.split()) > max(_OUTLET_MAX_WORDS, len(name.split()))
            and not text.endswith(".")
            and find_date(text) is None
            and is_title_like(text, _next_in_block(lines, index))
        )
    return False
