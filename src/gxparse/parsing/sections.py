"""Items → the six parts (一 总体情况 … 六 其他需要报告的事项).

A heading is a short paragraph (or a one-cell row) that names a part's title, with or
without its enumerator (一、 / 1、 / # / （2）). Parts must appear in order; a part whose
heading was lost (a cut-off extraction) or printed out of order has no region, and its
content stays in the region before it; :func:`recover_region` finds such a part by what
opens it (parts 二 and 三 by their tables' headers or first rows).

Crawler text sometimes runs a whole report into one line; then headings are found inside
paragraphs ("……。二、主动公开政府信息情况第二十条……") and the paragraph is split there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from gxparse.normalize import label_key, nfkc, strip_enumerators
from gxparse.readers.document import Item, Para, Row
from gxparse.template import PARTS, Part

_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
# Word-export artefacts in front of a heading ("[bookmark: _GoBack]一、总体情况").
_ARTEFACT = re.compile(r"^\s*(?:\[bookmark:[^\]]*\]\s*)+")
_ENUMERATED = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:第[一二三四五六]部分|[一二三四五六][、.．]|[1-6][、.．]|[(（][一二三四五六1-6][)）])"
)
_CN_NUM = "一二三四五六"
# Slack allowed around a title inside a heading line ("政府信息公开" prefixes, "情况" suffixes).
_HEADING_SLACK = 10
_PART_KEYS: tuple[tuple[Part, tuple[str, ...]], ...] = tuple(
    (p, tuple(label_key(k) for k in p.keys)) for p in PARTS
)


@dataclass(frozen=True)
class Region:
    """The items of one part: ``items[start:end]``, heading at ``start - 1``."""

    part: Part
    heading: str
    start: int
    end: int
    source: str


def heading_part(text: str) -> Part | None:
    """The part a heading line names, or None if the line is not a part heading."""
    if len(text) > _LONGEST_HEADING_LINE:
        return None  # a paragraph; also keeps long lines out of the cache
    return _heading_part(text)


# Far above any heading (at most 60 characters of text, plus bookmarks and spacing).
_LONGEST_HEADING_LINE = 400


@lru_cache(maxsize=65_536)
def _heading_part(text: str) -> Part | None:
    """Cached: the same lines recur across reports, and each line is asked twice."""
    raw = _ARTEFACT.sub("", nfkc(text)).strip()
    if not raw or len(raw) > 60:
        return None
    enumerated = bool(_ENUMERATED.match(raw)) or bool(_MD_HEADING.match(raw))
    key = label_key(strip_enumerators(_MD_HEADING.sub("", raw)))
    for part, keys in _PART_KEYS:
        for k in keys:
            if k in key and len(key) <= len(k) + _HEADING_SLACK:
                if enumerated or key.startswith(k):
                    return part
    return None


def _item_text(item: Item) -> str | None:
    if isinstance(item, Para):
        return item.text
    found = None
    for text, _source in item.cells:
        if text and not text.isspace():  # (a cell with words; cheaper than strip())
            if found is not None:
                return None  # two cells with words: a table row, not a heading
            found = text
    return found


Heading = tuple[int, Part, str]


def _headings(items: list[Item]) -> list[Heading]:
    """(index, part, text) of every item that names a part, in order."""
    out = []
    for idx, item in enumerate(items):
        # Inlined heading_part: this runs over every item of a report.
        text = item.text if type(item) is Para else _item_text(item)
        if text is None or len(text) > _LONGEST_HEADING_LINE:
            continue
        part = _heading_part(text)
        if part is not None:
            out.append((idx, part, text))
    return out


_STYLES = (
    ("dun", re.compile(r"^\s*(?:#{1,6}\s*)?[一二三四五六七八九十]+[、.．]")),
    ("paren", re.compile(r"^\s*(?:#{1,6}\s*)?[(（][一二三四五六七八九十0-9]+[)）]")),
    ("arabic", re.compile(r"^\s*(?:#{1,6}\s*)?[0-9]+[、.．]")),
)


def _style(text: str) -> str:
    """How a heading is numbered: "一、", "（一）", "1、" or none."""
    t = nfkc(text)
    return next((name for name, pattern in _STYLES if pattern.match(t)), "")


def _in_order(headings: list[Heading]) -> list[tuple[int, Part, str]]:
    """The part headings, one per part in increasing order: of all such choices, the one
    with most headings numbered like the report's first heading (sub-headings of part 一
    such as "（四）…行政复议、行政诉讼情况" must not hide the real "二、…"), then the most
    headings, then the earliest."""
    if not headings:
        return []
    first = _style(headings[0][2])
    n = len(headings)
    # best[i]: (styled, count, -first index) of the best chain ending at heading i.
    best: list[tuple[int, int]] = []
    prev: list[int] = []
    for i, (_idx, part, text) in enumerate(headings):
        own = (1 if _style(text) == first else 0, 1)
        score, back = own, -1
        for j in range(i):
            if headings[j][1].number < part.number:
                cand = (best[j][0] + own[0], best[j][1] + own[1])
                if cand > score:
                    score, back = cand, j
        best.append(score)
        prev.append(back)
    end = max(range(n), key=lambda i: (best[i], -i))
    chain = []
    while end >= 0:
        idx, part, text = headings[end]
        chain.append((idx, part, text.strip()))
        end = prev[end]
    return chain[::-1]


def find_regions(items: list[Item], headings: list[Heading] | None = None) -> list[Region]:
    """Locate part headings in order and return the region of each part found.
    ``headings``: the items' headings when already found (see :func:`split_parts`)."""
    found = _in_order(_headings(items) if headings is None else headings)
    regions = []
    for n, (idx, part, text) in enumerate(found):
        end = found[n + 1][0] if n + 1 < len(found) else len(items)
        regions.append(Region(part, text, idx + 1, end, items[idx].source))
    return regions


