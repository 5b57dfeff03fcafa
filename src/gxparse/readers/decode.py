"""Bytes → text: the encodings Chinese government sites actually use.

A chain with a plausibility check rather than a guess: BOMs first (UTF-8, UTF-16), then
strict UTF-8, then GB18030 (a superset of GB2312 and GBK), then UTF-16 without a BOM,
and only then charset-normalizer's detection. A candidate is accepted only if the text
it yields is plausible (mostly CJK, ASCII and common punctuation; no control bytes).
"""

from __future__ import annotations

import codecs
import re

from gxparse.readers.document import ReadError

_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
# NUL bytes: a few stray ones in otherwise good text are noise (removed by the layout
# step); many of them mean UTF-16 or a binary file.
_MAX_NUL_SHARE = 0.01
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def plausibility(text: str) -> float:
    """Share of characters that are not control/replacement characters, penalising a text
    with no CJK at all (a GB18030 file decoded as something else rarely yields CJK)."""
    if not text:
        return 0.0
    nul = text.count("\x00")
    bad = len(_CONTROL.findall(text)) + (nul if nul > _MAX_NUL_SHARE * len(text) else 0)
    return 1.0 - bad / len(text)


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: many NUL bytes on one parity."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nul > 0.3 * half and even_nul < 0.05 * half:
        return "utf-16-le"
    if even_nul > 0.3 * half and odd_nul < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file's bytes; return (text, encoding used). Raise ReadError if no
    candidate encoding gives plausible text."""
    if not data:
        raise ReadError("empty_file")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError("bad_utf16", detail=exc.reason) from None
    utf16 = _looks_utf16(data)
    candidates = ["utf-8", "gb18030"] if utf16 is None else [utf16, "utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        if plausibility(text) >= 0.995 and (enc == "utf-8" or _CJK.search(text)):
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if plausibility(text) >= 0.995 and _CJK.search(text):
            return text, codecs.lookup(best.encoding).name
    raise ReadError("undecodable_text")
