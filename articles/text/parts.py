"""What an import keeps of a file's analysis, as plain named tuples.

An import's workers send these to the process that writes: tuples of strings and numbers cost
little to pickle, and unpickling them loads only this module, not the analysis modules (whose
patterns take a third of a second of CPU to compile) in a process that never analyses.
"""

import datetime
from typing import NamedTuple


class QuotePart(NamedTuple):
    start: int
    end: int
    text: str
    speaker: str | None  # the canonical name of a SpeakerPart, or None
    cue: str
    kind: str


class SpeakerPart(NamedTuple):
    name: str
    aliases: tuple[str, ...]
    role: str


class ArticleParts(NamedTuple):
    problem: str  # why the file cannot be an article, shown to the user; '' when fine
    raw_text: str = ""  # decoded, never cleaned
    encoding: str = ""
    notes: tuple[str, ...] = ()  # what decoding and cleaning decided, for the record
    title: str = ""
    title_derived: bool = False
    published: datetime.date | datetime.datetime | None = None
    published_source: str = ""
    body: str = ""
    quotes: tuple[QuotePart, ...] = ()
    speakers: tuple[SpeakerPart, ...] = ()
