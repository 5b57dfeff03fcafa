"""Text normalisation for matching labels and reading numbers. Raw text is never changed;
these functions produce keys for comparison only."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from gxparse.template import BLANK_MARKERS, DIRECTION_WORDS, NO_CHANGE_WORDS, NUMBER_UNITS

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Punctuation removed from label keys: brackets, quotes, dots, commas, colons, dashes.
_PUNCT = re.compile(r"[()\[\]{}<>\"'“”‘’「」『』《》〈〉【】,，.。、:：;；!！?？·•\-—_~/\\|*#＃]")
# Leading enumerators: 一、 （三） (3) 1. 1、 3） 第一项 ...
_ENUM = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（][0-9]+[)）]|[0-9]+[.．、)）](?![0-9]))\s*"
)
_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_CN_ZERO = {"零": "0", "〇": "0", "○": "0"}
# Minus signs NFKC leaves alone (U+2212 minus, U+2012–2014 dashes before a digit).
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"})
_GARBLED_VALUE = re.compile(
    r"^(?:[^\u3400-\u9fff]*\d[^\u3400-\u9fff]*|[零〇一二三四五六七八九十百千万两]+)$"
)


# Strings longer than this (whole documents, paragraphs) are normalised without caching:
# they rarely repeat, and a cache of documents would hold a whole corpus in memory.
_CACHED_LENGTH = 256


def nfkc(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII; Hanzi unchanged). Short strings are
    cached: table labels and cells repeat across thousands of reports."""
    if len(text) > _CACHED_LENGTH:
        if text.isascii():
            return text
        if _PER_CHAR_TEXT.fullmatch(text):
            return _PER_CHAR_MAPPED.sub(_per_char_nfkc, text)
        return unicodedata.normalize("NFKC", text)
    return _nfkc_short(text)


def _per_char_blocks() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """NFKC of long text made of the characters Chinese reports print is a per-character
    mapping (no combining marks, nothing that composes), and only the full-width forms
    change; mapping just those is ~4x faster than ``unicodedata.normalize`` on a page."""
    # ASCII, Latin-1, general punctuation, letterlike symbols, arrows, enclosed numbers,
    # box drawing and shapes, CJK punctuation, unified Hanzi, full-width ASCII and
    # half-width katakana (not half-width Hangul: its jamo compose).
    blocks = (
        (0x00, 0x7F), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF),
        (0x2460, 0x24FF), (0x2500, 0x25FF), (0x3000, 0x303F), (0x4E00, 0x9FFF),
        (0xFF00, 0xFF9D),
    )  # fmt: skip
    safe: list[tuple[int, int]] = []
    mapped: dict[str, str] = {}
    for lo, hi in blocks:
        if lo == 0x4E00:  # unified Hanzi: no decompositions
            safe.append((lo, hi))
            continue
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            out = unicodedata.normalize("NFKC", ch)
            if any(unicodedata.category(c)[0] == "M" or unicodedata.combining(c) for c in ch + out):
                continue  # a combining mark (or a character that maps to one) composes
            if safe and safe[-1][1] == cp - 1:
                safe[-1] = (safe[-1][0], cp)
            else:
                safe.append((cp, cp))
            if out != ch:
                mapped[ch] = out
    esc = re.escape
    text_class = "".join(esc(chr(a)) if a == b else f"{esc(chr(a))}-{esc(chr(b))}" for a, b in safe)
    return (
        re.compile(f"[{text_class}]*"),
        re.compile("[" + "".join(esc(c) for c in mapped) + "]"),
        mapped,
    )


_PER_CHAR_TEXT, _PER_CHAR_MAPPED, _PER_CHAR_MAP = _per_char_blocks()


def _per_char_nfkc(m: re.Match[str]) -> str:
    return _PER_CHAR_MAP[m.group()]


