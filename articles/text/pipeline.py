"""The analysis of one imported file, bytes in, article parts out: decode, clean, find quotes.

Pure and picklable, so an import can spread it over processes.
"""

from dataclasses import dataclass

from .cleaning import ParsedArticle, parse_article
from .encoding import Decoded, UnreadableText, decode_bytes
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
