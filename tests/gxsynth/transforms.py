"""Layout-only transformations of a report's text, for metamorphic testing.

A *meaning-preserving* transformation changes nothing but layout: it touches only
non-empty lines (or adds empty lines or page chrome), keeps the two whitespace markers that
carry meaning (a tab-only line among one-cell-per-line cells, and the leading tab that
starts a cell in Word exports), and changes no character except whitespace and the width
of punctuation. A report read before and after must give the same cells.

A *lossy* transformation can erase a marker (the whole report joined into one line, tabs
turned into spaces, tab rows split into one cell per line). No number may change under it;
a cell whose place was erased may turn ``missing``.

Each transformation is ``f(text, rng) -> text``; :data:`PRESERVING` and :data:`LOSSY`
name them, :func:`combine` applies several in turn.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from gxparse import template as T
from gxsynth.text import fullwidth_line

Transform = Callable[[str, random.Random], str]

_LINE = re.compile(r"\r\n|\r|\n")

# Page chrome as crawled pages print it: breadcrumbs, accessibility and font/print bars,
# publication lines and site footers. Never the agency, the year or a table row.
CHROME_BEFORE: tuple[str, ...] = (
    "关怀版 无障碍",
    "您当前所在位置: 首页 > 政务公开 > 政府信息公开年报",
    "【字体: 大 中 小】【打印】【关闭】",
    "发布时间: 2021-01-20 来源: 本站 浏览次数: 1024",
    "分享到:",
)
CHROME_AFTER: tuple[str, ...] = (
    "【打印本页】 【关闭窗口】",
    "主办单位: 人民政府办公室 网站标识码: 1234000001",
    "ICP备案号: 京ICP备12345678号 公安机关备案号: 11010502000001",
    "技术支持: 信息中心 联系电话: 0000-12345678",
)

_HALF_TO_FULL = str.maketrans(
    {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
)
_FULL_TO_HALF = str.maketrans({v: k for k, v in {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}.items()})  # fmt: skip
_UNICODE_SPACES = ("\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u3000")
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060")


def _lines(text: str) -> list[str]:
    return _LINE.split(text)


def _map_nonempty(text: str, fn: Callable[[str], str]) -> str:
    return "\n".join(fn(line) if line.strip() else line for line in _lines(text))


def empty_lines(text: str, rng: random.Random) -> str:
    """An empty line (or two) after every line, as web pages print paragraphs."""
    return "\n".join(line + "\n" * rng.choice((1, 1, 2)) for line in _lines(text))


def indent_spaces(text: str, rng: random.Random) -> str:
    pad = " " * rng.choice((1, 2, 4))
    return _map_nonempty(text, lambda line: pad + line)


def indent_ideographic(text: str, rng: random.Random) -> str:
    return _map_nonempty(text, lambda line: "\u3000\u3000" + line)


def trailing_whitespace(text: str, rng: random.Random) -> str:
    return _map_nonempty(text, lambda line: line + rng.choice((" ", "  ", " \u3000", "\u00a0")))


def crlf(text: str, rng: random.Random) -> str:
    return "\r\n".join(_lines(text))


def lone_cr(text: str, rng: random.Random) -> str:
    return "\r".join(_lines(text))


def unicode_spaces(text: str, rng: random.Random) -> str:
    """Plain spaces become NBSP or other Unicode spaces (one kind per line)."""
    return _map_nonempty(text, lambda line: line.replace(" ", rng.choice(_UNICODE_SPACES)))


def zero_width(text: str, rng: random.Random) -> str:
    """A zero-width character at the end (and some at the start) of each non-empty line."""

    def one(line: str) -> str:
        zw = rng.choice(_ZERO_WIDTH)
        return (zw if rng.random() < 0.3 else "") + line + zw

    return _map_nonempty(text, one)


def chrome(text: str, rng: random.Random) -> str:
    """Page chrome before and after the report."""
    before = rng.sample(CHROME_BEFORE, rng.randint(2, len(CHROME_BEFORE)))
    after = rng.sample(CHROME_AFTER, rng.randint(1, len(CHROME_AFTER)))
    return "\n".join([*before, text, *after])


def punctuation_width(text: str, rng: random.Random) -> str:
    """Half-width punctuation becomes full-width, or the other way round."""
    table = _HALF_TO_FULL if rng.random() < 0.5 else _FULL_TO_HALF
    return text.translate(table)


def fullwidth_digits(text: str, rng: random.Random) -> str:
    """Digits printed full-width ("１２" for "12"), as some sites' editors write them. In
    columns aligned with spaces each wide digit gives a space back, as whoever aligned the
    columns saw them: the columns stay where they were."""
    return "\n".join(fullwidth_line(line) for line in text.split("\n"))


_SENTENCE_END = ("。", "；", "！", "？")


# Words only a table prints: a line holding one is (or runs into) a table, not prose.
_TABLE_WORDS = (
    *T.DISCLOSURE_HEADER_KEYS,
    *T.APPLICATION_HEADER_KEYS,
    *(r.zh for r in T.RESULTS),
)


def _is_prose(line: str) -> bool:
    if any(w in line for w in _TABLE_WORDS):
        return False
    return (
        "\t" not in line
        and "|" not in line
        and len(line) > 40
        and any(p in line for p in _SENTENCE_END)
    )


def wrap_prose(text: str, rng: random.Random) -> str:
    """Hard wraps of prose at a fixed width (tables untouched)."""
    width = rng.choice((24, 30, 38))
    out: list[str] = []
    for line in _lines(text):
        if _is_prose(line):
            out.extend(line[i : i + width] for i in range(0, len(line), width))
        else:
            out.append(line)
    return "\n".join(out)


def one_line(text: str, rng: random.Random) -> str:
    """Lossy: the whole report joined into one line, as crawlers store it."""
    return " ".join(line.strip() for line in _lines(text) if line.strip())


def tabs_to_spaces(text: str, rng: random.Random) -> str:
    """Lossy: each tab becomes a run of spaces (empty cells and the cell marker are lost)."""
    return text.replace("\t", " " * rng.choice((2, 4)))


def split_tab_rows(text: str, rng: random.Random) -> str:
    """Lossy: a tab-separated row becomes one cell per line (no tab left)."""
    out: list[str] = []
    for line in _lines(text):
        if line.count("\t") >= 2 or (line.count("\t") == 1 and not line.startswith("\t")):
            out.extend(c for c in line.split("\t"))
        else:
            out.append(line)
    return "\n".join(out)


PRESERVING: dict[str, Transform] = {
    # First: the others turn the spaces that align columns into other spaces.
    "fullwidth_digits": fullwidth_digits,
    "empty_lines": empty_lines,
    "indent_spaces": indent_spaces,
    "indent_ideographic": indent_ideographic,
    "trailing_whitespace": trailing_whitespace,
    "crlf": crlf,
    "lone_cr": lone_cr,
    "unicode_spaces": unicode_spaces,
    "zero_width": zero_width,
    "chrome": chrome,
    "punctuation_width": punctuation_width,
    "wrap_prose": wrap_prose,
}
LOSSY: dict[str, Transform] = {
    "one_line": one_line,
    "tabs_to_spaces": tabs_to_spaces,
    "split_tab_rows": split_tab_rows,
}
TRANSFORMS: dict[str, Transform] = {**PRESERVING, **LOSSY}

# Combinations applied in the tests and the benchmark (line endings last: they rewrite
# every break).
COMBINATIONS: tuple[tuple[str, ...], ...] = (
    ("empty_lines", "indent_ideographic", "trailing_whitespace"),
    ("chrome", "zero_width", "unicode_spaces", "crlf"),
    ("wrap_prose", "punctuation_width", "empty_lines", "indent_spaces"),
    ("chrome", "empty_lines", "indent_spaces", "trailing_whitespace", "zero_width", "lone_cr"),
)


def combine(text: str, names: Sequence[str], rng: random.Random) -> str:
    """Apply the named transformations in turn."""
    for name in names:
        text = TRANSFORMS[name](text, rng)
    return text
