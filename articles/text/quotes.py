"""Quote extraction: find quoted speech in an article body and say who said it, with which cue."""

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from articles.text.speakers import name_gender, same_person


@dataclass(frozen=True)
class FoundQuote:
    start: int
    end: int
    text: str
    kind: str
    speaker: str | None
    cue: str


@dataclass(frozen=True)
class SpeakerMention:
    name: str
    aliases: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class Extraction:
    quotes: tuple[FoundQuote, ...]
    speakers: tuple[SpeakerMention, ...]


# --- vocabulary -------------------------------------------------------------------------------

_UPPER = "".join(chr(c) for c in range(0x2000) if chr(c).isupper())
# Abbreviations written before or inside names: "Mr. Obama", "Sen. Claire McCaskill".
_ABBREVIATIONS = (
    "Mr Mrs Ms Dr Sen Rep Gov Lt Gen Rev Sgt Col Capt Prof Jr Sr St Mt Ft Gen Sens Reps Amb Del"
).split()
_ABBREVIATION_SET = frozenset(a + "." for a in _ABBREVIATIONS)
# Those that name an office, not a person: "Sen. Claire McCaskill" is Claire McCaskill.
_TITLE_ABBREVIATIONS = frozenset(
    "Sen. Rep. Gov. Lt. Gen. Rev. Sgt. Col. Capt. Prof. Amb. Sens. Reps. Del.".split()
)
_CAP = (
    rf"(?:(?:{'|'.join(sorted(set(_ABBREVIATIONS), key=len, reverse=True))})\.(?!\w)"
    rf"|(?:[{_UPPER}]\.){{1,3}}(?!\w)|[{_UPPER}][\w’'\-]*)"
)
# A party tag after a name: "Rep. Gwen Moore (D-Wis.)".
_TAG = r"(?:[^\S\n]+\([A-Z][\w.\- ]{0,10}\))?"
_SP = r"[^\S\n]+"  # spaces within one line: a speaker phrase never spans lines

# Verbs of saying, in the forms that report speech. A cue may carry an auxiliary ("has said").
_CUE_VERBS = (
    "said says say told tells added adds noted stated claimed claims explained explains argued "
    "argues insisted insists warned warns wrote writes asked asks continued continues recalled "
    "recalls declared declares announced announces accused accuses complained complains admitted "
    "admits acknowledged acknowledges replied replies responded responds answered suggested "
    "suggests urged urges stressed stresses emphasized emphasizes emphasised emphasises tweeted "
    "posted commented remarked observed observes contended contends countered concluded "
    "concludes predicted predicts promised vowed threatened threatens joked jokes conceded "
    "concedes reiterated reiterates maintained maintains asserted asserts alleged alleges "
    "charged demanded denied denies confirmed confirms revealed reveals testified testifies "
    "quipped quips lamented laments boasted boasts cautioned cautions agreed agrees believes "
    "believed thinks thought wondered wonders mused muses shouted yelled pointed went reads "
    "reports reported sings sang put"
).split()
# ("as the memo put it")
_CUE_TAILS = {"pointed": r"\s+out", "went": r"\s+on(?:\s+to\s+\w+)?", "put": r"\s+it\b"}
_AUX = r"(?:(?:has|have|had|would|will|did|could|also|later|then|again|once|previously)\s+){0,2}"
_TOLD_OBJECT = (
    rf"(?:\s+(?:the\s+)?(?:{_CAP}\s*){{1,3}}(?:newspaper|news\s+agency|agency|radio|channel|"
    rf"television|TV|magazine)?|\s+(?:reporters|journalists|the\s+(?:press|media)))?"
)


def _cue_alternatives() -> str:
    forms = []
    for verb in sorted(set(_CUE_VERBS), key=len, reverse=True):
        if verb in _CUE_TAILS:
            forms.append(verb + _CUE_TAILS[verb])
        elif verb in ("told", "tells"):
            forms.append(verb + _TOLD_OBJECT)
        else:
            forms.append(verb)
    return "|".join(forms)


_CUE = rf"(?:{_AUX}(?:{_cue_alternatives()}))\b"

# Nouns that name a speaker by office; "the spokesman" refers back to whoever holds it.
_ROLE_NOUNS = (
    "spokesman spokeswoman spokesperson spokespeople secretary secretary-general minister president leader chief "
    "official officials diplomat adviser advisor aide senator governor chancellor ambassador "
    "candidate nominee chairman chairwoman chair director head commander general premier mayor "
    "representative rep congressman congresswoman lawmaker strategist manager analyst expert "
    "source sources spokesmen lawyer attorney professor economist prosecutor judge officer "
    "envoy negotiator deputy ceo founder executive member speaker host widow activist anchor "
    "columnist correspondent reporter historian pollster author writer pastor bishop coach "
    "physician surrogate operative consultant lobbyist donor businessman businesswoman "
    "billionaire sheriff organizer"
).split()
_ROLE_SET = frozenset(_ROLE_NOUNS)
_ROLE_MODIFIERS = (
    "former top senior deputy foreign defense defence prime press presidential vice acting "
    "campaign democratic republican white house state federal local military national "
    "chief general executive communications policy political rival retired interim longtime "
    "gop"
).split()
# Same office, different words: all of these answer to "the spokesman".
_ROLE_HEAD_SYNONYMS = {
    "spokeswoman": "spokesman",
    "spokesperson": "spokesman",
    "spokespeople": "spokesman",
    "spokesmen": "spokesman",
    "advisor": "adviser",
}
_ROLE_WORD = rf"(?:{'|'.join(sorted(_ROLE_NOUNS + _ROLE_MODIFIERS, key=len, reverse=True))})"
_DETERMINER = r"(?:the|a|an|his|her|its|their|The|A|An|His|Her|Its|Their)"
# An unnamed speaker after an inverted cue: "said one Democratic source".
_SPEAKER_DETERMINER = (
    r"(?:the|a|an|his|her|its|their|one|another|The|A|An|His|Her|Its|Their|One|Another)"
)
_PRONOUN = r"(?:he|she|they|He|She|They)"
# Capitalised words that open sentences but never names.
_NOT_NAME_WORDS = frozenset(
    (
        "the a an and but so then still also meanwhile however when while after before in on at "
        "earlier later last this that yet now moreover instead indeed thus afterwards nevertheless "
        "speaking asked according if as for with by from his her its their our my we i you it "
        "there here what who why how where on monday tuesday wednesday thursday friday saturday "
        "sunday mr mrs ms dr january february march april may june july august september "
        "october november december though although following because since during once "
        "despite unlike until unless whether even "
        # quantifiers and numbers open sentences too: "Another critic, …", "Twenty-two years ago"
        "another other others some many few several most all each every no only both either "
        "neither any such one two three four five six seven eight nine ten eleven twelve "
        "twenty thirty forty fifty sixty seventy eighty ninety hundred thousand"
    ).split()
)
_NAME_PARTICLES = r"(?:de|da|del|van|von|der|bin|al|la|le|ibn|du)"

# A speaker phrase: a pronoun, "the spokesman for X", or a run of capitalised words and role
# words ("Kremlin spokesman Dmitry Peskov", "Russian minister Lavrov", "the Kremlin").
_ROLE_TOKEN = rf"(?i:{_ROLE_WORD})(?![\w’'])"
_NAME_RUN = (
    rf"(?:(?:{_ROLE_TOKEN}|{_CAP}|{_NAME_PARTICLES}){_SP}){{0,6}}(?:{_ROLE_TOKEN}|{_CAP}){_TAG}"
)
_POSSESSOR = rf"(?:{_CAP}[’']s{_SP})"
_SPEAKER = (
    rf"(?:{_PRONOUN}"
    rf"|(?:{_SPEAKER_DETERMINER}{_SP})?{_POSSESSOR}?(?:{_ROLE_TOKEN}{_SP}){{0,3}}{_ROLE_TOKEN}"
    rf"{_SP}(?:for|of|to){_SP}(?:the{_SP})?{_NAME_RUN}"
    rf"|(?:{_SPEAKER_DETERMINER}{_SP})?{_POSSESSOR}?{_NAME_RUN})"
)

_AFTER_QUOTE = re.compile(
    rf"[\s,.:;–—-]*(?:(?P<speaker>{_SPEAKER}){_SP}(?:\w+ly{_SP})?(?P<cue>{_CUE})"
    # "said 9/11 widow Terry Strada", "said 32-year-old nurse Ann Lee": a modifier with a
    # digit may open the phrase after an inverted cue.
    rf"|(?P<cue2>{_CUE}){_SP}(?:\d[\w/’'-]*{_SP})?(?P<speaker2>{_SPEAKER}))"
)
# A signature after a quote, alone at the end of its line: "“…” ― Pamela Padilla".
_DASH_SIGNATURE = re.compile(
    rf"[^\S\n]*[―—–][^\S\n]*(?P<speaker>{_NAME_RUN})[^\S\n]*[.,]?[^\S\n]*(?=\n|\Z)"
)
_DASH_SIGNATURE_AT_END = re.compile(
    rf"[”\"][^\S\n]*[―—–][^\S\n]*(?P<speaker>{_NAME_RUN})[^\S\n]*[.,]?[^\S\n]*\Z"
)
_HEADLINE_INTRO = re.compile(rf"\s*(?P<speaker>{_SPEAKER})[^\S\n]*:\s")
# Nominal cues: "according to Peskov", "remarks by Stoltenberg".
_ACCORDING_TO = re.compile(
    rf"(?P<cue>[Aa]ccording{_SP}to|(?:remarks|comments|statement|words|claims){_SP}(?:by|from|of))"
    # "according to conservative talk radio host Rush Limbaugh": lower-case words may lead
    # to a role word.
    rf"{_SP}(?:of{_SP})?(?:(?:[a-z][\w-]*{_SP}){{1,3}}(?={_ROLE_TOKEN}))?(?P<speaker>{_SPEAKER})"
)
# Cues are found first (a cheap scan); the speaker phrase is then read backwards from each.
_CUE_AT = re.compile(rf"(?<![\w’'-])(?:{_cue_alternatives()})\b")
_AUX_WORDS = frozenset(
    "has have had would will did could also later then again once previously".split()
)
_CUE_TAIL = re.compile(rf"(?<![\w’'-])(?:{_CUE})(?:\s+that)?[\s,:]*\Z")
_TOKEN = re.compile(r"\S+")
_ROLE_WORD_SET = frozenset(_ROLE_NOUNS + _ROLE_MODIFIERS)
_ROLE_MODIFIER_SET = frozenset(_ROLE_MODIFIERS) - frozenset(_ROLE_NOUNS)
# Case-sensitive alternatives (lower and Capitalised) keep the scan on re's fast path.
_ROLE_AT = re.compile(
    r"(?<![\w’'-])(?:"
    + "|".join(
        sorted(
            {w for n in _ROLE_NOUNS for w in (n, n.capitalize(), n.title())}, key=len, reverse=True
        )
    )
    + r")(?![\w’'-])"
)
_DETERMINERS = frozenset(("the", "a", "an", "his", "her", "its", "their"))
_FUNCTION_WORDS = frozenset("and or but that which who then also so as".split())
# "one questioner claimed", "several voters said": someone unnamed speaks.
_QUANTIFIERS = frozenset("one another some several many other multiple few".split())
_PARTICLES = frozenset(("de", "da", "del", "van", "von", "der", "bin", "al", "la", "le", "du"))
_PRONOUNS = frozenset(("he", "she", "they"))

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_DOUBLE_MARKS = re.compile(r"[“”„«»\"]")
_SINGLE_MARKS = re.compile(r"[‘’]")
# A sentence ends at .!? (possibly closed by a quote mark or bracket) before a capital or quote.
# (A full stop after an initial or an abbreviation such as "Mr." or "Sen." does not end one.)
_SENTENCE_END = re.compile(rf"[.!?…][\"”’)\]]*\s+(?=[\"“‘(\[]?[{_UPPER}0-9])")
_WORD = re.compile(r"\S+")
_FIRST_ALNUM = re.compile(r"[^\W_]")
_OPENING_CONTEXT = " \t\n([{—–-/“‘«„"
_SCARE_MAX_WORDS = 3


