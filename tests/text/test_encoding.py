import codecs
import random
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from articles.text.encoding import Decoded, UnreadableText, decode_bytes

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"


def test_plain_utf8():
    assert decode_bytes("Peskov said “no”".encode()) == Decoded("Peskov said “no”", "utf-8", ())


def test_utf8_bom_is_removed_and_recorded():
    decoded = decode_bytes(codecs.BOM_UTF8 + "Kremlin’s view".encode())
    assert decoded.text == "Kremlin’s view"
    assert decoded.encoding == "utf-8-sig"
    assert decoded.notes == ("UTF-8 byte-order mark removed",)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    decoded = decode_bytes(bom + "Lavrov: “We don’t want war”\r\n".encode(codec))
    assert decoded.text == "Lavrov: “We don’t want war”\r\n"
    assert decoded.encoding == "utf-16"
    assert "UTF-16 byte-order mark removed" in decoded.notes


def test_utf32_with_bom():
    decoded = decode_bytes("Moscow".encode("utf-32"))
    assert (decoded.text, decoded.encoding) == ("Moscow", "utf-32")


def test_cp1252_curly_quotes_are_decoded_and_recorded():
    decoded = decode_bytes(b"\x93We do not want war,\x94 Lavrov said \x96 caf\xe9")
    assert decoded.text == "“We do not want war,” Lavrov said – café"
    assert decoded.encoding == "cp1252"
    assert decoded.notes == ("not valid UTF-8: decoded as cp1252",)


def test_latin1_when_cp1252_cannot_decode():
    # 0x81 is undefined in cp1252, so only latin-1 can read this file.
    decoded = decode_bytes(b"Gr\xfc\xdfe \x81 aus M\xfcnchen")
    assert decoded.text == "Grüße \x81 aus München"
    assert decoded.encoding == "latin-1"
    assert decoded.notes == ("not valid UTF-8 or cp1252: decoded as latin-1",)


def test_utf8_bom_followed_by_cp1252_bytes():
    decoded = decode_bytes(codecs.BOM_UTF8 + b"caf\xe9")
    assert decoded.text == "café"
    assert decoded.encoding == "cp1252"
    assert any("not valid UTF-8" in note for note in decoded.notes)


def test_mojibake_in_valid_utf8_is_left_alone():
    text = "Russiaâ€™s adversaries"
    assert decode_bytes(text.encode()).text == text


def test_crlf_is_not_changed_by_decoding():
    assert decode_bytes(b"a\r\nb").text == "a\r\nb"


@pytest.mark.parametrize(
    "raw", [b"", b"   ", b"\n\r\n\t ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b" \n"]
)
def test_empty_files(raw):
    with pytest.raises(UnreadableText, match="^empty file$"):
        decode_bytes(raw)


def test_utf16_whitespace_only_is_empty():
    with pytest.raises(UnreadableText, match="^empty file$"):
        decode_bytes("  \n ".encode("utf-16"))


def test_nbsp_only_is_empty():
    with pytest.raises(UnreadableText, match="^empty file$"):
        decode_bytes("\u00a0\u00a0\n".encode())


def test_nul_bytes_mean_binary():
    with pytest.raises(UnreadableText, match=r"^binary file \(contains NUL bytes\)$"):
        decode_bytes(b"Peskov\x00said")


def test_utf16_without_bom_is_refused_as_binary():
    with pytest.raises(UnreadableText, match="NUL"):
        decode_bytes("Peskov said".encode("utf-16-le"))


def test_many_control_bytes_mean_binary():
    with pytest.raises(UnreadableText, match="control characters"):
        decode_bytes(b"\x01\x02\x03\x04 some text \x05\x06\x07\x08")


def test_a_few_control_bytes_in_long_text_are_tolerated():
    raw = b"Peskov said the talks had stalled. " * 20 + b"\x1b"
    assert decode_bytes(raw).encoding == "utf-8"


def test_png_header_is_binary():
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    with pytest.raises(UnreadableText, match="binary"):
        decode_bytes(raw)


def test_random_bytes_behind_a_utf16_bom_are_binary():
    noise = random.Random(7).randbytes(2000)
    with pytest.raises(UnreadableText, match="binary"):
        decode_bytes(codecs.BOM_UTF16_LE + noise)


def test_random_bytes_are_binary():
    with pytest.raises(UnreadableText, match="binary"):
        decode_bytes(random.Random(3).randbytes(4000))


def test_seed_files_decode_as_utf8():
    paths = sorted(SEEDS.glob("*.txt"))
    assert len(paths) == 5
    for path in paths:
        decoded = decode_bytes(path.read_bytes())
        assert decoded.encoding == "utf-8", path.name
        assert decoded.notes == (), path.name


def test_unreadable_text_is_a_value_error():
    assert issubclass(UnreadableText, ValueError)


@given(st.binary(max_size=300))
def test_decode_never_raises_anything_but_unreadable_text(raw):
    try:
        decoded = decode_bytes(raw)
    except UnreadableText as exc:
        assert str(exc)
    else:
        assert decoded.text.strip()
        assert decoded.encoding in {"utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1"}


@given(st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and "\x00" not in t))
def test_utf8_text_round_trips(text):
    try:
        decoded = decode_bytes(text.encode())
    except UnreadableText as exc:
        assert "binary" in str(exc)  # text made mostly of control characters
    else:
        assert decoded.text == (text[1:] if text.startswith("\ufeff") else text)


@given(st.text(max_size=200).filter(lambda t: t.strip()))
def test_cp1252_text_round_trips(text):
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError:
        raw = None
    assume(raw is not None)
    try:
        decoded = decode_bytes(raw)
    except UnreadableText as exc:
        try:
            as_utf8 = raw.decode("utf-8")
        except UnicodeDecodeError:
            as_utf8 = None
        # 'Â\xa0' in cp1252 is the UTF-8 of a lone no-break space: read as UTF-8 (which wins),
        # the file holds only white space, and "empty" is the right verdict.
        assert "binary" in str(exc) or (
            "empty" in str(exc) and as_utf8 is not None and not as_utf8.strip()
        ), (raw, str(exc))
        return
    # Some cp1252 byte runs are valid UTF-8 too; then UTF-8 wins, as it must.
    assert decoded.text == text or decoded.encoding == "utf-8"


def test_cp1252_bytes_that_are_the_utf8_of_white_space_are_an_empty_file():
    # Found by hypothesis: 'Â\xa0' in cp1252 is b'\xc2\xa0', UTF-8 for a no-break space.
    with pytest.raises(UnreadableText, match="empty"):
        decode_bytes("Â\xa0".encode("cp1252"))
