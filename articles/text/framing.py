"""Framing facts of one article's quotes: who is quoted how much, with which verbs, and what leads.

Pure functions over plain values, so the compare page and its exports compute the same facts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

UNKNOWN_SPEAKER = "unknown speaker"

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Words around an attribution verb that say nothing about how the outlet frames the speaker.
_CUE_FILLER = frozenset(
    "also then later again further once still even has have had was were is been being "
    "he she they it who which reportedly".split()
)
# "went on to complain", "proceeded to argue": the verb that matters is the last one.
_CUE_LEADS = re.compile(r"^(?:went on|goes on|go on|proceeded|continued) to\s+", re.IGNORECASE)


@dataclass(frozen=True)
class SpeakerShare:
    speaker: str
    words: int
    quotes: int
    share: float  # of the article's quoted words, 0..1


@dataclass(frozen=True)
class Lead:
    paragraph: str
    quote: str | None
    speaker: str | None


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits, apostrophes inside kept."""
    return len(_WORD.findall(text))


def speaker_shares(quotes: Iterable[tuple[str | None, str]]) -> list[SpeakerShare]:
    """Share of quoted words per speaker, largest first (ties by name); None is "unknown speaker".

    The shares add up to 1 whenever any word is quoted.
    """
    words: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for speaker, text in quotes:
        name = speaker or UNKNOWN_SPEAKER
        words[name] += count_words(text)
        counts[name] += 1
    total = sum(words.values())
    shares = [
        SpeakerShare(name, words[name], counts[name], words[name] / total if total else 0.0)
        for name in counts
    ]
    return sorted(shares, key=lambda s: (-s.words, -s.quotes, s.speaker.casefold()))


def cue_verb(cue: str) -> str:
    """The attribution verb of a cue, as a reader would name it.

    "told Izvestia newspaper" -> "told", "also complained" -> "complained",
    "went on to complain" -> "complain", "according to" -> "according to", "" -> "".
    """
    text = " ".join(cue.split()).casefold()
    if not text:
        return ""
    if text.startswith("according to"):
        return "according to"
    text = _CUE_LEADS.sub("", text)
    words = [w for w in _WORD.findall(text) if w not in _CUE_FILLER]
    return words[0] if words else text


def attribution_verbs(quotes: Iterable[tuple[str | None, str]]) -> dict[str, list[tuple[str, int]]]:
    """Per speaker, the verbs that introduce their quotes with how often, most used first.

    Quotes with no cue count as "(no verb)": an outlet that quotes without attributing is a fact.
    """
    verbs: dict[str, Counter[str]] = {}
    for speaker, cue in quotes:
        verb = cue_verb(cue) or "(no verb)"
        verbs.setdefault(speaker or UNKNOWN_SPEAKER, Counter())[verb] += 1
    return {
        speaker: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        for speaker, counter in sorted(verbs.items(), key=lambda item: item[0].casefold())
    }


def first_paragraph(body: str) -> str:
    """The first paragraph with any words in it (paragraphs are split on blank lines)."""
    for chunk in body.split("\n\n"):
        text = " ".join(chunk.split())
        if count_words(text):
            return text
    return ""


def lead(body: str, quotes: Sequence[tuple[int, str, str | None]]) -> Lead:
    """What a reader meets first: the first paragraph, and the first quote (by offset) with its
    speaker. `quotes` are (start offset, text, speaker)."""
    first = min(quotes, key=lambda q: q[0], default=None)
    return Lead(
        paragraph=first_paragraph(body),
        quote=first[1] if first else None,
        speaker=(first[2] or UNKNOWN_SPEAKER) if first else None,
    )


def label_counts(labels: Iterable[str]) -> list[tuple[str, int]]:
    """How often each label was given, most given first (ties by name)."""
    return sorted(Counter(labels).items(), key=lambda item: (-item[1], item[0].casefold()))
