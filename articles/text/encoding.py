"""Turn the raw bytes of an imported file into text, or say why they cannot be an article."""

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "UnreadableText", "decode_bytes"]


class UnreadableText(ValueError):
    """The bytes cannot be an article; str(exc) is the reason shown to the user.

    For example 'empty file', 'binary file (contains NUL bytes)', 'no text after cleaning'.
    """


@dataclass(frozen=True)
class Decoded:
    text: str  # decoded text, BOM removed, NOT otherwise cleaned
    encoding: str  # 'utf-8', 'utf-8-sig', 'utf-16', 'utf-32', 'cp1252', 'latin-1'
    notes: tuple[str, ...]  # decisions worth recording


# Text files hold tabs, newlines, form feeds and the odd DOS end-of-file mark (0x1A);
# any other C0 control byte is a sign of binary data.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1a") + b"\x7f"
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_VISIBLE = re.compile(r"\S")
_VISIBLE_BYTE = re.compile(rb"\S")
# Random bytes behind a UTF-16 mark decode to C1 controls, private-use characters and
# replacement characters; real text almost never holds them.
_GARBAGE_CHARS = re.compile("[\x80-\x9f\ue000-\uf8ff\ufffd]")
_CONTROL_CHARS = re.compile("[" + re.escape(_CONTROL_BYTES.decode("ascii")) + "]")

# Enough to judge a file without scanning all of a huge one.
_SAMPLE = 64 * 1024
# Real text has almost no control characters; binary formats have plenty.
_MAX_CONTROL_SHARE = 0.05

_BOMS = (
    # UTF-32 first: its little-endian mark begins with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def decode_bytes(raw: bytes) -> Decoded:
    """Decode a file's bytes: honour a BOM, else strict UTF-8, then cp1252, then latin-1.

    Raises UnreadableText for empty, whitespace-only and binary files. Mojibake is left
    as it is: the raw bytes are kept elsewhere and an analyst can judge it.
    """
    if not _VISIBLE_BYTE.search(raw):
        raise UnreadableText("empty file")
    for bom, encoding, name in _BOMS:
        if raw.startswith(bom):
            return _not_binary(_not_empty(_decode_with_bom(raw, bom, encoding, name)))
    if b"\x00" in raw:
        raise UnreadableText("binary file (contains NUL bytes)")
    _reject_control_bytes(raw[:_SAMPLE])
    return _not_empty(_decode_without_bom(raw))


def _decode_with_bom(raw: bytes, bom: bytes, encoding: str, name: str) -> Decoded:
    note = f"{name} byte-order mark removed"
    if encoding == "utf-8-sig":
        try:
            return Decoded(raw[len(bom) :].decode("utf-8"), encoding, (note,))
        except UnicodeDecodeError:
            fallback = _decode_without_bom(raw[len(bom) :])
            reason = f"UTF-8 byte-order mark but not valid UTF-8: decoded as {fallback.encoding}"
            return Decoded(fallback.text, fallback.encoding, (note, reason))
    try:
        return Decoded(raw.decode(encoding), encoding, (note,))
    except UnicodeDecodeError:
        text = raw.decode(encoding, errors="replace")
        return Decoded(text, encoding, (note, f"invalid {name} sequences replaced with U+FFFD"))


def _decode_without_bom(raw: bytes) -> Decoded:
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", ())
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(raw.decode("cp1252"), "cp1252", ("not valid UTF-8: decoded as cp1252",))
    except UnicodeDecodeError:
        note = "not valid UTF-8 or cp1252: decoded as latin-1"
        return Decoded(raw.decode("latin-1"), "latin-1", (note,))


def _reject_control_bytes(sample: bytes) -> None:
    controls = len(sample.translate(None, _NOT_CONTROL_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(sample):
        raise UnreadableText("binary file (control characters)")


def _not_empty(decoded: Decoded) -> Decoded:
    if not _VISIBLE.search(decoded.text):
        raise UnreadableText("empty file")
    return decoded


def _not_binary(decoded: Decoded) -> Decoded:
    # A BOM can sit on top of anything: judge what it decoded to as well.
    sample = decoded.text[:_SAMPLE]
    if "\x00" in sample:
        raise UnreadableText("binary file (contains NUL bytes)")
    if len(_CONTROL_CHARS.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise UnreadableText("binary file (control characters)")
    if len(_GARBAGE_CHARS.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise UnreadableText("binary file (not text in its declared encoding)")
    return decoded