_INLINE = re.compile(
    "("
    + "|".join(
        rf"(?:{_CN_NUM[p.number - 1]}[、.．]|[(（]{_CN_NUM[p.number - 1]}[)）]|{p.number}[、.．])\s*"
        rf"(?:政府信息公开)?(?:{'|'.join(re.escape(k) for k in sorted({p.zh, *p.keys}, key=len, reverse=True))})"
        for p in PARTS
    )
    + ")"
)


def split_inline_headings(items: list[Item]) -> list[Item]:
    """Split paragraphs that run several parts together at the part headings inside them."""
    out: list[Item] = []
    for item in items:
        if not isinstance(item, Para):
            out.append(item)
            continue
        text = nfkc(item.text)
        pieces = _INLINE.split(text)
        if len(pieces) <= 1:
            out.append(item)
            continue
        for piece in pieces:
            if piece.strip():
                out.append(Para(piece, item.source))
    return out


def split_at_table(items: list[Item], opener: str) -> list[Item]:
    """Items with the first paragraph that runs prose into part 二's table (crawler text
    with no part headings) cut where the table starts: at ``opener`` (第二十条). The same
    list when there is no such paragraph."""
    for n, item in enumerate(items):
        if not isinstance(item, Para):
            continue
        text = nfkc(item.text)
        at = text.find(opener)
        if at > 0:
            head, tail = text[:at], text[at:]
            return [*items[:n], Para(head, item.source), Para(tail, item.source), *items[n + 1 :]]
        if at == 0:
            return items
    return items


def find_restart(
    items: list[Item], regions: list[Region], headings: list[Heading] | None = None
) -> int | None:
    """The index where a second report starts (a part heading numbered back to 一 or 二
    after the parts of the first), or None."""
    if len(regions) < 2 or max(r.part.number for r in regions) < 3:
        return None
    # Only after the first report's last part heading: a heading of part 二 printed
    # among part 一's sub-headings ("（四）…行政复议…" then "二、…") is no second report.
    after = regions[-1].start
    for idx, part, _text in _headings(items) if headings is None else headings:
        if part.number <= 2 and idx >= after:
            return idx
    return None


def cut_at(regions: list[Region], restart: int) -> list[Region]:
    """The regions of the first report only."""
    out = []
    for r in regions:
        if r.start - 1 >= restart:
            break
        out.append(Region(r.part, r.heading, r.start, min(r.end, restart), r.source))
    return out