# --- finding quoted spans ---------------------------------------------------------------------


def _paragraphs(body: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for br in _PARAGRAPH_BREAK.finditer(body):
        spans.append((start, br.start()))
        start = br.end()
    spans.append((start, len(body)))
    return spans


def _looks_opening(body: str, i: int, end: int) -> bool:
    before = body[i - 1] if i > 0 else " "
    after = body[i + 1] if i + 1 < end else " "
    return before in _OPENING_CONTEXT and not after.isspace()


def _looks_closing(body: str, i: int, end: int) -> bool:
    before = body[i - 1] if i > 0 else " "
    after = body[i + 1] if i + 1 < end else " "
    return not before.isspace() and (after.isspace() or not after.isalnum())


def _double_quoted(
    body: str, start: int, end: int, curly: bool = False
) -> list[tuple[int, int, bool]]:
    """(open mark, close mark or paragraph end, closed?) of each top-level double quote.
    `curly`: the article quotes with curly marks."""
    found: list[tuple[int, int, bool]] = []
    stack: list[tuple[str, int]] = []
    for m in _DOUBLE_MARKS.finditer(body, start, end):
        mark, i = m.group(), m.start()
        if mark == '"' and curly and not stack and _excerpt_marker(body, i, start, end):
            continue
        if mark in "“„«":
            if stack and stack[-1][0] == "„" and mark == "“":
                closes = True
            elif (
                len(stack) == 1
                and stack[0][0] == "“"
                and mark == "“"
                and not _closes_twice(body, i, end)
            ):
                # A second opening curly mark means the first was never closed: a typo, not
                # nesting (English nests with single marks) unless two closing marks follow.
                found.append((stack[0][1], i, False))
                stack = [(mark, i)]
                continue
            else:
                closes = False
        elif mark in "”»":
            if not stack:
                if (
                    mark == "”"
                    and (i == start or body[i - 1] == "\n")
                    and (_looks_opening(body, i, end) or body.startswith(" …", i + 1))
                ):
                    # a paragraph opened with the wrong mark: ”Fear., ” … what I learned
                    stack.append((mark, i))
                continue  # otherwise a stray closer
            closes = True
        elif stack and stack[-1][0] == '"':
            closes = True
        elif stack:
            closes = not (_looks_opening(body, i, end) and not _looks_closing(body, i, end))
        elif _looks_closing(body, i, end) and not _looks_opening(body, i, end):
            continue  # an inch mark or a stray closer
        else:
            closes = False
        if not closes:
            stack.append((mark, i))
            continue
        outer = stack[0][1]
        stack.pop()
        if not stack:
            found.append((outer, i, True))
    if stack:
        # Unbalanced: the quote runs to the end of its paragraph and no further.
        found.append((stack[0][1], end, False))
    return found


def _closes_twice(body: str, i: int, end: int) -> bool:
    """Whether two closing curly marks follow an opening one on its line before any other
    opening mark: “… what he calls “hell” than …” nests one quote in another."""
    line_end = body.find("\n", i, end)
    line_end = end if line_end < 0 else line_end
    next_open = body.find("“", i + 1, line_end)
    stop = line_end if next_open < 0 else next_open
    first = body.find("”", i + 1, stop)
    return first >= 0 and body.find("”", first + 1, stop) >= 0


def _excerpt_marker(body: str, i: int, start: int, end: int) -> bool:
    """In an article that marks excerpts of another text with a straight mark opening a
    line (see _EXCERPT_LINE), such a mark that nothing closes on its line is an excerpt
    marker, not a quote ("The Post reports:\n\n"She had been hospitalized after what she
    called a “rant,” …"): the quotes are the curly ones inside it."""
    if i > start and body[i - 1] != "\n":
        return False
    line_end = body.find("\n", i, end)
    return body.find('"', i + 1, end if line_end < 0 else line_end) < 0


# A line opened by a straight mark that nothing closes, holding curly quotes: the article
# marks excerpts so ("“Finally,” she said.\n\n"She called it a “rant,” a series of …").
_EXCERPT_LINE = re.compile(r'(?m)^"[^"\n]*“[^"\n]*$')
# A turn of an interview transcript opening a line: "PENCE: Well, …".
_TURN_LINE = re.compile(r'(?m)^"?[A-Z][A-Z.\'’ -]{1,30}:\s')


def _single_quoted(body: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Top-level ‘…’ quotes; ’ closes only when no letter follows (else an apostrophe)."""
    found = []
    open_at = None
    for m in _SINGLE_MARKS.finditer(body, start, end):
        i = m.start()
        if m.group() == "‘":
            if _looks_opening(body, i, end):
                open_at = i
        elif open_at is not None:
            after = body[i + 1] if i + 1 < end else " "
            if not after.isalnum():
                found.append((open_at, i, True))
                open_at = None
    return found  # an unclosed ‘ is an apostrophe or a typo: never a quote


_ANY_MARK = re.compile(r"[“”„«»\"‘’]")


def _quoted_spans(
    body: str, paragraphs: list[tuple[int, int]]
) -> list[tuple[int, int, int, bool, int]]:
    """(open mark, close mark, paragraph index, closed?, paragraph start) of every quote."""
    spans = []
    marks = [m.start() for m in _ANY_MARK.finditer(body)]
    if not marks:
        return spans
    # (In a transcript, lines opened by a straight mark are turns of speech, not excerpts.)
    curly = (
        '\n"' in body and _EXCERPT_LINE.search(body) is not None and _TURN_LINE.search(body) is None
    )
    for p, (ps, pe) in enumerate(paragraphs):
        k = bisect.bisect_left(marks, ps)
        if k == len(marks) or marks[k] >= pe:
            continue  # no quote mark in this paragraph
        doubles = _double_quoted(body, ps, pe, curly)
        if body.find("‘", ps, pe) < 0:  # no single quote can open here: most paragraphs
            spans.extend((o, c, p, closed, ps) for o, c, closed in doubles)
            continue
        cursor = ps
        for o, c, closed in doubles:
            for so, sc, sclosed in _single_quoted(body, cursor, o):
                spans.append((so, sc, p, sclosed, ps))
            spans.append((o, c, p, closed, ps))
            cursor = c + 1
        for so, sc, sclosed in _single_quoted(body, cursor, pe):
            spans.append((so, sc, p, sclosed, ps))
    return spans


def _inner(body: str, o: int, c: int) -> tuple[int, int]:
    s, e = o + 1, c
    while s < e and body[s].isspace():
        s += 1
    while e > s and body[e - 1].isspace():
        e -= 1
    return s, e


def _masked(body: str, raws: list["_Raw"]) -> str:
    """The body with quoted words blanked, so names and full stops inside quotes do not
    count as the writer's sentences; a quote's final punctuation is kept."""
    parts, cursor = [], 0
    for r in raws:
        parts.append(body[cursor : r.start])
        inner = body[r.start : r.end]
        # A capital stays a capital, so that the writer's sentence before “We …” ends.
        first = "X" if inner[:1].isupper() else "x"
        if len(inner) > 1 and inner[-1] in ".!?…,":
            parts.append(first + "x" * (len(inner) - 2) + inner[-1])
        else:
            parts.append(first + "x" * (len(inner) - 1))
        cursor = r.end
    parts.append(body[cursor:])
    masked = "".join(parts)
    if '\n"' in masked:  # a straight mark opening an excerpt's line is no one's word
        opens = {r.open for r in raws}
        for m in _LINE_OPENING_MARK.finditer(masked):
            if m.start() not in opens:
                masked = f"{masked[: m.start()]} {masked[m.end() :]}"
    return masked


_LINE_OPENING_MARK = re.compile(r'(?m)^"')


# --- speakers ---------------------------------------------------------------------------------


@dataclass
class _Person:
    names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    is_org: bool = False
    gender: str = ""  # 'm', 'f' or '' when unknown
    gender_looked_up: bool = False

    def canonical(self) -> str:
        return max(self.names, key=lambda n: (len(n.split()), len(n)))


@dataclass(frozen=True)
class _Phrase:
    """A parsed speaker phrase: a name, a role reference, or a pronoun."""

    text: str
    name: str = ""
    role: str = ""
    role_head: str = ""
    pronoun: str = ""
    is_org: bool = False


def _role_head(role: str) -> str:
    head = ""
    for word in role.split():
        low = word.casefold().rstrip(",")
        if low in ("for", "of", "to"):
            break
        if low in _ROLE_SET:
            head = low
    return _ROLE_HEAD_SYNONYMS.get(head, head)


# "Secretary of State", "Secretary of Defense": the complement belongs to the office.
_OFFICE_DOMAINS = frozenset(
    "state defense defence energy labor health education commerce agriculture transportation "
    "justice treasury homeland staff interior housing".split()
)


# The last word of an organisation's name: "the Security Council", "Acme Corp".
_ORGANISATION_HEADS = frozenset(
    "council committee commission department ministry agency association party union "
    "foundation institute university college court congress senate administration company "
    "corporation corp inc bank group network news times post journal tribune press service "
    "office board center centre caucus coalition alliance league federation organization "
    "organisation police army navy government".split()
)


@lru_cache(maxsize=8192)
def _parse_phrase(text: str) -> _Phrase:
    words = [w for w in text.split() if not (w[:1] == "(" and w[-1:] == ")")]
    if not words:
        return _Phrase(text)
    if len(words) == 1 and words[0].casefold() in ("he", "she", "they"):
        return _Phrase(text, pronoun=words[0].casefold())
    determiner = words[0].casefold() in ("the", "a", "an", "his", "her", "its", "their")
    while words and (
        words[0].casefold().split("-", 1)[0] in _NOT_NAME_WORDS
        or words[0] in ("Said", "Says", "Added", "Adds", "Told", "Wrote", "Noted")  # "Said Ellis"
    ):
        words.pop(0)  # "Twenty-two years ago" as well
    for k, w in enumerate(words):  # "Putin’s spokesman": the possessor is not the speaker
        if w.endswith(("’s", "'s")):
            words = words[k + 1 :]
            break
    lowered = [w.casefold() for w in words]
    for k in range(len(words) - 2):  # "Secretary of State John F. Kerry": an office, a name
        if (
            lowered[k + 1] == "of"
            and lowered[k + 2] in _OFFICE_DOMAINS
            and words[k + 2][:1].isupper()
        ):
            words = words[: k + 1] + words[k + 3 :]
            lowered = lowered[: k + 1] + lowered[k + 3 :]
            break
    for k in range(1, len(words) - 1):  # "Mr. Morgan of the Sierra Club" is Mr. Morgan
        if lowered[k] in ("of", "from", "at") and _is_person_name(words[:k]):
            words, lowered = words[:k], lowered[:k]
            break
    if any(
        low in ("for", "of", "to") and (k == 0 or lowered[k - 1] in _ROLE_WORD_SET)
        for k, low in enumerate(lowered)
    ):
        # "spokesman for Russian President Vladimir Putin" names the spokesman, not Putin
        role = " ".join(words)
        return _Phrase(text, role=role, role_head=_role_head(role))
    split = len(words)
    while (
        split > 0
        and (
            (
                words[split - 1][:1].isupper()
                and lowered[split - 1] not in _ROLE_SET
                and words[split - 1] not in _TITLE_ABBREVIATIONS
            )
            or (  # a particle inside a name: "Bill de Blasio"
                lowered[split - 1] in _PARTICLES
                and split >= 2
                and words[split - 2][:1].isupper()
                and split < len(words)
            )
            or (  # an organisation: "Commission on Presidential Debates", "Federation of Teachers"
                lowered[split - 1] in ("of", "on", "for")
                and split >= 2
                and words[split - 2][:1].isupper()
                and lowered[split - 2] not in _ROLE_SET
            )
        )
    ):
        split -= 1
    # "Rival Hillary Clinton", "Former Ann Lee": a capitalised modifier opening the sentence
    # before a known first name belongs to the role.
    while (
        len(words) - split > 2
        and lowered[split] in _ROLE_WORD_SET
        and name_gender(words[split + 1])
    ):
        split += 1
    name_words = words[split:]
    if len(name_words) == 1 and name_words[0].casefold() in _ROLE_WORD_SET:
        split = len(words)  # "Republican claims", "Democratic" alone: a modifier, no name
        name_words = []
    role = " ".join(words[:split])
    if not name_words:
        return _Phrase(text, role=role, role_head=_role_head(role))
    name = " ".join(name_words)
    is_org = (
        (determiner and not role)
        or (len(name_words) == 1 and name.isupper())
        or any(len(w) > 1 and w.isalpha() and w.isupper() for w in name_words)  # "NBC News"
        or name_words[-1].casefold() in _ORGANISATION_HEADS
        or any(w in ("of", "on", "for") for w in name_words)
    )
    return _Phrase(text, name=name, role=role, role_head=_role_head(role), is_org=is_org)


def _is_person_name(words: list[str]) -> bool:
    """Whether capitalised words name a person: an honorific or a known first name before a
    surname ("Mr. Morgan", "Jane Smith"), not an organisation ("Bank", "Federation")."""
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return False
    first = words[0].casefold()
    return first in ("mr.", "mrs.", "ms.", "dr.", "mr", "mrs", "ms", "dr") or bool(
        name_gender(words[0]) and words[0] not in _TITLE_ABBREVIATIONS
    )


# A name opening one of the writer's sentences and followed by a lower-case word (a verb,
# as a rule): "Ann Lee can be heard …", "Gen. Tom Reed made it clear …".
_SENTENCE_SUBJECT = re.compile(rf"(?P<name>(?:{_CAP}{_SP}){{2,7}})(?=(?:\w+ly{_SP})?[a-z])")


# A first name or honorific and a surname: "Hillary Clinton", "Mrs. Clinton".
_GENDERED_NAME = re.compile(
    r"(?<![\w.’'-])(?P<first>[A-Z][a-z]+\.?)[^\S\n]+(?:[A-Z]\.[^\S\n]+)?[A-Z][\w’'-]*[a-z]"
)
_HONORIFIC_WORDS = frozenset("mr mr. mrs mrs. ms ms. miss".split())
_GENDERED_PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
_WORD_OR_STOP = re.compile(r"[\w’'-]+|[.!?]")


def _pronoun_after(text: str, name_end: int) -> str:
    """The gender of the first he/she/his/her after a name in the rest of its sentence,
    unless another name comes first (then the pronoun may be that one's), or of a He/She
    that opens the next sentence ("Ann thought it outrageous. She was angry.")."""
    stopped = False
    for m in _WORD_OR_STOP.finditer(text, name_end, min(len(text), name_end + 150)):
        word = m.group()
        if stopped:
            return _GENDERED_PRONOUNS.get(word.casefold(), "") if word in ("He", "She") else ""
        if word in ".!?":
            stopped = True
            continue
        if word[:1].isupper():
            return ""
        gender = _GENDERED_PRONOUNS.get(word)
        if gender:
            return gender
    return ""


def _sentence_openings(text: str, lo: int, hi: int):
    """Where the writer's sentences open between lo and hi, latest first: after a line
    break, or after . ! ? and a space before a capital (not after "Mr." or an initial)."""
    end = hi
    while end > lo:
        stop = max(text.rfind(". ", lo, end), text.rfind("\n", lo, end))
        stop = max(stop, text.rfind("? ", lo, end), text.rfind("! ", lo, end))
        if stop < 0:
            if lo == 0:
                yield 0  # the text's first sentence
            return
        end = stop
        if text[stop] == "\n":
            yield stop + 1
            continue
        if not text[stop + 2 : stop + 3].isupper():
            continue
        word = text[max(lo, stop - 4) : stop + 1].rsplit(None, 1)[-1]
        if (
            word in _ABBREVIATION_SET
            or (len(word) == 2 and word[0].isupper())
            or (len(word) == 4 and word[1] == "." and word[0].isupper())
        ):
            continue  # "Mr. Obama", "Lawrence B. Cummings", "U.S. Supreme Court"
        yield stop + 2


class _Cast:
    """The people and organisations who speak in one article, resolved as the text goes."""

    def __init__(self, text: str = "") -> None:
        self.text = text  # the writer's text, where a surname may meet its first name
        self.people: list[_Person] = []
        self.last_person: _Person | None = None
        self.last_org: _Person | None = None
        self.spoken: list[_Person] = []  # speakers in the order they last spoke
        self.last_speech_at = 0  # where the latest speaker phrase stands
        # Who spoke last in the writer's words without a quote ("Kim Roe agreed."), if the
        # latest speaker phrase was such: a "she said" after it likely stands for them.
        self.last_unquoted: _Person | None = None
        # (position, person) of people introduced in apposition: "Ann Lee, a pollster at …"
        self.introduced: list[tuple[int, _Person]] = []

    def named(self, phrase: _Phrase) -> _Person:
        name, is_org = phrase.name, phrase.is_org
        found = None
        for person in self.people:  # plain loops: this runs for every mention
            if person.is_org != is_org:
                continue
            for known in person.names:
                if known == name or same_person(name, known):
                    found = person
                    break
            if found is not None:
                break
        person = found
        if person is None:
            person = _Person(is_org=is_org)
            self.people.append(person)
        if phrase.name not in person.names:
            person.names.append(phrase.name)
        if phrase.role and phrase.role not in person.roles:
            person.roles.append(phrase.role)
        if not person.gender and not person.is_org:
            person.gender = name_gender(phrase.text)
        return person

    def pronoun(self, pronoun: str) -> _Person | None:
        """The latest speaker a pronoun can stand for: "they" an organisation, "he"/"she" the
        latest person whose known gender does not contradict it."""
        if pronoun == "they":
            return self.last_org
        want = "m" if pronoun == "he" else "f"
        unknown = None
        for person in reversed(self.spoken[-4:]):
            if person.is_org:
                continue
            if not person.gender and not person.gender_looked_up:
                person.gender = self.gender_in_text(person)
                person.gender_looked_up = True
            if person.gender == want:
                return person  # a recent speaker known to be "she" beats an unknown one …
            if not person.gender and unknown is None:
                if person is self.spoken[-1] and len(person.canonical().split()) > 1:
                    # … but the one who spoke last, named in full, is likelier than an earlier
                    # "she" (a bare surname, "Leahy", is too little to go on)
                    return person
                unknown = person
        return unknown

    def subject_before(self, pronoun: str, pos: int) -> _Person | None:
        """When no speaker fits a pronoun: the person last named in full as the subject of
        one of the writer's sentences shortly before it ("Ann Lee can be heard yelling …
        “Stop!” she says"), if their gender does not contradict it."""
        want = {"he": "m", "she": "f"}.get(pronoun)
        if want is None:
            return None
        text = self.text
        for opening in _sentence_openings(text, max(0, pos - 600), pos):
            m = _SENTENCE_SUBJECT.match(text, opening, pos)
            if m is None:
                continue
            phrase = _parse_phrase(m.group("name").strip())
            if (
                len(phrase.name.split()) >= 2
                and not phrase.is_org
                and name_gender(phrase.name.split()[0]) in ("", want)  # the first name's
            ):
                return self.named(phrase)
        return None

    def gender_in_text(self, person: _Person) -> str:
        """The gender a person's name has elsewhere in the article: a first name or an
        honorific before the surname ("Hillary Clinton", "Mrs. Clinton"; for someone whose
        own first name says nothing, only an honorific: a relative may share the surname),
        else the first pronoun after the name in its sentence ("Ann Lee can be heard yelling
        that her husband …")."""
        name = person.canonical().split()
        surname, has_first_name = name[-1], len(name) > 1 and len(name[0].rstrip(".")) > 1
        text = self.text
        after = []
        i = text.find(surname)
        while i > 0 and len(after) < 20:
            before = text[max(0, i - 25) : i].split()
            if before and text[i - 1] == " ":
                word = before[-1]
                gender = name_gender(word)
                if gender and (not has_first_name or word.casefold() in _HONORIFIC_WORDS):
                    return gender
            after.append(i + len(surname))
            i = text.find(surname, i + len(surname))
        for end in after:
            gender = _pronoun_after(text, end)
            if gender:
                return gender
        return ""

    def with_role(self, head: str) -> _Person | None:
        if not head:
            return None
        for person in reversed(self.people):
            if any(_role_head(r) == head for r in person.roles):
                return person
        return None

    def newcomer(self, pronoun: str, since: int, end: int) -> _Person | None:
        """A person brought on stage after the latest speaker and before a "he/she said":
        the subject of one of the writer's sentences in between ("Kim Roe doubts it. “…,”
        she said") or someone introduced in apposition ("…, which worries Kim Roe, a
        pollster at Acme. “…,” she said"), the latest first, if their gender agrees. The
        pronoun stands for them rather than for whoever spoke before."""
        want = {"he": "m", "she": "f"}.get(pronoun)
        if want is None or end <= since:
            return None
        latest_intro = None
        for at, person in reversed(self.introduced):
            if at < end:
                if at > since and self.gender_of(person) in ("", want):
                    latest_intro = (at, person)
                break
        text = self.text
        for opening in _sentence_openings(text, max(since, end - 600), end):
            if latest_intro is not None and latest_intro[0] > opening:
                return latest_intro[1]
            subject = _sentence_subject(text, opening, end)
            if subject is None:
                continue
            phrase = _parse_phrase(subject.group("speaker"))
            if not phrase.name or phrase.is_org:
                continue
            person = self.known(phrase) if len(phrase.name.split()) < 2 else self.named(phrase)
            # The sentence itself may tell: "Ann Lee can be heard yelling that her husband …"
            gender = (
                name_gender(phrase.name)
                or _pronoun_after(text, subject.end("speaker"))
                or (self.gender_of(person) if person is not None else "")
            )
            if person is not None and gender in ("", want):
                return person
        return latest_intro[1] if latest_intro is not None else None

    def known(self, phrase: _Phrase) -> _Person | None:
        """The person already in the cast that a bare surname names, if any."""
        for person in self.people:
            if not person.is_org and any(same_person(phrase.name, n) for n in person.names):
                return self.named(phrase)
        return None

    def gender_of(self, person: _Person) -> str:
        if not person.gender and not person.gender_looked_up:
            person.gender = self.gender_in_text(person)
            person.gender_looked_up = True
        return person.gender

    def resolve(
        self, phrase: _Phrase, later: list[_Phrase], pos: int = 0, quote_open: int | None = None
    ) -> _Person | None:
        """The person a phrase refers to (`pos`: where the phrase stands, `quote_open`: where
        its quote opens); updates who spoke last."""
        if quote_open is None:
            quote_open = pos
        if phrase.name:
            person = self.named(phrase)
        elif phrase.pronoun:
            person = self.newcomer(phrase.pronoun, self.last_speech_at, min(pos, quote_open))
            if person is None:
                person = self.unquoted_speaker(phrase.pronoun) or self.pronoun(phrase.pronoun)
                if person is None or self.gender_of(person) == "":
                    person = self.gendered_newcomer(phrase.pronoun, min(pos, quote_open)) or person
                person = person or self.subject_before(phrase.pronoun, pos)
            if person is None:
                self.last_speech_at = pos
                self.last_unquoted = None
                return None

        else:
            person = self.with_role(phrase.role_head)
            if person is None:  # introduced later ("Kremlin spokesman: …" in a headline)
                for ahead in later:
                    if ahead.name and ahead.role_head == phrase.role_head and phrase.role_head:
                        person = self.named(ahead)
                        break
            if person is None and phrase.role_head not in ("", "source", "sources", "officials"):
                person = self.last_person
            if person is not None:
                ref = phrase.text.strip()
                if ref not in person.references:
                    person.references.append(ref)
        if person is not None:
            self.touch(person)
        self.last_speech_at = pos
        self.last_unquoted = person if pos == quote_open else None
        return person

    def gendered_newcomer(self, pronoun: str, end: int) -> _Person | None:
        """When no speaker is known to fit a he/she: the person last named in full with a
        first name or honorific of that gender in a paragraph after the latest speaker phrase
        ("…, said Batchelder.\n\nIt is an issue, with Hillary Clinton lambasting the plan.\n\n
        “…,” she said")."""
        want = {"he": "m", "she": "f"}.get(pronoun)
        since = self.last_speech_at
        if want is None or end <= since:
            return None
        text = self.text
        paragraph = text.find("\n", since, end)
        if paragraph < 0:
            return None
        found = None
        for m in _GENDERED_NAME.finditer(text, paragraph, end):
            if name_gender(m.group("first")) == want:
                found = m
        if found is None:
            return None
        return self.named(_parse_phrase(found.group().strip()))

    def unquoted_speaker(self, pronoun: str) -> _Person | None:
        """The person whose words the writer reported last, without a quote, when nobody
        spoke since and their gender does not contradict the pronoun ("Kim Roe agreed with
        him. “…,” she said")."""
        person = self.last_unquoted
        want = {"he": "m", "she": "f"}.get(pronoun)
        if person is None or want is None or person.is_org:
            return None
        return person if self.gender_of(person) in ("", want) else None

    def touch(self, person: _Person) -> None:
        """`person` is now the latest one spoken of."""
        if person.is_org:
            self.last_org = person
        else:
            self.last_person = person
        if not self.spoken or self.spoken[-1] is not person:
            if person in self.spoken:
                self.spoken.remove(person)
            self.spoken.append(person)


# --- attribution ------------------------------------------------------------------------------


@dataclass
class _Raw:
    open: int
    close: int
    start: int
    end: int
    paragraph: int
    paragraph_start: int
    closed: bool
    speaker_phrase: tuple[int, str] | None = None  # (position, phrase text)
    cue: str = ""
    attached: bool = False  # a cue stands right next to the quote
    sentence_start: int = 0  # where the writer's sentence holding the quote begins


@dataclass
class _Event:
    position: int  # where the speaker phrase starts
    text: str  # the speaker phrase
    cue: str
    cue_end: int


def _sentence_ends(masked: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of every sentence-ending punctuation run in the writer's text, within
    the given spans (the paragraphs that hold quotes)."""
    ends = []
    for m in (m for ps, pe in spans for m in _SENTENCE_END.finditer(masked, ps, pe)):
        i = m.start()
        if masked[i] == ".":
            before = masked[max(0, i - 5) : i]
            cut = max(before.rfind(" "), before.rfind("\n"), before.rfind("("), before.rfind("“"))
            if cut >= 0 or i < 5:  # a word of at most four characters before the stop
                word = before[cut + 1 :]
                if (len(word) == 1 and word.isupper()) or word + "." in _ABBREVIATION_SET:
                    continue  # "Ronald R. Fieldstone", "Mr. Obama"
                if "." in word and _INITIALS.fullmatch(word + "."):
                    continue  # "G.K. Butterfield"
        ends.append((i, m.end()))
    return ends


def _sentence_bounds(
    ends: list[tuple[int, int]], ps: int, pe: int, o: int, c: int, masked: str
) -> tuple[int, int]:
    k = bisect.bisect_left(ends, (o, -1))
    start = ps
    while k > 0:
        k -= 1
        if ends[k][1] <= o:
            start = max(ps, ends[k][1])
            break
    k = bisect.bisect_left(ends, (c - 1, -1))
    if k < len(ends) and ends[k][0] == c - 1 and ends[k][1] <= pe and masked[c - 1] == ".":
        return start, c  # the quote's own full stop ends the sentence: “… delay.” Clinton
    k = bisect.bisect_left(ends, (min(c + 1, pe), -1))
    end = ends[k][0] + 1 if k < len(ends) and ends[k][1] <= pe else pe
    return start, end


_INITIALS = re.compile(r"(?:[A-Z]\.)+")


def _is_name_token(token: str) -> bool:
    if token[:1].isupper():
        if token[-1:] == ".":
            return len(token) <= 3 or token in _ABBREVIATION_SET or _INITIALS.fullmatch(token)
        return token[-1:] not in ",;:!?"
    if token[:1] == "(" and token[-1:] == ")" and len(token) <= 12:
        return True  # a party tag: "(D-Wis.)"
    return token in _ROLE_WORD_SET or token in _PARTICLES


_APPOSITION_OPENERS = frozenset("a an the who whose one his her its their".split())


def _apposed_speaker(masked: str, tokens: list[tuple[int, str]], i: int) -> tuple[int, str] | None:
    """ "Brian Fallon, the campaign’s press secretary, said": the name before an apposition
    (or a "who …" clause) that sits between it and the cue."""
    found = None
    for k in range(i - 1, max(-1, i - 30), -1):
        token = tokens[k][1]
        if token[-1:] in ".;:!?" or token in ("said", "says"):
            break
        if not token.endswith(","):
            continue
        after = tokens[k + 1][1]
        if not (
            after.casefold() in _APPOSITION_OPENERS
            or after[:1].islower()
            or after[:1].isdigit()  # an age: "Quina Jones, 25, said"
            or after[:2] in ("R-", "D-", "I-")
            or after.endswith(("’s", "'s"))  # "Roy Cooper (D), McCrory's opponent, said"
        ):
            continue
        name_end = k
        bare = token.rstrip(",")
        if not bare or not _is_name_token(bare) or not bare[:1].isupper():
            if bare[:1] == "(" and bare[-1:] == ")":  # "Gwen Moore (D-Wis.), head of …"
                name_end = k - 1
            else:
                continue
        j = name_end - 1
        while j >= 0 and name_end - j < 6 and _is_name_token(tokens[j][1]):
            j -= 1
        start = tokens[j + 1][0]
        text = masked[start : tokens[name_end][0] + len(tokens[name_end][1])].rstrip(",")
        if _parse_phrase(text).name:
            found = (start, text)
    return found


def _tokens(text: str, lo: int, end: int) -> list[tuple[int, str]]:
    """(position, token) of the whitespace-separated tokens of text[lo:end]."""
    found, pos = [], lo
    for token in text[lo:end].split():
        pos = text.find(token, pos)
        found.append((pos, token))
        pos += len(token)
    return found


def _speaker_before(masked: str, end: int, floor: int) -> tuple[int, str] | None:
    """The speaker phrase that ends right before `end` (a cue), read backwards word by word:
    "he", "the spokesman", "Kremlin spokesman Dmitry Peskov", "the spokesman for X Y"."""
    lo = max(floor, end - 200, masked.rfind("\n", max(0, end - 200), end) + 1)
    near = max(lo, end - 90)  # enough for any phrase but an apposition
    if near > lo:
        near = masked.find(" ", near, end) + 1 or lo  # start at a word boundary
    tokens = _tokens(masked, near, end)
    i = len(tokens) - 1
    if near > lo and i >= 0 and tokens[i][1].endswith(","):
        tokens = _tokens(masked, lo, end)
        i = len(tokens) - 1
    if i >= 0 and tokens[i][1].endswith("ly") and tokens[i][1].islower():
        i -= 1  # "Peskov also complained", "he recently said"
    if i < 0:
        return None
    last = tokens[i][1]
    if last.casefold() in _PRONOUNS:
        return tokens[i][0], last
    j = i
    while j >= 0 and i - j < 7 and _is_name_token(tokens[j][1]):
        j -= 1
    if j == i:
        if last.endswith(","):
            return _apposed_speaker(masked, tokens, i)
        # "the commission", "the ad’s narrator", and a possessor's thing, which names no
        # one: "Ivana Trump's brief"
        if last.casefold() in _FUNCTION_WORDS:
            return None
        for k in range(i - 1, max(-1, i - 4), -1):
            word = tokens[k][1]
            if word.casefold() in _DETERMINERS or word.casefold() in _QUANTIFIERS:
                start = tokens[k][0]
                return start, masked[start : tokens[i][0] + len(last)]
            if word[:1].isupper() and word.endswith(("’s", "'s")) and word[-3:-2].isalpha():
                while k > 0 and _is_name_token(tokens[k - 1][1]) and tokens[k - 1][1][:1].isupper():
                    k -= 1
                start = tokens[k][0]
                return start, masked[start : tokens[i][0] + len(last)]
            if not (word[:1].islower() or word.endswith(("’s", "'s"))) or word[-1:] in ",.;:":
                break
        return None
    if j >= 0 and tokens[j][1].endswith(("’s", "'s")) and tokens[j][1][:1].isupper():
        j -= 1  # "Putin’s spokesman"
    if j >= 0 and tokens[j][1].casefold() in _DETERMINERS:
        j -= 1
    while (
        j >= 1
        and tokens[j][1] in ("of", "on", "for", "at")  # "Dan Roe at the National Review"
        and tokens[j - 1][1][:1].isupper()
        and tokens[j - 1][1].casefold() not in _ROLE_WORD_SET
        and tokens[j - 1][1][-1:] not in ",.;:"
    ):  # an organisation's name: "the Commission on Presidential Debates"
        k = j - 1
        while k >= 0 and j - k < 5 and _is_name_token(tokens[k][1]):
            k -= 1
        j = k
    if j >= 1 and tokens[j][1] in ("for", "of", "to"):
        k = j - 1
        while k >= 0 and tokens[k][1].casefold() in _ROLE_WORD_SET:
            k -= 1
        if k < j - 1:  # "the spokesman for Russian President Vladimir Putin"
            j = k - 1 if k >= 0 and tokens[k][1].casefold() in _DETERMINERS else k
    start = tokens[j + 1][0]
    return start, masked[start : tokens[i][0] + len(tokens[i][1])]


# "footage of Ann Lee saying, “…”": a name right before one of these speaks the quote.
_SPEAKING_AT = re.compile(r"(?<![\w’'-])(?:saying|asking|adding|telling|declaring|insisting)\b")


def _named_speaking(masked: str, s_start: int, quote_open: int) -> "_Event | None":
    """The named speaker of a participle of saying shortly before the quote, within its
    sentence ("The ad ends with footage of Ann Lee saying last week, “…”")."""
    lo = max(s_start, quote_open - 80)
    found = None
    for m in _SPEAKING_AT.finditer(masked, lo, quote_open):
        found = m
    if found is None:
        return None
    before = _speaker_before(masked, found.start(), s_start)
    if before is None or not _parse_phrase(before[1]).name:
        return None
    return _Event(before[0], before[1], found.group(), found.end())


def _attribute(
    raw: _Raw,
    masked: str,
    pe: int,
    events: list["_Event"],
    ends: list[tuple[int, int]],
    cue_ends: list[int] | None = None,
    verbs: list[int] | None = None,
) -> None:
    s_start, s_end = _sentence_bounds(ends, raw.paragraph_start, pe, raw.open, raw.close, masked)
    while s_start < raw.open and masked[s_start] in " \t":  # (a blanked excerpt mark)
        s_start += 1
    raw.sentence_start = s_start
    after_from = min(raw.close + 1, pe)
    line_start = masked.rfind("\n", 0, raw.open) + 1
    m = None
    if line_start == raw.open:  # the line is the quote
        m = _DASH_SIGNATURE.match(masked, after_from, pe)
    if m is None and masked[line_start] in '“"' and masked.find("―", after_from, pe) >= 0:
        # A line of quotes signed at its end: “…” And that is all. “…” ― Ann Lee
        line_end = masked.find("\n", after_from, pe)
        m = _DASH_SIGNATURE_AT_END.search(masked, after_from, pe if line_end < 0 else line_end)
    if m:
        raw.speaker_phrase = (m.start("speaker"), m.group("speaker"))
        raw.attached = True
        return
    # A cue right after the quote is within its first words; the long pattern runs only then.
    m = (
        _AFTER_QUOTE.match(masked, after_from, s_end)
        if not _CUE_FORMS.keys_set.isdisjoint(masked[after_from : after_from + 90].split()[:10])
        else None
    )
    if m and (m.group("speaker") or m.group("speaker2")):
        grp = "speaker" if m.group("speaker") else "speaker2"
        raw.speaker_phrase = (m.start(grp), m.group(grp))
        if raw.speaker_phrase[1].casefold() in _PRONOUNS:
            raw.speaker_phrase = _introducing_subject(masked, s_start, raw) or raw.speaker_phrase
        raw.cue = _clean_cue(m.group("cue") or m.group("cue2"))
        raw.attached = True
        return
    before = masked[s_start : raw.open].rstrip()
    if before.endswith(":") or (before and raw.open > 0 and masked[raw.open - 1].isalnum()):
        found = _speaker_before(masked, s_start + len(before.rstrip(":")), s_start)
        if found and _parse_phrase(found[1]).name:  # "Minister Lavrov: “…”"
            raw.speaker_phrase = found
            raw.attached = True
            return
    best = None
    cue_ends = [event.cue_end for event in events] if cue_ends is None else cue_ends
    k = bisect.bisect_right(cue_ends, raw.open)
    while k > 0 and events[k - 1].cue_end >= s_start:  # the last cue of the sentence before it
        k -= 1
        if events[k].position >= s_start:
            best = events[k]
            break
    for m in _ACCORDING_TO.finditer(masked, s_start, raw.open):
        if best is None or m.start() > best.position:
            best = _Event(m.start("speaker"), m.group("speaker"), _clean_cue(m.group("cue")), 0)
    leading = masked[s_start : raw.open]
    if "’s " in leading or "'s " in leading:
        for m in _POSSESSIVE_CUE.finditer(masked, s_start, raw.open):
            # "a fact-check of Ann Lee’s claim that there have been “thousands of …”"
            if raw.open - m.end() > 80:
                continue  # the quote is not what the claim says
            found = _speaker_before(masked, m.start(), s_start)
            if found is not None and (best is None or found[0] > best.position):
                if _parse_phrase(found[1]).name:
                    best = _Event(found[0], found[1], m.group("cue"), 0)
    speaking = _named_speaking(masked, s_start, raw.open)
    if speaking is not None and (best is None or speaking.cue_end > best.cue_end):
        best = speaking
    if best is not None and best.position > s_start:
        best = _subject_for(masked, s_start, raw.open, best)
    if best is not None:
        raw.speaker_phrase = (best.position, best.text)
        raw.cue = best.cue
        raw.attached = _CUE_TAIL.search(masked, max(s_start, raw.open - 60), raw.open) is not None
        return
    k = bisect.bisect_right(cue_ends, after_from)
    while k < len(events) and events[k].cue_end <= s_end:  # the first cue after it
        if events[k].position >= after_from:
            raw.speaker_phrase = (events[k].position, events[k].text)
            raw.cue = events[k].cue
            return
        k += 1
    m = _ACCORDING_TO.search(masked, after_from, s_end)
    if m:
        raw.speaker_phrase = (m.start("speaker"), m.group("speaker"))
        raw.cue = _clean_cue(m.group("cue"))
        return
    m = (
        _HEADLINE_INTRO.match(masked, s_start, raw.open)
        if masked.find(":", s_start, raw.open) >= 0
        else None
    )
    if m:
        raw.speaker_phrase = (m.start("speaker"), m.group("speaker"))
        return
    # A characterising verb names its speaker ("… and Clinton called it “a disgrace”"); a
    # pronoun before it ("Ban condemned what he called a “breach”") is the sentence's subject.
    subject = _sentence_subject(masked, s_start, raw.open)
    subject_phrase = _parse_phrase(subject.group("speaker")) if subject is not None else None
    if verbs is None:
        verbs = [m.start() for m in _CHARACTERISING_AT.finditer(masked, s_start, raw.open)]
    found = _characterising_speaker(masked, s_start, raw.open, verbs)
    if found is not None and not (
        subject_phrase is not None and subject_phrase.name and found[0][1].casefold() in _PRONOUNS
    ):
        raw.speaker_phrase, raw.cue = found
        return
    # No cue: the sentence's subject is the likeliest speaker ("Trump unleashed a series of
    # tweets, saying …", "Reid has gone after Trump as a “human leech …”"). Without a cue word
    # the quote is not attached, and a short one stays a scare quote.
    if subject_phrase is not None and (subject_phrase.name or subject_phrase.pronoun):
        raw.speaker_phrase = (subject.start("speaker"), subject.group("speaker"))
        m = _PARTICIPLE.search(masked, subject.end("speaker"), raw.open)
        raw.cue = m.group() if m else ""
        return
    if s_start == raw.open:
        found = _introduced_before(masked, raw)
        if found is not None:
            raw.speaker_phrase = found
        return
    # An unnamed subject ("Scott's family has called on police to release the videos “…”",
    # "In August, several environmental groups granted him an extension, saying his “…”"):
    # the quote is theirs, no one's by name, not the last speaker's.
    m = _UNNAMED_SUBJECT.match(masked, s_start, raw.open)
    if m is not None and _REPORTING_NOUNS.isdisjoint(m.group("speaker").split()):
        # (not "Lee's claim that wages were “rising fast”": a possessor's words are theirs)
        raw.speaker_phrase = (m.start("speaker"), m.group("speaker"))


_REPORTING_NOUNS = frozenset(
    "claim claims statement statements remarks remark comments comment words speech letter "
    "tweet tweets message view views argument assertion brief report".split()
)
_UNNAMED_SUBJECT = re.compile(
    rf"(?:[{_UPPER}][^,.;:“”\"\n]{{0,80}},{_SP})?"
    rf"(?P<speaker>(?:(?:[Tt]heir|[Ss]everal|[Mm]any|[Ss]ome|[Mm]ultiple){_SP}"
    rf"|[{_UPPER}][\w-]*[’']s{_SP})(?:[a-z][\w-]*{_SP}){{0,2}}[a-z][\w-]*)"
    rf"{_SP}(?:\w+ly{_SP})?(?:has|have|had|is|are|was|were|will|would|[a-z]+ed)\b"
)


def _introduced_before(masked: str, raw: _Raw) -> tuple[int, str] | None:
    """The speaker of a quote that is a sentence of its own, introduced by the writer's
    sentence right before it: one ending in a colon ("Lee made the following comment:"),
    or one that reports or characterises words ("Ann Lee, his partner, called him a
    master. “He showed again and again …”"), when its subject is named."""
    lo = raw.paragraph_start
    if lo == raw.open:  # the quote opens its paragraph: only a colon introduces it
        before = masked[max(0, lo - 300) : lo].rstrip()
        if not before.endswith(":"):
            return None
        lo = max(0, lo - 300) + before.rfind("\n") + 1
        text_end = lo + len(before[before.rfind("\n") + 1 :])
    else:
        text_end = raw.open
    opening = next((o for o in _sentence_openings(masked, lo, text_end) if o < text_end - 1), lo)
    sentence = masked[opening:text_end]
    if "“" in sentence or '"' in sentence:
        return None  # another quote stands between: it carries over
    if not sentence.rstrip().endswith(":") and _REPORTING_WORDS.isdisjoint(
        w.strip(",.;:").casefold() for w in sentence.split()
    ):
        return None
    subject = _sentence_subject(masked, opening, text_end)
    if subject is None:
        return None
    phrase = _parse_phrase(subject.group("speaker"))
    if not phrase.name or phrase.is_org:
        return None
    if " " not in phrase.name and masked.find(" " + phrase.name, 0, opening) < 0:
        return None  # a lone capitalised word never named before ("Partial transcript:")
    return subject.start("speaker"), subject.group("speaker")


# A possessor's words named by a noun, then what they say: "Ann Lee’s claim that …".
_POSSESSIVE_CUE = re.compile(
    r"(?<=\w)[’']s[^\S\n]+(?:[a-z]+[^\S\n]+){0,2}?(?P<cue>claims?|statements?|remarks?|"
    r"comments?|assertions?|predictions?|promises?|pledges?|warnings?|words|arguments?|"
    r"suggestions?|contentions?|boasts?|insistence|vows?)[^\S\n]+that\b"
)


def _subject_for(masked: str, s_start: int, quote_open: int, best: "_Event") -> "_Event":
    """The sentence's named subject instead of the cue found before a quote, when the cue's
    speaker is a he/she with no other name between them ("Ann Lee told the audience that she
    believes …, saying that “…”"), or when a participle after a comma follows the cue and
    goes back to the subject ("Lee was defensive about an architect who said he was stiffed,
    saying, “…”")."""
    pronoun = best.text.casefold()
    participle = None
    if pronoun not in ("he", "she"):
        for m in _SPEAKING_AT.finditer(masked, max(best.cue_end, s_start), quote_open):
            participle = m
        if participle is None or masked[participle.start() - 2 : participle.start()] != ", ":
            return best
    subject = _APPOSED_SUBJECT.match(masked, s_start, best.position)  # "Kim Roe, the chief,"
    if not _named(subject):
        subject = _sentence_subject(masked, s_start, best.position)
    if subject is None or subject.end("speaker") > best.position:
        return best
    phrase = _parse_phrase(subject.group("speaker"))
    if not phrase.name or phrase.is_org:
        return best
    if participle is None:
        between = masked[subject.end("speaker") : best.position].split()
        if any(w[:1].isupper() for w in between):
            return best  # "Lee said Reed lies when she says “…”": she may be Reed
        want = "m" if pronoun == "he" else "f"
        if name_gender(subject.group("speaker")) not in ("", want):
            return best
        return _Event(subject.start("speaker"), subject.group("speaker"), best.cue, best.cue_end)
    return _Event(
        subject.start("speaker"), subject.group("speaker"), participle.group(), participle.end()
    )


_PARTICIPLE = re.compile(
    r"(?<![\w’'-])(?:saying|adding|calling|describing|arguing|noting|insisting|warning|"
    r"claiming|telling|writing|asking|tweeting|declaring|accusing|branding|labeling|"
    r"labelling|dubbing|called|calls|call|described|describes|describe|dubbed|labeled|"
    r"labelled|branded|termed|likened|blasted|slammed|criticized|criticised|praised|"
    r"dismissed|accuse|accused|mocked|derided|hailed|touted|lambasted|decried)\b"
)
# A party tag in commas after a name: "House Speaker Paul Ryan, R-Wis., said".
_COMMA_TAG = rf"(?:,{_SP}[RDI]-[A-Z][\w.]*(?={_SP}|,))?"
_SUBJECT = re.compile(
    rf"(?P<lead>[{_UPPER}][^,.;:“”\"\n]{{0,100}},{_SP}(?:\d+,{_SP})?"  # "On July 6, 2015, "
    rf"|(?:But|And|Then|Still|Meanwhile|However|Now){_SP})?"
    rf"(?:{_DETERMINER}{_SP})?(?P<speaker>{_NAME_RUN}){_COMMA_TAG},?{_SP}"
    rf"(?:\w+ly{_SP})?(?:(?:has|had|was|is|also|then|later|again){_SP})?[a-z]"
)
_PLAIN_SUBJECT = re.compile(
    rf"(?:{_DETERMINER}{_SP})?(?P<speaker>{_NAME_RUN}){_SP}"
    rf"(?:\w+ly{_SP})?(?:(?:has|had|was|is|also|then|later|again){_SP})?[a-z]"
)


# "Dean, a former party chairman and candidate, poked at …": a name, an apposition, a verb.
_APPOSED_SUBJECT = re.compile(
    # (or a bare role: "Jo Roe, political science professor at Acme, described …")
    rf"(?P<speaker>{_NAME_RUN}),{_SP}(?:a|an|the|who|whose|one|his|her|its|their|[a-z][\w-]*){_SP}"
    rf"[^,.;:“”\"\n]{{1,150}},{_SP}(?:\w+ly{_SP})?[a-z]"
)


_PREPOSITIONS = frozenset("On In At During After Before From With By For Since Following".split())


def _named(subject: re.Match | None) -> bool:
    if subject is None:
        return False
    phrase = _parse_phrase(subject.group("speaker"))
    return bool(phrase.name or phrase.pronoun)


def _sentence_subject(masked: str, s_start: int, end: int) -> re.Match | None:
    """The speaker-like subject of the sentence: a name that opens it ("Ann Lee spoke in
    Tulsa, Oklahoma, arguing …" is Ann Lee, not Oklahoma), else one after a leading phrase
    ("In an interview, the spokesman accused …"), else a name before an apposition."""
    subject = _SUBJECT.match(masked, s_start, end)
    if subject is not None and subject.group("lead") is not None:
        plain = _PLAIN_SUBJECT.match(masked, s_start, end)
        if _named(plain) and plain.group("speaker").split(None, 1)[0] not in _PREPOSITIONS:
            return plain  # (not "On The Morning Show on Tuesday, Lee said": Lee says it)
    if (subject is None or (subject.group("lead") is not None and not _named(subject))) and (
        masked[s_start : s_start + 1].isupper()
        and 0 < masked.find(",", s_start, end) - s_start < 40
    ):
        apposed = _APPOSED_SUBJECT.match(masked, s_start, end)
        if _named(apposed):
            return apposed
    if (
        subject is not None
        and subject.group("lead") is None
        and subject.group("speaker").split(None, 1)[0] in _PREPOSITIONS
    ):
        # "With leaders worried about a lack of passion for her among voters, President
        # Obama is rolling out …": a long leading phrase, then the subject
        comma = masked.find(", ", s_start, min(end, s_start + 200))
        if comma > 0:
            after = _PLAIN_SUBJECT.match(masked, comma + 2, end)
            if _named(after):
                return after
    return subject


def _introducing_subject(masked: str, s_start: int, raw: _Raw) -> tuple[int, str] | None:
    """ "Sen. Ann Lee scolded him: “…,” she said.": a pronoun after a quote stands for the
    named subject of the writer's words that lead into the quote, when its gender agrees."""
    if masked[raw.open - 1 : raw.open] == "\n" or raw.open == s_start:
        return None
    subject = _sentence_subject(masked, s_start, raw.open)
    if subject is None:
        return None
    phrase = _parse_phrase(subject.group("speaker"))
    if not phrase.name or phrase.is_org:
        return None
    want = {"he": "m", "she": "f"}.get(raw.speaker_phrase[1].casefold())
    if want is None or name_gender(subject.group("speaker")) not in ("", want):
        return None
    return subject.start("speaker"), subject.group("speaker")


def _clean_cue(cue: str) -> str:
    return " ".join(cue.split())


# Cues that take a thing as their object ("announced a “special military operation”"): a
# short quoted term after them names the thing, it does not report words.
_OBJECT_CUES = frozenset(
    "announced announces declared declares promised vowed threatened threatens revealed "
    "reveals confirmed confirms denied denies posted went pointed".split()
)


# Words by which a writer reports or characterises what someone said, beyond the cue verbs:
# a short fragment after one of them in its sentence ("condemned the test as “reckless”",
# "the fact-checkers rated the claim “false”", "what critics call “cronyism”") quotes words.
_REPORTING_WORDS = frozenset(
    (
        "call calls called calling describe describes described describing label labels "
        "labeled labelled labeling labelling brand brands branded branding dub dubs dubbed "
        "term terms termed nickname nicknamed hail hails hailed deride derides derided "
        "denounce denounces denounced condemn condemns condemned condemning criticize "
        "criticizes criticized criticizing criticise criticised blast blasts blasted slam "
        "slams slammed mock mocks mocked praise praises praised dismiss dismisses dismissed "
        "accuse accused accusing decry decries decried lambast lambasted ridicule ridiculed "
        "characterize characterized characterise characterised portray portrayed liken "
        "likened ruled rated deemed chant chants chanted chanting sing singing sung "
        "proclaim proclaimed pledge pledged tout touted cite cites cited referenced quoted "
        "saying adding telling writing tweeting claim claimed statement remarks comments "
        "urging warning insisting arguing noting asking promising vowing declaring accusing "
        "praising blasting mocking exhorted exhorting compared comparing likening "
        "stressing emphasizing emphasising urging "
        "words phrase slogan assertion allegation verdict ruling rating message according"
    ).split()
)


# The finite verbs among them: whoever stands right before one is the one whose words are
# characterised ("Clinton called his plan “a disaster”", "the senator condemned it as “…”").
_CHARACTERISING_VERBS = frozenset(
    (
        "call calls called describe describes described label labels labeled labelled "
        "brand brands branded dub dubs dubbed term terms termed nicknamed hail hails hailed "
        "deride derides derided denounce denounces denounced condemn condemns condemned "
        "criticize criticizes criticized criticise criticises criticised blasted slammed "
        "mocked praised dismissed accuse accuses accused decried lambasted ridiculed "
        "characterized characterised portrayed likened ruled rated deemed chanted "
        "proclaimed pledged touted cited referenced"
    ).split()
)


_CHARACTERISING_AT = re.compile(
    r"(?<![\w’'-])(?:"
    + "|".join(sorted(_CHARACTERISING_VERBS, key=len, reverse=True))
    + r")(?![\w’'-])"
)


def _characterising_speaker(
    masked: str, s_start: int, quote_open: int, verbs: list[int]
) -> tuple[tuple[int, str], str] | None:
    """(speaker phrase, verb) for the last characterising verb of the sentence before the
    quote (`verbs`: where they stand in the article), when a person, a role or a pronoun
    stands right before it."""
    k = bisect.bisect_left(verbs, quote_open)
    if k == 0 or verbs[k - 1] < s_start:
        return None
    pos = verbs[k - 1]
    found = _speaker_before(masked, _aux_start(masked, pos), s_start)
    if found is None:
        return None
    phrase = _parse_phrase(found[1])
    if phrase.name or phrase.pronoun or phrase.role_head:
        return found, _CHARACTERISING_AT.match(masked, pos).group()
    return None


def _reported_in_sentence(masked: str, raw: _Raw) -> bool:
    """Whether the writer's sentence reports or characterises words before the quote: a cue
    verb (not one that takes a thing as its object) or a reporting word, in the writer's
    own words (other quotes are masked)."""
    tokens = masked[raw.sentence_start : raw.open].split()
    for token in tokens:
        word = token.strip(",.;:—–-()[]").casefold()
        if word in _REPORTING_WORDS or (word in _CUE_WORDS and word not in _OBJECT_CUES):
            return True
    # "Reid has been pounding Trump as a “con artist”": a named subject casting someone as
    # something in quoted words
    return (
        raw.speaker_phrase is not None
        and len(tokens) >= 2
        and (tokens[-1] == "as" or (tokens[-2] == "as" and tokens[-1] in ("a", "an")))
    )


def _in_headline(masked: str, raw: _Raw, paragraph_end: int) -> bool:
    """A short title-case line ("Senator Calls Rival “A Disgrace” Over Remarks") is a
    headline: its quoted words are a label, whatever verb it has."""
    if paragraph_end - raw.paragraph_start > 200:
        return False
    line = masked[raw.paragraph_start : paragraph_end]
    words = [w for w in line.split() if w[:1].isalpha()]
    if "\n" in line.strip() or len(words) < 3:
        return False
    content = [w for w in words if w not in _TITLE_SMALL_WORDS]
    lower = [w for w in content if not w[:1].isupper()]
    if len(content) < 3 or len(lower) > 0.2 * len(content):
        return False
    # "“No,” Jane Smith of Acme Corp said.": a sentence with its cue, not a headline
    return _CUE_WORDS.isdisjoint(w.rstrip(",.;:!?") for w in lower)


def _is_own_sentence(masked: str, raw: _Raw, text: str) -> bool:
    """A quote that is a whole sentence on its own (“Go home!”) reports words, however
    short: a scare-quoted term sits inside the writer's sentence."""
    return (
        not masked[raw.sentence_start : raw.open].strip()
        and text[-1:] in ".!?"
        and text[:1].isupper()
    )


# Words after which a capitalised term is the name of a thing: "speaking to “Izvestia”",
# "the “Contract With America”".
_NAME_INTRODUCERS = frozenset("to on in at from with by the of for".split())


def _is_scare_quote(masked: str, raw: _Raw, text: str, paragraph_end: int) -> bool:
    """Short quoted terms are scare quotes unless attributed speech: 1–3 words are kept when
    a cue stands right next to them ("“contradictory,” the spokesman noted"), when they are a
    sentence of their own, or when their sentence attributes them: a cue that reports words
    ("Trump said the system is “rigged”") or a word that reports or characterises speech
    ("Clinton called him a “con”", "condemned the test as “reckless”"). A term with no
    attribution in its sentence ("after his “re-election”"), a term in a headline, a name
    after a preposition or "the" ("speaking to ‘Izvestia’") and a term named as the object
    of a cue such as "announced" stay scare quotes."""
    if len(text.split(None, _SCARE_MAX_WORDS)) > _SCARE_MAX_WORDS:
        return False
    if raw.attached:
        return False
    # (The headline test comes last: it is needed only for terms that would be kept.)
    if _is_own_sentence(masked, raw, text):
        return _in_headline(masked, raw, paragraph_end)
    if text[-1:] != "!" and all(w[:1].isupper() for w in text.split() if w[:1].isalpha()):
        # (a name, unless exclaimed: "chants of “Bobby!”")
        before = masked[raw.sentence_start : raw.open].split()[-1:]
        if before and before[0].casefold() in _NAME_INTRODUCERS:
            return True
    if raw.speaker_phrase is not None and raw.cue:
        if raw.cue.split()[-1].casefold() in _OBJECT_CUES:
            return True
    elif not _reported_in_sentence(masked, raw):
        return True
    return _in_headline(masked, raw, paragraph_end)


# "PENCE: Well, look, …": a turn of an interview transcript, set in quote marks as a block.
_TRANSCRIPT_TURN = re.compile(r"[A-Z][A-Z.'’ -]{1,30}:\s")
_TITLE_SMALL_WORDS = frozenset("a an the of and on in to for at by with or".split())


def _is_title_case(text: str) -> bool:
    words = [w for w in text.split() if w[:1].isalpha()]
    return (
        bool(words)
        and words[0][:1].isupper()
        and all(w[:1].isupper() or w in _TITLE_SMALL_WORDS for w in words)
    )


def _not_speech(body: str, raw: _Raw, text: str) -> bool:
    """Quoted text that is no one's words: transcript turns, attribute values in leftover
    markup (tweet-date="…"), and the titles of shows and works after a possessive or "on"
    (MSNBC’s “Morning Joe”, on CBS's "Face the Nation")."""
    if _TRANSCRIPT_TURN.match(text):
        return True
    if raw.open > 0 and body[raw.open - 1] == "=":
        return True
    if len(text.split(None, 6)) <= 6 and _is_title_case(text.rstrip(",.")):
        before = body[max(raw.paragraph_start, raw.open - 6) : raw.open].rstrip()
        if before.endswith(("’s", "'s", " on", " On")):
            return True
        # "an episode of “The Morning Show,”", "taking part in “Election Day,”" (not an
        # exclamation: "chants of “Bobby!”")
        if before.endswith((" of", " in")) and text[-1:] not in "!?":
            return True
    return False


def _kind(body: str, raw: _Raw, text: str) -> str:
    """'partial' when the quote is a fragment of the writer's sentence: it starts in lower
    case, or follows a word of the sentence (not a cue) and does not end a sentence."""
    first = _FIRST_ALNUM.search(text)
    if first and first.group().islower():
        return "partial"
    i = raw.open - 1
    while i >= raw.paragraph_start and body[i] in " 	":
        i -= 1
    if i < raw.paragraph_start or not body[i].isalnum():
        return "direct"
    if raw.attached:
        return "direct"
    ends_sentence = text[-1:] in ".!?…" or body[raw.close + 1 : raw.close + 2] in (".", "!", "?")
    return "direct" if ends_sentence else "partial"


_CUE_WORDS = frozenset(_CUE_VERBS)
_ROLE_WORDS_ANY_CASE = frozenset(w for n in _ROLE_NOUNS for w in (n, n.capitalize(), n.title()))
# A word as `split()` leaves it: bare or with the punctuation that commonly follows it.
_TRAILERS = ("", ",", ".", ":", ";", "’s", "'s", ")", "”", '"', "—", "?", "!")


class _Forms(dict):
    """Punctuated form -> bare word, with the forms as a set for fast intersection."""

    def __init__(self, words: frozenset, trailers: tuple[str, ...] = _TRAILERS) -> None:
        super().__init__((w + t, w) for w in words for t in trailers)
        self.keys_set = frozenset(self)


def _with_trailers(words: frozenset) -> _Forms:
    return _Forms(words)


_CUE_FORMS = _with_trailers(_CUE_WORDS)
# A verb of characterising is followed by its object: few punctuated forms to look for.
_CHARACTERISING_FORMS = _Forms(_CHARACTERISING_VERBS, ("", ",", "."))
_ROLE_FORMS = _with_trailers(_ROLE_WORDS_ANY_CASE)


def _scan(masked: str, tokens: set[str], pattern: re.Pattern, words: _Forms) -> list[re.Match]:
    """Matches of `pattern` in reading order. A long alternation scanned across the whole text
    is slow in `re`; intersecting the text's tokens with the words (and their punctuated forms)
    finds the few words present, and the pattern is then tried only where they occur."""
    present = {words[t] for t in tokens & words.keys_set}
    positions = []
    for word in present:
        i = masked.find(word)
        while i >= 0:
            positions.append(i)
            i = masked.find(word, i + 1)
    matches = []
    for i in sorted(positions):
        m = pattern.match(masked, i)
        if m is not None and (not matches or m.start() >= matches[-1].end()):
            matches.append(m)
    return matches


def _events(masked: str, tokens: set[str]) -> list["_Event"]:
    """Every "speaker cue" in the writer's text, quoted or not, in reading order."""
    events = []
    for m in _scan(masked, tokens, _CUE_AT, _CUE_FORMS):
        cue_start = _aux_start(masked, m.start())
        found = _speaker_before(masked, cue_start, 0)
        if found is None and masked[cue_start - 2 : cue_start] == ", ":
            found = _speaker_after(masked, m.end())
        if found is not None and found[1].casefold() in _ROLE_MODIFIER_SET:
            continue  # "32% of Republican claims": an adjective before a noun, not a speaker
        if found is not None:
            events.append(
                _Event(found[0], found[1], _clean_cue(masked[cue_start : m.end()]), m.end())
            )
    return events


def _speaker_after(masked: str, cue_end: int) -> tuple[int, str] | None:
    """The speaker named right after a cue that follows a comma ("…, the losses would
    outstrip the gains, said Batchelder.", "…, noted NBC’s Dante Chinni."): up to six
    capitalised or role words on the line, ended by a comma or full stop."""
    tokens = _tokens(masked, cue_end, min(len(masked), cue_end + 80))
    for k, (pos, token) in enumerate(tokens[:6]):
        if pos > cue_end and "\n" in masked[cue_end:pos] and k == 0:
            return None
        bare = token.rstrip(",.;")
        if not (_is_name_token(bare) or (k == 0 and bare.casefold() in _DETERMINERS)):
            return None
        if bare != token and not (token in _ABBREVIATION_SET or _INITIALS.fullmatch(token)):
            # the phrase ends at its punctuation (not at "Mrs." or "G.K.")
            start = tokens[0][0]
            text = masked[start : pos + len(bare)]
            phrase = _parse_phrase(text)
            return (start, text) if phrase.name or phrase.role_head else None
    return None


def _aux_start(masked: str, verb_start: int) -> int:
    """Where a cue's auxiliaries begin: "has said", "would later say"."""
    start = verb_start
    for _ in range(2):
        word_end = start
        while word_end > 0 and masked[word_end - 1] in " \t":
            word_end -= 1
        word_start = word_end
        while word_start > 0 and masked[word_start - 1].isalpha():
            word_start -= 1
        if word_start == word_end or masked[word_start:word_end] not in _AUX_WORDS:
            break
        start = word_start
    return start


def _introductions(masked: str, tokens: set[str]) -> list[tuple[int, _Phrase, bool]]:
    """Role-and-name mentions without a cue ("his spokesman Dimitri Peskov",
    "Dmitry Peskov, spokesman for …"): they tell who holds which role. The flag is true for
    a role in apposition after the name, the way a writer brings on someone new."""
    found = []
    for m in _scan(masked, tokens, _ROLE_AT, _ROLE_FORMS):
        after = masked[m.end() : m.end() + 60].split()[:3]
        name = []
        for token in after:
            if token in _PARTICLES and name:  # "Mayor Bill de Blasio"
                name.append(token)
                continue
            if not token[:1].isupper() or token.casefold() in _ROLE_WORD_SET:
                break
            name.append(token.rstrip(",.;:"))
            if token[-1:] in ",.;:":
                break
        while name and name[-1] in _PARTICLES:
            name.pop()
        if name:
            role_start = _speaker_before(masked, m.end(), 0)
            role = masked[role_start[0] : m.end()] if role_start else m.group()
            phrase = _parse_phrase(f"{role} {' '.join(name)}")
            if phrase.name and phrase.role_head:
                found.append((m.start(), phrase, False))
            continue
        comma = masked.rfind(",", max(0, m.start() - 12), m.start())
        if comma > 0 and masked[comma + 1 : m.start()].strip().casefold() in ("", "the", "a"):
            before = masked[max(0, comma - 40) : comma].split()[-2:]
            if len(before) == 2 and all(t[:1].isupper() and t.isalpha() for t in before):
                role = masked[m.start() : m.end() + 60].split()
                role_text = " ".join(_role_with_complement(role))
                phrase = _Phrase(role_text, " ".join(before), role_text, _role_head(role_text))
                found.append((comma, phrase, True))
    return found


def _role_with_complement(tokens: list[str]) -> list[str]:
    """ "spokesman for Russian President Vladimir Putin." -> up to the end of the phrase."""
    kept = []
    for k, token in enumerate(tokens):
        bare = token.rstrip(",.;:")
        if k > 0 and not (bare in ("for", "of", "to", "the") or bare[:1].isupper()):
            break
        kept.append(bare)
        if bare != token:
            break
    return kept


# --- the whole article ------------------------------------------------------------------------


def _raw_quotes(body: str, paragraphs: list[tuple[int, int]] | None = None) -> list[_Raw]:
    raws = []
    for o, c, p, closed, ps in _quoted_spans(body, paragraphs or _paragraphs(body)):
        s, e = _inner(body, o, c)
        if s < e and _FIRST_ALNUM.search(body, s, e):
            raws.append(_Raw(o, c, s, e, p, ps, closed))
    return raws


def extract_quotes(body: str) -> Extraction:
    """The quotes of an article body, in order, each with its speaker and cue."""
    if _ANY_MARK.search(body) is None:
        return Extraction((), ())
    paragraphs = _paragraphs(body)
    raws = _raw_quotes(body, paragraphs)
    if not raws:
        return Extraction((), ())
    masked = _masked(body, raws)
    # Who speaks after the paragraph that follows the last quote changes no attribution.
    last = min(raws[-1].paragraph + 1, len(paragraphs) - 1)
    scanned = masked[: paragraphs[last][1]]
    tokens = set(scanned.split())
    events = _events(scanned, tokens)
    ends = _sentence_ends(masked, sorted({paragraphs[raw.paragraph] for raw in raws}))
    cue_ends = [event.cue_end for event in events]
    verbs = [m.start() for m in _scan(scanned, tokens, _CHARACTERISING_AT, _CHARACTERISING_FORMS)]
    for raw in raws:
        _attribute(raw, masked, paragraphs[raw.paragraph][1], events, ends, cue_ends, verbs)

    # Every phrase that names or refers to a speaker, in reading order, so that pronouns and
    # role nouns resolve to whoever came last before them.
    mentions: list[tuple[int, int, _Phrase, _Raw | None]] = []
    apposed = set()
    for pos, phrase, in_apposition in _introductions(scanned, tokens):
        mentions.append((pos, 0, phrase, None))
        if in_apposition:
            apposed.add(pos)
    seen_positions = set()
    for raw in raws:
        if raw.speaker_phrase:
            pos, text = raw.speaker_phrase
            seen_positions.add(pos)
            mentions.append((pos, 1, _parse_phrase(text), raw))
    for event in events:
        if event.position not in seen_positions:
            mentions.append((event.position, 1, _parse_phrase(event.text), None))
    mentions.sort(key=lambda m: (m[0], m[1]))

    cast = _Cast(masked)
    later = [m[2] for m in mentions]
    resolved: dict[int, _Person | None] = {}
    timeline: list[tuple[int, _Person]] = []
    for k, (pos, is_speech, phrase, raw) in enumerate(mentions):
        if not is_speech:
            person = cast.named(phrase)
            if pos in apposed:
                cast.introduced.append((pos, person))
            continue
        person = cast.resolve(phrase, later[k + 1 :], pos, raw.open if raw else pos)
        if raw is not None:
            resolved[id(raw)] = person
        if person is not None:
            timeline.append((pos, person))

    quotes, speaking = [], []
    sections = _section_starts(masked)
    previous: _Raw | None = None
    previous_person: _Person | None = None
    dropped: _Raw | None = None  # the last scare quote
    for k, raw in enumerate(raws):
        text = body[raw.start : raw.end]
        person = resolved.get(id(raw))
        if raw.speaker_phrase is None:
            section = sections[bisect.bisect_right(sections, raw.open) - 1]
            person = _carry_over(raw, previous, previous_person, timeline, section)
            if person is None:
                person = _next_in_paragraph(raw, raws[k + 1 :], resolved)
        listed = (
            previous is not None
            and k > 0
            and raws[k - 1] is previous
            and _LIST_JOIN.fullmatch(body, previous.close + 1, raw.open) is not None
        )
        if listed and previous.speaker_phrase is not None:
            if previous.speaker_phrase[0] < previous.open:
                # “A,” and “B” after one cue ("as Trump went on about “A,” and “B” and “C,”
                # Ann said yes"): a quote listed with the one before it shares its speaker
                person, raw.cue = previous_person, previous.cue
        if (not listed and _is_scare_quote(masked, raw, text, paragraphs[raw.paragraph][1])) or (
            dropped is not None
            and len(text.split(None, _SCARE_MAX_WORDS)) <= _SCARE_MAX_WORDS
            and body[dropped.close + 1 : raw.open].strip() in ("and", "or", ",")
        ):  # "“demilitarizing” and “denazifying”": a term listed with a scare quote is one
            dropped = raw
            continue
        if _not_speech(body, raw, text):
            continue
        if raw.speaker_phrase is None and previous is not None and person is previous_person:
            raw.cue = previous.cue  # a quote that goes on after “…,” he said has that cue
        speaker = person.canonical() if person is not None else None
        quotes.append(
            FoundQuote(raw.start, raw.end, text, _kind(body, raw, text), speaker, raw.cue)
        )
        if person is not None and person not in speaking:
            speaking.append(person)
        previous, previous_person = raw, person
    return Extraction(tuple(quotes), tuple(_mention(p) for p in speaking))


# What joins quotes listed in one sentence: "“a leech” and a “brat”", "and general “…”".
_LIST_JOIN = re.compile(r"[^\S\n]*,?[^\S\n]+(?:and|or)[^\S\n]+(?:[a-z]+[^\S\n]+)?")


_SECTION_BREAK = re.compile(r"\n[ \t]*(?:_{3,}|\*{3,}|(?:\*[ \t]*){3,}|-{3,})\.?[ \t]*\n")


def _section_starts(masked: str) -> list[int]:
    """Where the article's sections start: 0 and after each break line ("___", "***")."""
    if "\n___" not in masked and "\n*" not in masked and "\n---" not in masked:
        return [0]
    return [0] + [m.end() for m in _SECTION_BREAK.finditer(masked)]


def _carry_over(
    raw: _Raw,
    previous: _Raw | None,
    previous_person: "_Person | None",
    timeline,
    section_start: int = 0,
) -> "_Person | None":
    """An unattributed quote continues the last speaker: after a "he said" interruption in the
    same paragraph, or in the next paragraph when nobody else spoke in between; never across
    a section break ("___")."""
    if previous is not None and previous.open < section_start:
        previous, previous_person = None, None
    latest = None
    for pos, person in timeline:
        if section_start <= pos < raw.open:
            latest = person
    if previous is not None and previous_person is not None:
        if raw.paragraph - previous.paragraph <= 1:
            return previous_person
    if previous is not None and previous.paragraph == raw.paragraph:
        return None  # “…,” the letter reads. “…”: the same unnamed speaker goes on
    return latest


def _next_in_paragraph(raw: _Raw, following: list[_Raw], resolved) -> "_Person | None":
    """A quote that opens an article before anyone is named is usually attributed by the
    next quote of its paragraph ("NATO “acts as one bloc”. … for the spokesman, Peskov “…”")."""
    for other in following:
        if other.paragraph != raw.paragraph:
            return None
        if other.speaker_phrase is not None:
            return resolved.get(id(other))
    return None


def _mention(person: _Person) -> SpeakerMention:
    name = person.canonical()
    aliases: list[str] = []
    seen = {name.casefold()}
    for extra in (*person.names, *person.roles, *person.references):
        if extra and extra.casefold() not in seen:
            seen.add(extra.casefold())
            aliases.append(extra)
    return SpeakerMention(name, tuple(aliases), person.roles[0] if person.roles else "")
