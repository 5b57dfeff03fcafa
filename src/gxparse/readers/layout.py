"""Layout is not structure: remove from text what carries no meaning, before any structure
is inferred.

Given decoded text, return text with the same lines (so ``source`` still names the line of
the file as given) in which:

* stray control characters (NUL, C0 controls but tab/CR/LF, DEL) and zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF) are gone;
* every Unicode space (NBSP, U+2000–U+200A, U+202F, U+205F, the ideographic space U+3000,
  …) is a plain space;
* trailing spaces of every line are gone, and leading spaces where the line starts with a
  tab; the leading spaces of other lines stay, since text laid out in columns (PDF text)
  places cells by their column, which a uniform indentation leaves unchanged. Tabs are kept: the two things in
  whitespace that carry meaning are an empty cell (consecutive tabs, a tab-only line among
  one-cell-per-line cells) and, in Word exports, a leading tab that starts a new cell;
* a line holding nothing else is empty.

Runs of spaces inside a line are kept as printed for the same reason; the readers treat
any run as one separator.

:func:`is_chrome` tells the page chrome crawled pages print around a report (breadcrumbs,
font and print bars, publication lines, footers): the text reader drops such lines, and
the title is never looked for in them.
"""

from __future__ import annotations

import re

from gxparse import template as T
from gxparse.normalize import nfkc

# Characters that are never content: C0 controls but \t \n \r, DEL, zero-width characters
# and the byte-order mark (a BOM inside the text is a zero-width no-break space).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]")
# Unicode spaces other than the tab (Zs category and the ideographic space).
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _strip_line(line: str) -> str:
    """Remove trailing spaces, and leading spaces before or between leading tabs (the tab is
    the marker); keep every tab, and the leading spaces of a line without one (text laid
    out in columns: a uniform indentation leaves the columns' relative places)."""
    if not line:
        return line
    body = line.lstrip(" \t")
    if not body:
        # Whitespace only: its tabs are empty cells; spaces alone are nothing.
        return line.replace(" ", "")
    lead = line[: len(line) - len(body)]
    if "\t" in lead:
        lead = lead.replace(" ", "")
    end = body.rstrip(" \t")
    tail = body[len(end) :]
    return lead + end + tail.replace(" ", "")


def normalise_layout(text: str) -> str:
    """The same lines without meaningless whitespace and invisible characters (see the
    module docstring). Line breaks (CR, LF, CRLF) are left to the line splitter."""
    if not text.isascii():
        text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    elif _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return "\n".join(map(_strip_line, _LINE_BREAK.split(text)))


_CHROME = tuple(nfkc(k) for k in T.CHROME_KEYS)
_WIDGETS = tuple(nfkc(w) for w in T.CHROME_WIDGETS)
_WIDGET_SLACK = 6  # CJK characters a bar of widgets may hold beside them ("信息来源:竹泓镇")
_BREADCRUMB_SPLIT = re.compile("|".join(map(re.escape, T.BREADCRUMB_MARKS)))
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")


def is_chrome(text: str) -> bool:
    """A line of page chrome: breadcrumbs, accessibility/font/print bars, publication lines
    and site footers (short lines holding a key of ``template.CHROME_KEYS``, or made of
    little but ``template.CHROME_WIDGETS``)."""
    t = nfkc(text).strip()
    if not t or len(t) > 80:
        return False
    if any(k in t for k in _CHROME):
        return True
    if any(w in t for w in _WIDGETS[:-3]):  # 大 中 小 only count beside the others
        rest = t
        for w in _WIDGETS:
            rest = rest.replace(w, "")
        if len(_CJK_CHAR.findall(rest)) <= _WIDGET_SLACK:
            return True
    if sum(t.count(m) for m in T.BREADCRUMB_MARKS) < 2 or "报告" in t:
        return False
    # A breadcrumb is words between its marks ("首页 > 政务公开 > 年报"), never numbers.
    parts = [p.strip() for p in _BREADCRUMB_SPLIT.split(t) if p.strip()]
    return len(parts) >= 3 and all(_CJK_CHAR.search(p) for p in parts)