def join_wrapped_headings(items: list[Item]) -> list[Item]:
    """Join each part heading wrapped onto two lines ("三、收到和处理政府信息" + "公开申请情况",
    a hard-wrapped text or a narrow PDF column) into one paragraph: a short enumerated line
    that names no part, followed by a short line that names none either, which together
    name a part. The joined paragraph keeps the first line's source."""
    out: list[Item] = []
    i, n = 0, len(items)
    while i < n:
        item = items[i]
        if i + 1 < n:
            first, second = _short_text(item), _short_text(items[i + 1])
            if (
                first is not None
                and second is not None
                and _ENUMERATED.match(nfkc(first))
                and _heading_part(first) is None
                and _heading_part(second) is None
            ):
                joined = first.strip() + second.strip()
                if heading_part(joined) is not None:
                    out.append(Para(joined, item.source))
                    i += 2
                    continue
        out.append(item)
        i += 1
    return out


def _short_text(item: Item) -> str | None:
    """The text of a paragraph or one-cell row short enough to be (half of) a heading."""
    text = item.text if type(item) is Para else _item_text(item)
    if text is None or not text.strip() or len(text) > _LONGEST_HEADING_LINE:
        return None
    return text


def _more_regions(
    items: list[Item],
    regions: list[Region],
    headings: list[Heading],
    fix: Callable[[list[Item]], list[Item]],
) -> tuple[list[Item], list[Region], list[Heading]]:
    """``fix`` applied to the items, when it lets more parts be found; else as they were."""
    fixed = fix(items)
    if len(fixed) != len(items):
        fixed_headings = _headings(fixed)
        fixed_regions = find_regions(fixed, fixed_headings)
        if len(fixed_regions) > len(regions):
            return fixed, fixed_regions, fixed_headings
    return items, regions, headings


def split_parts(items: list[Item]) -> tuple[list[Item], list[Region], int | None]:
    """(items, regions, restart): :func:`sectionize` and :func:`find_restart` in one pass
    over the headings."""
    headings = _headings(items)
    regions = find_regions(items, headings)
    if len(regions) < 3:
        items, regions, headings = _more_regions(items, regions, headings, split_inline_headings)
    if len(regions) < len(PARTS):
        items, regions, headings = _more_regions(items, regions, headings, join_wrapped_headings)
    return items, regions, find_restart(items, regions, headings)


def sectionize(items: list[Item]) -> tuple[list[Item], list[Region]]:
    """Return (items, regions); items are re-split when headings run inline."""
    items, regions, _restart = split_parts(items)
    return items, regions


def recover_region(
    items: list[Item], regions: list[Region], part: Part, opens: Callable[[Item], bool]
) -> tuple[list[Region], Region] | None:
    """A part whose heading was lost, found by what opens it: ``opens`` names the first
    item that only this part can hold (its table's header, say). The item is looked for in
    the region its content fell into, the last found part before it, then in the regions
    after it (a part printed out of order, whose heading :func:`find_regions` skips); the
    region holding it is cut there. Returns (regions with the part, the part's region), or
    None when the part was found or nothing opens it. The new region's heading is empty
    and its source is the opening item's."""
    if any(r.part.code == part.code for r in regions):
        return None
    hosts = [n for n, r in enumerate(regions) if r.part.number < part.number]
    if not hosts:
        return None
    for n in range(hosts[-1], len(regions)):
        host = regions[n]
        for idx in range(host.start, host.end):
            if opens(items[idx]):
                found = Region(part, "", idx, host.end, items[idx].source)
                cut = Region(host.part, host.heading, host.start, idx, host.source)
                return [*regions[:n], cut, found, *regions[n + 1 :]], found
    return None


def region_text(items: list[Item], region: Region) -> str:
    """The prose of a region: paragraphs joined by newlines (table rows left out)."""
    return "\n".join(
        i.text.strip()
        for i in items[region.start : region.end]
        if isinstance(i, Para) and i.text.strip()
    )


def rows_in(items: list[Item], start: int, end: int) -> list[Item]:
    return [i for i in items[start:end] if isinstance(i, Row | Para)]
