"""The analysis of one imported file, bytes in, article parts out: decode, clean, find quotes.

Pure and picklable, so an import can spread it over processes.
"""

from dataclasses import dataclass

from .cleaning import ParsedArticle, parse_article
from .encoding import Decoded, UnreadableText, decode_bytes
from .parts import ArticleParts, QuotePart, SpeakerPart
from .quotes import Extraction, extract_quotes


@dataclass(frozen=True)
class Analysis:
    decoded: Decoded | None
    parsed: ParsedArticle | None
    extraction: Extraction | None
    problem: str = ""  # why the file cannot be an article, shown to the user; '' when fine


def analyse(raw: bytes) -> Analysis:
    try:
        decoded = decode_bytes(raw)
        parsed = parse_article(decoded.text)
        return Analysis(decoded, parsed, extract_quotes(parsed.body))
    except UnreadableText as exc:
        return Analysis(None, None, None, str(exc))
    except Exception as exc:  # a bug on one odd file must not stop the other files
        return Analysis(
            None, None, None, f"could not analyse the text ({exc.__class__.__name__}: {exc})"
        )


def article_parts(raw: bytes) -> ArticleParts:
    """`analyse(raw)` reduced to what an import stores (see articles.text.parts)."""
    analysis = analyse(raw)
    if analysis.problem:
        return ArticleParts(analysis.problem)
    decoded, parsed, extraction = analysis.decoded, analysis.parsed, analysis.extraction
    return ArticleParts(
        problem="",
        raw_text=decoded.text,
        encoding=decoded.encoding,
        notes=(*decoded.notes, *parsed.notes),  # the parser notes each line it kept out
        title=parsed.title,
        title_derived=parsed.title_derived,
        published=parsed.published,
        published_source=parsed.published_source,
        body=parsed.body,
        quotes=tuple(
            QuotePart(q.start, q.end, q.text, q.speaker, q.cue, q.kind) for q in extraction.quotes
        ),
        speakers=tuple(SpeakerPart(m.name, m.aliases, m.role) for m in extraction.speakers),
    )