@lru_cache(maxsize=262_144)
def _nfkc_short(text: str) -> str:
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """Normalised form of a label for matching: NFKC, no whitespace, no punctuation."""
    t = nfkc(text)
    t = _WS.sub("", t)
    return _PUNCT.sub("", t)


def strip_enumerators(text: str) -> str:
    """Remove leading enumerators (一、 （三） 1. ...) repeatedly."""
    t = _WS.sub(" ", nfkc(text)).strip()
    while True:
        new = _ENUM.sub("", t, count=1).strip()
        if new == t:
            return t
        t = new


def compact(text: str) -> str:
    """NFKC with all whitespace removed."""
    return _WS.sub("", nfkc(text))


@lru_cache(maxsize=65536)
def is_blank_marker(text: str) -> bool:
    return compact(text) in BLANK_MARKERS


@lru_cache(maxsize=65536)
def parse_number(text: str) -> Decimal | None:
    """The number a cell prints, or None when the cell does not hold exactly one number.

    Accepts full-width digits, spaces and line breaks, thousands separators, a sign, a
    trailing unit (件, 万元, 元, ...), the Chinese zero (零, 〇), a direction word as the sign
    ("增1558", "减38") and a word saying nothing changed ("未增未减" → 0)."""
    t = compact(text)
    if not t:
        return None
    t = _CN_ZERO.get(t, t)
    if t in NO_CHANGE_WORDS:
        return Decimal(0)
    t = t.translate(_MINUS)
    sign = 1
    for word, direction in DIRECTION_WORDS.items():
        if t.startswith(word) and len(t) > len(word) and t[len(word)].isdigit():
            t, sign = t[len(word) :], direction
            break
    for unit in NUMBER_UNITS:
        if t.endswith(unit) and len(t) > len(unit):
            t = t[: -len(unit)]
            break
    if t.endswith("%"):
        return None
    if not _NUM.match(t):
        return None
    try:
        number = Decimal(t.replace(",", ""))
    except InvalidOperation:
        return None
    return -number if sign < 0 else number


def is_number_cell(text: str) -> bool:
    return parse_number(text) is not None


_DIGITS = re.compile(r"\d")


def has_digit(text: str) -> bool:
    return bool(_DIGITS.search(nfkc(text)))


# Page furniture that extraction leaves between rows: "- 3 -", "—— 4 ——", "第 3 页", "第4页 共7页".
_PAGE_NUMBER = re.compile(
    r"^[\s\-—–_~·•]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[\s\-—–_~·•]*$"
)


# The same furniture inside a longer line of text (a crawler's one-line page, a PDF's text):
# "第 4 页", "第3页 共6页", "- 4 -", "—— 2 ——". Never a cell.
_INLINE_FURNITURE = re.compile(
    r"第\s*\d{1,4}\s*页(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页"
    r"|(?:^|(?<=\s))[-—–_]{1,2}\s*\d{1,4}\s*[-—–_]{1,2}(?=\s|$)"
)


def without_furniture(text: str) -> str:
    """The text with the page numbers printed inside it replaced by a space."""
    if "页" in text or "-" in text or "—" in text or "–" in text or "_" in text:
        return _INLINE_FURNITURE.sub(" ", text)
    return text


def is_page_furniture(text: str) -> bool:
    """A line that is only a page number (with dashes, 第…页, 共…页 around it)."""
    if len(text) > 40:
        return False
    t = nfkc(text).strip()
    if not t or not _PAGE_NUMBER.match(t):
        return False
    # A bare number is a value cell, not a page number, unless it wears page decoration.
    return not re.fullmatch(r"\d+", t)


@lru_cache(maxsize=65536)
def is_garbled_value(text: str) -> bool:
    """A cell that stands where a number should and is not one: digits without any Hanzi
    ("12.", "3-4", "1/2") or a bare Chinese numeral ("二"). It is unreadable, not a label."""
    t = compact(text)
    return (
        bool(t)
        and parse_number(t) is None
        and not is_blank_marker(t)
        and bool(_GARBLED_VALUE.match(t))
    )
